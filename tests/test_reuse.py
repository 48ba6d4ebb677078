"""Nothing stale is reused: every fingerprinted setting invalidates exactly what it decides.

The table tests the fingerprints on real config entries and real sidecar files; the
end-to-end tests drive ``run.py -r`` and count the samples inference computed and journaled
(``OC_JOURNAL_LOG``).
"""
from __future__ import annotations

import copy
import json
import os

import pytest
from helpers import NAIVE, ROOT, dataset_entries, model_entry, only_run, read_json, run_cli, write_config

from opencompass.tasks.fingerprints import combine, eval_components, infer_components
from opencompass.tasks.outputs import (
    eval_stale_reason,
    infer_stale_reason,
    output_file,
    prediction_digests,
    prediction_parts,
    write_with_meta,
)

MODEL = {'type': 'opencompass.models.HuggingFaceCausalLM', 'abbr': 'tiny', 'path': '/m',
         'max_out_len': 6, 'max_seq_len': 256, 'batch_size': 4, 'torch_threads': 1,
         'run_cfg': {'num_gpus': 0}, 'generation_kwargs': {}, 'meta_template': None}


def _dataset(path: str) -> dict:
    return {'abbr': 'arith', 'type': 'opencompass.datasets.CustomDataset', 'path': path,
            'reader_cfg': {'input_columns': ['question'], 'output_column': 'answer'},
            'infer_cfg': {'prompt_template': {'type': 'PromptTemplate', 'template': 'Q: {question}'},
                          'retriever': {'type': 'ZeroRetriever'},
                          'inferencer': {'type': 'GenInferencer'}},
            'eval_cfg': {'evaluator': {'type': 'EMEvaluator'}}}


