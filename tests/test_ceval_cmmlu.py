"""C-Eval and CMMLU: the loaders on invented files in OpenCompass's layout (Chinese text, a
subject missing a split, broken rows), the unanswered C-Eval test split, the contamination
labels, and the shipped configs and summary groups.

Seen failing first: on the tree before these loaders every test here failed at import
(``CEvalDataset``/``CMMLUDataset`` unknown) and ``--datasets ceval_gen`` was "not found";
with ``SubjectCSVDataset.check_test_columns`` removed, scoring the test split was not refused
by name (the refusal test failed); with ``answered`` ignored, an empty answer in ``val``
loaded (the broken-file case for it failed)."""
from __future__ import annotations

import json
import os

import pytest
from chinese_exam_fixtures import write_ceval, write_cmmlu
from helpers import ROOT, run_cli

from opencompass.config import load_config
from opencompass.datasets import CEvalDataset, CEvalDatasetClean, CMMLUDataset
from opencompass.errors import DatasetError

CONFIGS = os.path.join(ROOT, 'opencompass', 'configs')
READER = dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer',
              train_split='dev', test_split='val')
CMMLU_READER = dict(READER, test_split='test')


def _cfg(*parts: str) -> dict:
    return load_config(os.path.join(CONFIGS, *parts))


def test_ceval_reads_the_published_csvs_with_chinese_text(tmp_path):
    base = write_ceval(str(tmp_path), ['logic'])
    ds = CEvalDataset(reader_cfg=READER, path=base, name='logic')
    assert set(ds.splits) == {'dev', 'val', 'test'}
    assert len(ds.train) == 5 and len(ds.test) == 4
    first = ds.train[0]
    assert first['question'] == '（logic）一加二等于多少？' and first['answer'] == 'A'
    assert first['explanation'] == '1. 先算加法\n2. 选A'  # a quoted field over two lines
    assert set(first) == {'id', 'question', 'A', 'B', 'C', 'D', 'answer', 'explanation'}
    assert [r['answer'] for r in ds.test] == ['B', 'C', 'D', 'A']
    assert ds.test[0]['explanation'] == ''  # val has no explanation column
    assert [r['answer'] for r in ds.splits['test']] == ['', '', '']  # not published
    assert CEvalDataset.required_files(path=base, name='logic') == [
        os.path.join(base, s, f'logic_{s}.csv') for s in ('dev', 'val', 'test')]


def test_cmmlu_reads_the_published_header(tmp_path):
    base = write_cmmlu(str(tmp_path), ['arts'])
    with open(os.path.join(base, 'test', 'arts.csv'), 'rb') as f:
        raw = f.read()
    with open(os.path.join(base, 'test', 'arts.csv'), 'wb') as f:
        f.write(b'\xef\xbb\xbf' + raw)  # a byte-order mark, as spreadsheet tools write
    ds = CMMLUDataset(reader_cfg=CMMLU_READER, path=base, name='arts')
    assert set(ds.splits) == {'dev', 'test'} and len(ds.test) == 4
    assert ds.test[0] == {'question': '（arts）一加三等于多少？', 'A': '7', 'B': '4', 'C': '5',
                          'D': '6', 'answer': 'B'}  # the unnamed row-number column is dropped


def test_dataset_ids_resolve_under_the_data_cache(tmp_path, monkeypatch):
    data = str(tmp_path / 'data')
    write_ceval(data, ['law'])
    write_cmmlu(data, ['genetics'])
    monkeypatch.setenv('COMPASS_DATA_CACHE', str(tmp_path))
    assert len(CEvalDataset(reader_cfg=READER, path='opencompass/ceval-exam', name='law').test) == 4
    assert len(CMMLUDataset(reader_cfg=CMMLU_READER, path='opencompass/cmmlu',
                            name='genetics').test) == 4
    monkeypatch.setenv('COMPASS_DATA_CACHE', str(tmp_path / 'elsewhere'))
    with pytest.raises(DatasetError, match=r"dataset id 'opencompass/cmmlu': expected .*"
                                           r"elsewhere/data/cmmlu"):
        CMMLUDataset(reader_cfg=CMMLU_READER, path='opencompass/cmmlu', name='genetics')


