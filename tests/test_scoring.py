"""Wrong is wrong: an empty or missing prediction, an empty reference and a failed sample are
never correct, in every evaluator; bad reference data is an error naming file and line.

Shown failing before the fix (``git stash`` of opencompass/): AccEvaluator credited '' vs ''
and 'None' vs a missing reference, EMEvaluator '' vs 'The' (ignore_articles) and '...' vs
'?', BBH/BBH-mcq '' vs '', BLEU/ROUGE details ''/'', a failed sample whose postprocessed
text matched, a CSV row missing its answer, and first_option_postprocess('A is correct').
"""
from __future__ import annotations

import json
import os

import pytest

from opencompass.errors import DatasetError, TaskError
from opencompass.openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator
from opencompass.registry import ICL_EVALUATORS
from opencompass.utils.text_postprocessors import first_option_postprocess

EMPTY_PREDS = ['', '   ', None, 'None', '27']
EMPTY_REFS = ['', '', '', None, '   ']


SKIP = ('BaseEvaluator', 'HumanEvalEvaluator')  # HumanEval needs problems: its own test below


def _evaluators() -> dict[str, type]:
    """Every evaluator the package offers: the registry's and those exported by datasets."""
    import opencompass.datasets as datasets
    found = {name: ICL_EVALUATORS.get(name) for name in ICL_EVALUATORS.known_names()}
    for name in getattr(datasets, '__all__', ()):
        if 'Evaluator' in name:
            found[name] = getattr(datasets, name)
    return {n: c for n, c in sorted(found.items()) if isinstance(c, type)
            and issubclass(c, BaseEvaluator) and n not in SKIP}


def _build(name: str) -> BaseEvaluator:
    cls = _evaluators()[name]
    try:
        return cls()
    except TypeError as e:
        pytest.skip(f'{name} needs arguments: {e}')


@pytest.mark.parametrize('name', _evaluators())
def test_no_evaluator_credits_empty_predictions_or_references(name):
    """Every registered evaluator: blank predictions and blank references score nothing."""
    ev = _build(name)
    for preds, refs in ((['', ''], ['', '']), (EMPTY_PREDS, EMPTY_REFS),
                        (['', '', None], ['A', '42', 'The']), (['A', '42'], ['', None])):
        result = ev.score(list(preds), list(refs))
        assert 'error' not in result, result
        for d in result.get('details') or []:
            assert d.get('correct') is not True, (name, d)
        for metric in ('accuracy', 'score'):
            if metric in result:
                assert result[metric] == 0, (name, metric, preds, refs, result)


@pytest.mark.parametrize('kwargs, pred, ref, correct', [
    (dict(ignore_articles=True), '', 'The', False),
    (dict(ignore_articles=True), 'the', 'The', True),
    (dict(ignore_articles=True), 'a', 'The', False),
    ({}, '...', '?', False),
    ({}, '?', '?', True),
    ({}, 'Paris.', 'paris', True),
    ({}, '', ['', 'x'], False),
])
def test_em_evaluator_text_that_normalises_to_nothing(kwargs, pred, ref, correct):
    ev = ICL_EVALUATORS.get('EMEvaluator')(**kwargs)
    assert ev.score([pred], [ref])['details'][0]['correct'] is correct


def test_acc_evaluator_none_text_against_missing_reference():
    ev = ICL_EVALUATORS.get('AccEvaluator')()
    result = ev.score(['None', '', 'B'], [None, '', 'B'])
    assert [d['correct'] for d in result['details']] == [False, False, True]


def test_humaneval_empty_completion_is_not_run_and_fails():
    problem = {'task_id': 'T/0', 'prompt': 'def f():\n    """Nothing."""\n',
               'test': 'def check(candidate):\n    assert candidate() is None\n',
               'entry_point': 'f'}
    ev = ICL_EVALUATORS.get('HumanEvalEvaluator')(k=[1])
    result = ev.score(['', '   '], ['T/0', 'T/0'], test_set=[problem, problem])
    assert [d['correct'] for d in result['details']] == [False, False]
    assert result['humaneval_pass@1'] == 0