def _set(path: list, value):
    def change(model: dict, dataset: dict) -> None:
        target = model if path[0] == 'model' else dataset
        for key in path[1:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    return change


def _edit_data(model: dict, dataset: dict) -> None:
    with open(dataset['path'], 'a') as f:
        f.write('{"question": "new", "answer": "1"}\n')


# (setting, change, component named in the log) - each must redo the predictions
INFER_CASES = [
    ('model path', _set(['model', 'path'], '/other'), 'model'),
    ('model kwargs', _set(['model', 'model_kwargs'], {'dtype': 'float32'}), 'model'),
    ('meta_template', _set(['model', 'meta_template'], {'round': []}), 'model'),
    ('max_out_len', _set(['model', 'max_out_len'], 7), 'generation'),
    ('max_seq_len', _set(['model', 'max_seq_len'], 128), 'generation'),
    ('generation_kwargs', _set(['model', 'generation_kwargs'], {'do_sample': False}),
     'generation'),
    ('stop_words', _set(['model', 'stop_words'], ['\n']), 'generation'),
    ('loader args', _set(['dataset', 'encoding'], 'latin-1'), 'dataset'),
    ('data file content', _edit_data, 'dataset file changed'),
    ('test_range', _set(['dataset', 'reader_cfg', 'test_range'], '[0:2]'), 'reader_cfg'),
    ('input columns', _set(['dataset', 'reader_cfg', 'input_columns'], ['answer']),
     'reader_cfg'),
    ('prompt template', _set(['dataset', 'infer_cfg', 'prompt_template', 'template'], 'Q:'),
     'prompt_template'),
    ('ice template', _set(['dataset', 'infer_cfg', 'ice_template'],
                          {'type': 'PromptTemplate', 'template': '{question}'}), 'ice_template'),
    ('retriever', _set(['dataset', 'infer_cfg', 'retriever'],
                       {'type': 'FixKRetriever', 'fix_id_list': [0]}), 'retriever'),
    ('inferencer type', _set(['dataset', 'infer_cfg', 'inferencer', 'type'], 'PPLInferencer'),
     'inferencer'),
    ('inferencer stop', _set(['dataset', 'infer_cfg', 'inferencer', 'stopping_criteria'],
                             ['Q:']), 'inferencer'),
    ('inferencer max_out_len', _set(['dataset', 'infer_cfg', 'inferencer', 'max_out_len'], 3),
     'inferencer'),
]
# settings that do not change outputs: reuse
NEUTRAL_CASES = [
    ('batch_size', _set(['model', 'batch_size'], 16)),
    ('torch_threads', _set(['model', 'torch_threads'], 2)),
    ('run_cfg', _set(['model', 'run_cfg'], {'num_gpus': 1})),
    ('inferencer batch_size', _set(['dataset', 'infer_cfg', 'inferencer', 'batch_size'], 2)),
    ('evaluator', _set(['dataset', 'eval_cfg', 'evaluator'], {'type': 'AccEvaluator'})),
]
EVAL_CASES = [
    ('evaluator', _set(['dataset', 'eval_cfg', 'evaluator'], {'type': 'AccEvaluator'}),
     'evaluator'),
    ('pred_postprocessor', _set(['dataset', 'eval_cfg', 'pred_postprocessor'],
                                {'type': 'last_number_postprocess'}), 'pred_postprocessor'),
    ('dataset_postprocessor', _set(['dataset', 'eval_cfg', 'dataset_postprocessor'],
                                   {'type': 'strip_postprocess'}), 'dataset_postprocessor'),
    ('eval_cfg pred_role', _set(['dataset', 'eval_cfg', 'pred_role'], 'BOT'), 'eval_cfg'),
]  # reader_cfg and data files also decide the predictions: those are redone first


@pytest.fixture
def done_pair(tmp_path):
    """A run dir with fresh predictions and results for (MODEL, arith)."""
    data = tmp_path / 'arith.jsonl'
    data.write_text('{"question": "1+1", "answer": "2"}\n')
    model, dataset = copy.deepcopy(MODEL), _dataset(str(data))
    run = str(tmp_path / 'run')
    pred = output_file(run, 'predictions', model, dataset)
    comps = infer_components(model, dataset)
    write_with_meta(pred, {'0': {'prediction': '2'}},
                    {'fingerprint': combine(comps), 'components': comps, 'ids': [0, 1]})
    ev = eval_components(dataset, prediction_digests(prediction_parts(run, model, dataset)))
    write_with_meta(output_file(run, 'results', model, dataset), {'score': 1.0},
                    {'fingerprint': combine(ev), 'components': ev})
    assert infer_stale_reason(run, model, dataset) is None
    assert eval_stale_reason(run, model, dataset) is None
    return run, model, dataset


@pytest.mark.parametrize('name,change,component', INFER_CASES, ids=[c[0] for c in INFER_CASES])
def test_infer_setting_makes_predictions_stale(done_pair, name, change, component):
    run, model, dataset = done_pair
    change(model, dataset)
    why = infer_stale_reason(run, model, dataset)
    expected = component if ' ' in component else f'config changed ({component})'
    assert why == expected


@pytest.mark.parametrize('name,change', NEUTRAL_CASES, ids=[c[0] for c in NEUTRAL_CASES])
def test_neutral_setting_reuses_predictions(done_pair, name, change):
    run, model, dataset = done_pair
    change(model, dataset)
    assert infer_stale_reason(run, model, dataset) is None


@pytest.mark.parametrize('name,change,component', EVAL_CASES, ids=[c[0] for c in EVAL_CASES])
def test_eval_setting_makes_results_stale(done_pair, name, change, component):
    run, model, dataset = done_pair
    change(model, dataset)
    why = eval_stale_reason(run, model, dataset)
    assert why == (component if ' ' in component else f'config changed ({component})')


def test_edited_predictions_are_rescored(done_pair):
    run, model, dataset = done_pair
    pred = output_file(run, 'predictions', model, dataset)
    with open(pred, 'w') as f:
        json.dump({'0': {'prediction': '3'}}, f)
    assert eval_stale_reason(run, model, dataset) == 'predictions changed'




def _calls(path: str) -> list[str]:
    if not os.path.exists(path):
        return []
    with open(path) as f:
        calls = f.read().split()[::2]
    os.remove(path)
    return calls


def test_reuse_end_to_end(tmp_path, tiny_model, data_dir):
    """-r reuses what is fresh, redoes what a change made stale and says why."""
    cfg = str(tmp_path / 'cfg.py')
    work, count = str(tmp_path / 'out'), str(tmp_path / 'calls')
    env = {'OC_JOURNAL_LOG': count}

    def run(datasets: str, *args: str):
        write_config(cfg, [model_entry(tiny_model)], datasets, infer=NAIVE)
        proc = run_cli(cfg, '-w', work, *args, cwd=ROOT, env=env)
        assert proc.returncode == 0, proc.stderr
        return proc.stderr, _calls(count)

    base = dataset_entries(data_dir)
    _, calls = run(base)
    assert sorted(calls) == ['arith'] * 12 + ['mc'] * 10
    run_dir = only_run(work)
    arith = os.path.join(run_dir, 'predictions/tiny/arith.json')
    mc = os.path.join(run_dir, 'predictions/tiny/mc.json')
    result = os.path.join(run_dir, 'results/tiny/arith.json')
    before = {p: os.stat(p).st_mtime_ns for p in (arith, mc)}

    log, calls = run(base, '-r')  # unchanged: nothing redone
    assert calls == [] and 'infer: nothing to do' in log and 'eval: nothing to do' in log

    # only the evaluator changes: re-scored, not re-inferred
    rescored = base.replace('evaluator=dict(type=EMEvaluator)', 'evaluator=dict(type=AccEvaluator)')
    assert rescored != base
    log, calls = run(rescored, '-r')
    assert calls == [] and 'infer: nothing to do' in log
    assert 'redoing results/tiny/arith.json: config changed (evaluator)' in log
    assert 'accuracy' in read_json(result)
    assert {p: os.stat(p).st_mtime_ns for p in (arith, mc)} == before

    # the prompt of one dataset changes: only its predictions are redone, and the log says why
    reprompt = rescored.replace("template='Q: {question}", "template='Question: {question}")
    assert reprompt != rescored
    log, calls = run(reprompt, '-r')
    assert calls == ['arith'] * 12
    assert 'redoing predictions/tiny/arith.json: config changed (prompt_template)' in log
    assert 'redoing results/tiny/arith.json: predictions changed' in log
    assert os.stat(mc).st_mtime_ns == before[mc]
    assert read_json(arith)['0']['origin_prompt'].startswith('Question: ')

    # the data file changes on disk: that dataset is redone
    with open(os.path.join(data_dir, 'mc.jsonl'), 'a') as f:
        f.write('{"question": "Which?", "A": "a", "B": "b", "C": "c", "D": "d", "answer": "A"}\n')
    log, calls = run(reprompt, '-r')
    assert calls == ['mc'] * 11
    assert 'redoing predictions/tiny/mc.json: dataset file changed' in log

    # --force redoes everything asked for
    log, calls = run(reprompt, '-r', '--force')
    assert sorted(calls) == ['arith'] * 12 + ['mc'] * 11