def test_a_subject_missing_a_split(tmp_path):
    base = write_ceval(str(tmp_path), ['law', 'logic'])
    os.unlink(os.path.join(base, 'test', 'law_test.csv'))  # the unscored split: not needed
    ds = CEvalDataset(reader_cfg=READER, path=base, name='law')
    assert set(ds.splits) == {'dev', 'val'} and len(ds.test) == 4
    os.unlink(os.path.join(base, 'val', 'logic_val.csv'))  # the scored split: one line
    with pytest.raises(DatasetError) as err:
        CEvalDataset(reader_cfg=READER, path=base, name='logic')
    msg = str(err.value)
    assert os.path.join(base, 'val', 'logic_val.csv') in msg and 'ceval-exam' in msg
    assert '\n' not in msg
    cm = write_cmmlu(str(tmp_path), ['arts'])
    os.unlink(os.path.join(cm, 'dev', 'arts.csv'))  # the few-shot examples
    with pytest.raises(DatasetError, match=r"CMMLU: expected the file '.*dev/arts.csv'.*haonan-li"):
        CMMLUDataset(reader_cfg=CMMLU_READER, path=cm, name='arts')


@pytest.mark.parametrize('text, message', [
    ('id,question,A,B,C,D,answer\n0,问,1,2,3,4,E\n',
     r"logic_val.csv:2: the answer must be A, B, C or D, found 'E'"),
    ('id,question,A,B,C,D,answer\n0,问,1,2,3,4,\n', r"logic_val.csv:2: the answer must be .* found ''"),
    ('id,question,A,B,C,D,answer\n0,问,1,2,3\n', r'logic_val.csv:2: expected 7 fields .* found 5'),
    ('id,题目,A,B,C,D,answer\n0,问,1,2,3,4,A\n', r"logic_val.csv: the header row has no column 'question'"),
    ('id,question,A,B,C,D\n0,问,1,2,3,4\n', r"logic_val.csv: the header row has no column 'answer'"),
    ('', r'logic_val.csv: the file is empty'),
    ('id,question,A,B,C,D,answer\n', r'logic_val.csv: the file has no samples'),
])
def test_broken_files_name_the_file_and_line(tmp_path, text, message):
    base = write_ceval(str(tmp_path), ['logic'])
    with open(os.path.join(base, 'val', 'logic_val.csv'), 'w', encoding='utf-8') as f:
        f.write(text)
    with pytest.raises(DatasetError, match=message):
        CEvalDataset(reader_cfg=READER, path=base, name='logic')


def test_the_unanswered_test_split_is_never_scored(tmp_path):
    base = write_ceval(str(tmp_path), ['logic'])
    ds = CEvalDataset(reader_cfg=dict(READER, test_split='test'), path=base, name='logic')
    ids = list(range(len(ds.test)))
    ds.check_test_columns(ids, 'datasets[ceval-test-logic]', need_output=False)  # inference: fine
    with pytest.raises(DatasetError, match=r"datasets\[ceval-test-logic\]: C-Eval publishes no "
                                           r"answers for its 'test' split.*test_split='val'"):
        ds.check_test_columns(ids, 'datasets[ceval-test-logic]', need_output=True)


def test_ceval_clean_labels_the_val_rows(tmp_path, monkeypatch):
    write_ceval(str(tmp_path / 'data'), ['logic'])
    monkeypatch.setenv('COMPASS_DATA_CACHE', str(tmp_path))
    kwargs = dict(path='opencompass/ceval-exam', name='logic')
    assert CEvalDatasetClean.estimate_size(reader_cfg=READER, **kwargs) == 4  # planning: no labels
    notes = os.path.join(str(tmp_path), 'data', 'ceval', 'formal_ceval', 'val',
                         'ceval_contamination_annotations.json')
    with pytest.raises(DatasetError) as err:
        CEvalDatasetClean(reader_cfg=READER, **kwargs)
    assert notes in str(err.value) and 'ceval_annotations.json' in str(err.value)
    with open(notes, 'w') as f:
        json.dump({'logic-0': ['clean', 0.0], 'logic-2': ['input-and-label contamination', 0.9],
                   'law-1': ['clean']}, f)
    ds = CEvalDatasetClean(reader_cfg=READER, **kwargs)
    assert [r['is_clean'] for r in ds.test] == ['clean', 'not labeled',
                                               'input-and-label contamination', 'not labeled']
    assert notes in CEvalDatasetClean.required_files(**kwargs)


