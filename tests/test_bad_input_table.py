"""Bad configs and bad data, table-driven: exit code, one clear line naming the key or file,
no traceback, and nothing partial presented as complete.

Config problems are caught before anything runs (exit 2). Data problems surface in
the task that reads the file (exit 1, the task's ``FAILED`` line names file and line).
"""
from __future__ import annotations

import glob
import os

import pytest
from helpers import NAIVE, ROOT, dataset_entries, model_entry, run_cli, write_config

ROWS = ['{"question": "What is 1 + 1?", "answer": "2"}'] * 4


def _sub(old: str, new: str, count: int = 1):
    return lambda text: text.replace(old, new, count) if old in text else pytest.fail(old)


# (id, change to the config text, lines of arith.jsonl (None: the default), exit code,
#  text the one error line must contain)
CASES = [
    ('unknown-model-type', _sub('type=HuggingFaceCausalLM', "type='HuggingFaceCausalLm'"), None,
     2, "models[tiny].type: unknown model type 'HuggingFaceCausalLm'; did you mean "
        "'HuggingFaceCausalLM'?"),
    ('chatml-datasets-only', _sub('\ndatasets = [', '\nchatml_datasets = ['), None, 2,
     "chatml_datasets: OpenCompass's ChatML dataset lists are not supported by opencompass-lite"),
    ('max-out-len-str', _sub("'max_out_len': 6", "'max_out_len': '6'"), None, 2,
     "models[tiny].max_out_len: expected a positive integer, got '6' (str)"),
    ('batch-size-zero', _sub("'batch_size': 4", "'batch_size': 0"), None, 2,
     'models[tiny].batch_size: expected a positive integer, got 0'),
    ('num-gpus-negative', _sub("'num_gpus': 0", "'num_gpus': -1"), None, 2,
     'models[tiny].run_cfg.num_gpus: expected an integer >= 0'),
    ('model-key-typo', _sub("'max_seq_len': 256", "'max_seq_lne': 256"), None, 2,
     'models[tiny]: unknown key `max_seq_lne`; did you mean `max_seq_len`?'),
    ('model-without-path', _sub("'path': ", "'pth': "), None, 2,
     'models[tiny]: missing required key `path`'),
    ('input-columns-int', _sub("input_columns=['question']", 'input_columns=5'), None, 2,
     'datasets[arith].reader_cfg.input_columns: expected a column name or a non-empty list'),
    ('reader-key-typo', _sub('output_column=', 'output_col='), None, 2,
     'datasets[arith].reader_cfg: unknown key `output_col`; did you mean `output_column`?'),
    ('infer-cfg-key-typo', _sub('retriever=dict(type=ZeroRetriever), inferencer=dict('
                                'type=GenInferencer)', 'retriver=dict(type=ZeroRetriever), '
                                'inferencer=dict(type=GenInferencer)'), None, 2,
     'datasets[arith].infer_cfg: unknown key `retriver`; did you mean `retriever`?'),
    ('dataset-key-typo', _sub('reader_cfg=dict(', 'reader_cgf=dict('), None, 2,
     'datasets[arith]: unknown key `reader_cgf`; did you mean `reader_cfg`?'),
    ('missing-reader-cfg', _sub('reader_cfg=dict(', 'extra=dict('), None, 2,
     'datasets[arith]: missing required key `reader_cfg`'),
    ('test-range-syntax', _sub("output_column='answer')", "output_column='answer', "
                               "test_range='0:5')"), None, 2,
     "datasets[arith].reader_cfg.test_range: '0:5' is not a range like '[0:100]'"),
    ('inferencer-max-out-len', _sub('inferencer=dict(type=GenInferencer)',
                                    "inferencer=dict(type=GenInferencer, max_out_len='x')"),
     None, 2, 'datasets[arith].infer_cfg.inferencer.max_out_len: expected a positive integer'),
    ('unknown-evaluator', _sub('type=EMEvaluator', "type='EMEvaluatr'"), None, 2,
     "datasets[arith].eval_cfg.evaluator.type: unknown evaluator type 'EMEvaluatr'; did you "
     "mean 'EMEvaluator'?"),
    ('duplicate-abbr', _sub("abbr='mc'", "abbr='arith'"), None, 2,
     "datasets: abbr 'arith' is used by 2 entries"),
    ('dataset-file-missing', _sub('arith.jsonl', 'gone.jsonl'), None, 2,
     "datasets[arith].path: dataset file not found: '"),
    ('partitioner-size-zero', _sub('type=NaivePartitioner)', 'type=SizePartitioner, '
                                   'max_task_size=0)'), None, 2,
     'infer.partitioner.max_task_size: expected a positive integer, got 0'),
    ('partitioner-nonsense', _sub('type=NaivePartitioner)', 'type=SizePartitioner, '
                                  'max_task_size=5, gen_task_coef=20)'), None, 2,
     'infer.partitioner.max_task_size: 5 is below gen_task_coef (20)'),
    ('naive-n-str', _sub('type=NaivePartitioner)', "type=NaivePartitioner, n='2')"), None, 2,
     "infer.partitioner.n: expected a positive integer, got '2' (str)"),
    ('runner-workers-negative', _sub('max_num_workers=2', 'max_num_workers=-1'), None, 2,
     'infer.runner.max_num_workers: expected a positive integer, got -1'),
    ('top-level-typo', _sub('models = [', 'model = ['), None, 2,
     'model: unknown top-level name; did you mean `models`?'),
    ('config-syntax-error', _sub('datasets = [', 'datasets = [[', 1), None, 2,
     'syntax error'),
    # bad data: found by the task reading the file; exit 1, nothing written as complete
    ('empty-dataset', None, [], 1, 'arith.jsonl: the dataset is empty'),
    ('blank-lines-only', None, ['', '  '], 1, 'arith.jsonl: the dataset is empty'),
    ('row-without-input', None, ROWS[:2] + ['{"answer": "3"}'] + ROWS[:1], 1,
     "arith.jsonl:3: the row has no column 'question'"),
    ('invalid-json', None, ROWS[:1] + ['{"question": "broken'] + ROWS[:1], 1,
     'arith.jsonl:2: not valid JSON'),
    ('not-an-object', None, ROWS[:3] + ['[1, 2]'], 1,
     'arith.jsonl:4: expected a JSON object per line'),
    ('non-utf8', None, ROWS[:3] + [b'{"question": "caf\xe9?", "answer": "1"}'], 1,
     'arith.jsonl:4: not valid utf-8 text'),
    ('huge-row', None, ROWS[:4] + ['{"question": "' + 'x' * (17 * 2**20) + '", "answer": "1"}'],
     1, 'arith.jsonl:5: the row is 17.0 MB, over the 16 MB limit per row'),
    ('test-range-selects-nothing', _sub("output_column='answer')", "output_column='answer', "
                                        "test_range='[100:200]')"), None, 1,
     'datasets[arith]: the test split selects no rows'),
]