@pytest.mark.parametrize('text, expected', [
    ('A is correct', 'A'), ('A because it is the largest', 'A'), ('Answer: A is right', 'A'),
    ('A, because', 'A'), ('A cat is on the mat', ''), ('A cat is here. The answer is B', 'B'),
    ('A correct answer is D', 'D'), ('I think C', 'C'),
])
def test_first_option_leading_letter_as_the_answer(text, expected):
    assert first_option_postprocess(text, options='ABCD') == expected


class CreditsEverything(BaseEvaluator):
    """A careless evaluator (as third-party code may be): every sample is correct."""

    def score(self, predictions: list, references: list) -> dict:
        return {'accuracy': 100.0,
                'details': [{'pred': p, 'answer': r, 'correct': True}
                            for p, r in zip(predictions, references)]}


def _dataset(tmp_path, rows: list[dict], evaluator: str, post: str | None = None) -> dict:
    path = tmp_path / 'qa.jsonl'
    path.write_text(''.join(json.dumps(r) + '\n' for r in rows))
    eval_cfg: dict = {'evaluator': {'type': evaluator}}
    if post:
        eval_cfg['pred_postprocessor'] = {'type': post}
    return {'abbr': 'qa', 'type': 'CustomDataset', 'path': str(path),
            'reader_cfg': {'input_columns': ['q'], 'output_column': 'a'},
            'infer_cfg': {}, 'eval_cfg': eval_cfg}


def _score(tmp_path, cfg: dict, predictions: dict) -> dict:
    from opencompass.datasets.build import build_dataset
    from opencompass.tasks.openicl_eval import OpenICLEvalTask
    task = OpenICLEvalTask({'models': [{'abbr': 'm', 'path': 'm'}], 'datasets': [[cfg]],
                            'work_dir': str(tmp_path)})
    dataset = build_dataset(cfg)
    return task.score(cfg, dataset, list(range(len(dataset.test))), predictions, 'datasets[qa]')


def test_failed_sample_is_wrong_whatever_its_text_and_counted(tmp_path):
    rows = [{'q': 'x', 'a': 'B'}, {'q': 'y', 'a': 'C'}]
    cfg = _dataset(tmp_path, rows, 'AccEvaluator', post='first_option_postprocess')
    preds = {'0': {'prediction': 'B'},
             '1': {'prediction': 'The answer is C', 'failed': True, 'error': 'HTTP 500'}}
    result = _score(tmp_path, cfg, preds)
    assert result['accuracy'] == 50 and result['num_failed'] == 1
    assert result['details'][1]['correct'] is False and result['details'][1]['failed'] is True


def test_an_evaluator_crediting_a_failed_or_empty_sample_is_refused(tmp_path):
    cfg = _dataset(tmp_path, [{'q': 'x', 'a': 'B'}], f'{__name__}.CreditsEverything')
    with pytest.raises(TaskError, match='scored a failed sample'):
        _score(tmp_path, cfg, {'0': {'prediction': 'B', 'failed': True}})
    with pytest.raises(TaskError, match='scored an empty prediction'):
        _score(tmp_path, cfg, {'0': {'prediction': ''}})


@pytest.mark.parametrize('ext, text, line', [
    ('csv', 'q,a\nx,B\ny\n', 3),          # a short row: no answer cell
    ('csv', 'q,a\nx,B\ny,  \n', 3),       # a blank answer
    ('jsonl', '{"q": "x", "a": "B"}\n{"q": "y"}\n', 2),
    ('jsonl', '{"q": "x", "a": "B"}\n{"q": "y", "a": null}\n', 2),
])
def test_reference_rows_without_an_answer_are_errors_naming_file_and_line(tmp_path, ext, text,
                                                                          line):
    from opencompass.datasets.build import build_dataset
    path = tmp_path / f'qa.{ext}'
    path.write_text(text)
    cfg = {'abbr': 'qa', 'type': 'CustomDataset', 'path': str(path),
           'reader_cfg': {'input_columns': ['q'], 'output_column': 'a'}}
    dataset = build_dataset(cfg)
    with pytest.raises(DatasetError, match=f'{os.path.basename(path)}:{line}'):
        dataset.check_test_columns(list(range(len(dataset.test))), 'datasets[qa]',
                                   need_output=True)