def test_shipped_configs():
    subjects = _cfg('datasets', 'ceval', 'ceval_all_sets.py')
    assert len(subjects['ceval_all_sets']) == 52 and len(subjects['ceval_hard_sets']) == 8
    cm = _cfg('datasets', 'cmmlu', 'cmmlu_all_sets.py')
    assert len(cm['cmmlu_all_sets']) == 67 and cm['cmmlu_subject_mapping']['arts'] == '艺术学'
    # OpenCompass's hashed names (ceval_gen_5f30c7 ...) are not shipped: they come from its own
    # tree through OPENCOMPASS_CONFIGS (docs/compatibility.md)
    for name in ('ceval_gen', 'ceval_ppl', 'ceval_clean_ppl', 'cmmlu_gen', 'cmmlu_ppl'):
        bench = name.split('_')[0]
        entries = _cfg('datasets', bench, f'{name}.py')[f'{bench}_datasets']
        sets = subjects['ceval_all_sets'] if bench == 'ceval' else cm['cmmlu_all_sets']
        assert [e['abbr'] for e in entries] == [f'{bench}-{s}' for s in sets], name
        ids = {'ceval': 'opencompass/ceval-exam', 'cmmlu': 'opencompass/cmmlu'}
        assert {e['path'] for e in entries} == {ids[bench]}
        assert {e['reader_cfg']['test_split'] for e in entries} == {'val' if bench == 'ceval' else 'test'}
    gen = _cfg('datasets', 'ceval', 'ceval_gen.py')['ceval_datasets'][0]
    assert '计算机网络考试' in gen['infer_cfg']['ice_template']['template']['round'][0]['prompt']
    clean = _cfg('datasets', 'ceval', 'ceval_clean_ppl.py')['ceval_datasets'][0]
    assert clean['type'].endswith('CEvalDatasetClean')
    assert clean['eval_cfg']['evaluator']['type'].endswith('AccContaminationEvaluator')


@pytest.mark.parametrize('bench, partition, extra', [
    ('ceval', ['stem', 'social-science', 'humanities', 'other'], {'ceval-hard': 8}),
    ('cmmlu', ['stem', 'social-science', 'humanities', 'other'], {'cmmlu-china-specific': 15}),
])
def test_summary_groups_cover_every_subject_once(bench, partition, extra):
    groups = {g['name']: g['subsets']
              for g in _cfg('summarizers', 'groups', f'{bench}.py')[f'{bench}_summary_groups']}
    abbrs = [e['abbr'] for e in _cfg('datasets', bench, f'{bench}_ppl.py')[f'{bench}_datasets']]
    assert sorted(groups[bench]) == sorted(abbrs)
    parts = [s for p in partition for s in groups[f'{bench}-{p}']]
    assert sorted(parts) == sorted(abbrs)  # each subject in exactly one category
    for name, size in extra.items():
        assert len(groups[name]) == size and set(groups[name]) <= set(abbrs)
    example = _cfg('summarizers', 'example.py')['summarizer']['summary_groups']
    assert {g['name'] for g in example} >= set(groups)