def _write_rows(path: str, rows: list) -> None:
    with open(path, 'wb') as f:
        for row in rows:
            f.write((row if isinstance(row, bytes) else row.encode()) + b'\n')


@pytest.mark.parametrize('name,change,rows,code,needle', CASES, ids=[c[0] for c in CASES])
def test_bad_input(tmp_path, data_dir, name, change, rows, code, needle):
    if rows is not None:
        _write_rows(os.path.join(data_dir, 'arith.jsonl'), rows)
    model_dir = tmp_path / 'model'  # never loaded: every case fails before that
    model_dir.mkdir()
    cfg_path = write_config(str(tmp_path / 'cfg.py'), [model_entry(str(model_dir))],
                            dataset_entries(data_dir), infer=NAIVE)
    if change:
        with open(cfg_path) as f:
            text = change(f.read())
        with open(cfg_path, 'w') as f:
            f.write(text)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg_path, '-w', work, cwd=ROOT)
    out = proc.stdout + proc.stderr
    assert proc.returncode == code, out
    assert 'Traceback' not in out and 'internal error' not in out
    hits = [ln for ln in out.splitlines() if needle in ln]
    assert hits, f'{needle!r} not in:\n{out}'
    if code == 2:  # caught up front: nothing ran, nothing was written
        assert not os.path.exists(work)
    else:  # the bad dataset has no predictions and no results; the good one does
        assert not glob.glob(os.path.join(work, '*', 'predictions', '*', 'arith*.json'))
        assert not glob.glob(os.path.join(work, '*', 'results', '*', 'arith*.json'))


def test_all_config_problems_are_listed_at_once(tmp_path, data_dir):
    text = (dataset_entries(data_dir).replace("input_columns=['question']", 'input_columns=5')
            .replace('type=EMEvaluator', "type='EMEvaluatr'"))
    cfg = write_config(str(tmp_path / 'cfg.py'),
                       [model_entry(str(tmp_path), batch_size=0, max_out_len='6')], text,
                       infer=NAIVE.replace('max_num_workers=2', 'max_num_workers=0'))
    proc = run_cli(cfg, '-w', str(tmp_path / 'out'), cwd=ROOT)
    assert proc.returncode == 2
    assert '5 problems in the config:' in proc.stderr, proc.stderr
    for key in ('models[tiny].batch_size', 'models[tiny].max_out_len',
                'datasets[arith].reader_cfg.input_columns', 'datasets[arith].eval_cfg.evaluator',
                'infer.runner.max_num_workers'):
        assert sum(key in ln for ln in proc.stderr.splitlines()) == 1, key