def test_dry_run_by_name_and_a_missing_subject_is_one_line(tmp_path):
    subjects = _cfg('datasets', 'ceval', 'ceval_all_sets.py')['ceval_all_sets']
    cm = _cfg('datasets', 'cmmlu', 'cmmlu_all_sets.py')['cmmlu_all_sets']
    write_ceval(str(tmp_path / 'data'), subjects)
    write_cmmlu(str(tmp_path / 'data'), cm)
    env = {'PYTHONPATH': ROOT, 'COMPASS_DATA_CACHE': str(tmp_path)}
    args = ('--models', 'gpt_4o_mini_20240718', '--datasets', 'ceval_gen', 'cmmlu_gen',
            '--dry-run', '-w', str(tmp_path / 'out'))
    proc = run_cli(*args, env=env, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    os.unlink(os.path.join(str(tmp_path), 'data', 'ceval', 'formal_ceval', 'val', 'law_val.csv'))
    proc = run_cli(*args, env=env, cwd=str(tmp_path))
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if 'law_val.csv' in ln]
    assert len(lines) == 1 and 'ceval-exam.zip' in lines[0], proc.stderr
    # the repository's configs/ (path='./data/...') run where there is no data/ at all
    (tmp_path / 'out').mkdir(exist_ok=True)
    proc = run_cli('--models', 'gpt_4o_mini_20240718', '--datasets', 'ceval_ppl', 'cmmlu_gen',
                   '--config-dir', os.path.join(ROOT, 'configs'), '--dry-run',
                   '-w', str(tmp_path / 'out'), env={'PYTHONPATH': ROOT}, cwd=str(tmp_path / 'out'))
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if 'expected the folder' in ln]
    assert len(lines) == 2, proc.stderr  # one per benchmark, not one per file (238 lines)
    assert "C-Eval: expected the folder './data/ceval/formal_ceval'" in lines[0]
    assert 'and 49 more' in lines[0] and 'haonan-li/CMMLU' in lines[1]


def test_circular_summarizer_rows_per_metric_and_groups_of_one_metric(tmp_path):
    """OpenCompass's contamination summary (``CircularSummarizer``, groups with ``metric=`` and
    ``weights``) on invented results. Seen failing first: 'opencompass.summarizers.
    CircularSummarizer' was not supported, so ``examples/eval_contamination.py`` (C-Eval clean)
    stopped; with the group-with-metric lines removed from DefaultSummarizer the group rows
    were ``-``."""
    from opencompass.config import fill_defaults
    from opencompass.registry import SUMMARIZERS, build
    run = tmp_path / 'run'
    os.makedirs(run / 'results' / 'm')
    for abbr, clean, dirty in (('ceval-law', 60.0, 20.0), ('ceval-logic', 30.0, 80.0)):
        (run / 'results' / 'm' / f'{abbr}.json').write_text(json.dumps(
            {'accuracy': 50.0, 'accuracy - clean': clean, 'accuracy - input contaminated': dirty,
             'num_samples': 4}))
    metrics = ['accuracy - clean', 'accuracy - input contaminated']
    groups = [{'name': 'ceval', 'metric': metric, 'weights': {'ceval-law': 1, 'ceval-logic': 3},
               'subsets': [[abbr, metric] for abbr in ('ceval-law', 'ceval-logic')]}
              for metric in metrics]
    cfg = fill_defaults({'models': [{'abbr': 'm', 'path': 'x'}],
                         'datasets': [{'abbr': 'ceval-law'}, {'abbr': 'ceval-logic'}]}, slurm=False)
    summarizer = build({'type': 'CircularSummarizer', 'metric_types': metrics,
                        'dataset_abbrs': ['ceval', 'ceval-law', 'missing'],
                        'summary_groups': groups}, SUMMARIZERS, config=cfg)
    header, rows = summarizer.collect(str(run))
    assert [(r[0], r[2], r[4]) for r in rows] == [
        ('ceval', 'accuracy - clean', '37.50'), ('ceval', 'accuracy - input contaminated', '65.00'),
        ('ceval-law', 'accuracy - clean', '60.00'), ('ceval-law', 'accuracy - input contaminated', '20.00'),
        ('missing', 'accuracy - clean', '-'), ('missing', 'accuracy - input contaminated', '-')]
    assert summarizer.summarize(str(run), 't')
