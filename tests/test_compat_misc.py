"""OpenCompass components of issue 11: self-consistency votes, contamination splits, model
postprocessors (against a real HTTP server on 127.0.0.1) and ``--dump-eval-details``.

Each check was seen failing once: the vote with ``most_common`` replaced by the last answer,
blank answers allowed to vote, the contamination groups keyed by a wrong label, the
annotation file made a required file (then planning, ``--dry-run`` included, refuses the
config without it), the journal not consulted (the second extraction run then asks the
server again), the help text of ``--dump-eval-details`` as it was before ("accepted for
OpenCompass; details are always written"), ``AccContaminationEvaluator`` refusing a call
without ``test_set`` (tests/test_scoring.py).
"""
from __future__ import annotations

import csv
import json
import os

import pytest
from api_servers import FakeOpenAI
from helpers import run_cli

from opencompass.errors import DatasetError, TaskError
from opencompass.openicl.icl_evaluator.icl_contamination_evaluator import AccContaminationEvaluator
from opencompass.tasks.eval_extras import model_postprocess, postprocess_each
from opencompass.tasks.self_consistency import vote
from opencompass.utils.model_postprocessors import (
    navie_model_postprocess,
    parse_options,
    question_of,
    xfinder_postprocess,
)

# -- self-consistency ------------------------------------------------------------------------


def test_vote_majority_ties_and_blanks():
    assert vote(['3', '4', '4', '3', '4']) == ('4', {'4': 3, '3': 2})
    assert vote(['5', '6', '6', '5'])[0] == '5'  # a tie: the answer given first
    assert vote(['', '  ', '7', None, ''])[0] == '7'  # blanks do not vote
    assert vote(['', None]) == ('', {})


def test_postprocess_each_votes_lists_and_keeps_plain_predictions():
    def last_number(values):
        return [next((w for w in reversed(str(v).split()) if w.isdigit()), '') for v in values]

    raw = ['so 12', ['it is 3', 'maybe 4', 'so 3', 'no idea'], 'none']
    preds, votes = postprocess_each(raw, last_number)
    assert preds == ['12', '3', '']
    assert votes == [None, {'3': 2, '4': 1}, None]


# -- contamination -----------------------------------------------------------------------------


def test_contamination_evaluator_splits_accuracy_by_label():
    labels = ['clean', 'clean', 'input contamination', 'input-and-label contamination',
              'not labeled', 'input-and-label contamination']
    preds = ['A', 'B', 'C', 'D', 'A', 'A']
    refs = ['A', 'A', 'C', 'D', 'A', 'B']
    out = AccContaminationEvaluator().score(preds, refs, test_set=[{'is_clean': x} for x in labels])
    assert out['accuracy'] == pytest.approx(100 * 4 / 6)
    assert out['accuracy - clean'] == 50.0
    assert out['accuracy - input contaminated'] == 100.0
    assert out['accuracy - input-and-label contaminated'] == 50.0
    assert (out['num - clean'], out['num - input contaminated'],
            out['num - input-and-label contaminated']) == (2, 1, 2)
    assert [d['is_clean'] for d in out['details']] == labels
    # no sample with a label: no accuracy for it (nothing was scored)
    only_clean = AccContaminationEvaluator().score(['A'], ['A'], test_set=[{'is_clean': 'clean'}])
    assert 'accuracy - input contaminated' not in only_clean
    assert 'error' in AccContaminationEvaluator().score(['A'], ['A'], test_set=[{'x': 1}])
    assert AccContaminationEvaluator().score(['A'], ['A'])['accuracy'] == 100.0  # no rows: no split


def _write_oc_data(root: str) -> None:
    """Invented rows in OpenCompass's data layout under ``root/data``."""
    mmlu = os.path.join(root, 'data', 'mmlu')
    for split in ('dev', 'test'):
        os.makedirs(os.path.join(mmlu, split))
        with open(os.path.join(mmlu, split, f'algebra_{split}.csv'), 'w', newline='') as f:
            csv.writer(f).writerows([[f'Q{i}?', 'w', 'x', 'y', 'z', 'ABCD'[i % 4]] for i in range(4)])
    arc = os.path.join(root, 'data', 'ARC', 'ARC-c')
    os.makedirs(arc)
    with open(os.path.join(arc, 'ARC-Challenge-Test.jsonl'), 'w') as f:
        for i in range(4):
            n = 3 if i == 1 else 4  # the second question has 3 choices: skipped
            f.write(json.dumps({'id': f'q{i}', 'answerKey': 'A', 'question': {
                'stem': f'S{i}', 'choices': [{'text': t, 'label': 'ABCD'[k]}
                                             for k, t in enumerate('wxyz'[:n])]}}) + '\n')
    swag = os.path.join(root, 'data', 'hellaswag')
    os.makedirs(swag)
    with open(os.path.join(swag, 'hellaswag.jsonl'), 'w') as f:
        for i in range(3):
            f.write(json.dumps({'query': f'Act: ctx {i}', 'choices': ['a', 'b', 'c', 'd'],
                                'gold': i}) + '\n')


def _write_annotations(root: str) -> None:
    files = {
        'data/mmlu/test/MMLU_test_contamination_annotations.json':
            {'algebra 0': ['clean', 0.1], 'algebra 2': ['input contamination', 0.5]},
        'data/ARC/ARC-c/ARC_c_test_contamination_annotations.json':
            {'q2': ['input-and-label contamination', 0.9], 'q0': ['clean']},
        'data/hellaswag/hellaswag_val_contamination_annotations.json': {'1': ['clean']},
    }
    for rel, content in files.items():
        with open(os.path.join(root, rel), 'w') as f:
            json.dump(content, f)


def test_clean_datasets_read_labels_from_the_data_root(tmp_path, monkeypatch):
    from opencompass.datasets.contamination import (
        ARCDatasetClean,
        HellaswagDatasetClean,
        MMLUDatasetClean,
    )
    root = str(tmp_path)
    _write_oc_data(root)
    monkeypatch.setenv('COMPASS_DATA_CACHE', root)
    # without the annotation file: planning works, loading names the file and its source
    assert MMLUDatasetClean.estimate_size(reader_cfg=dict(train_split='dev'), path='opencompass/mmlu',
                                         name='algebra') == 4
    assert ARCDatasetClean.estimate_size(path='opencompass/ai2_arc-test') == 3
    with pytest.raises(DatasetError) as err:
        HellaswagDatasetClean(path='opencompass/hellaswag')
    expected = os.path.join(root, 'data', 'hellaswag', 'hellaswag_val_contamination_annotations.json')
    assert expected in str(err.value) and 'hellaswag_annotations_with_line_index.json' in str(err.value)
    assert len(HellaswagDatasetClean.required_files(path='opencompass/hellaswag')) == 1

    _write_annotations(root)
    mmlu = MMLUDatasetClean(path='opencompass/mmlu', name='algebra',
                            reader_cfg=dict(input_columns=['input'], output_column='target',
                                            train_split='dev'))
    assert [r['is_clean'] for r in mmlu.test] == ['clean', 'not labeled', 'input contamination',
                                                 'not labeled']
    arc = ARCDatasetClean(path='opencompass/ai2_arc-test', name='ARC-Challenge')
    assert [r['is_clean'] for r in arc.test] == ['clean', 'input-and-label contamination',
                                                'not labeled']
    swag = HellaswagDatasetClean(path='opencompass/hellaswag')
    assert [(r['label'], r['is_clean']) for r in swag.test] == [
        (0, 'not labeled'), (1, 'clean'), (2, 'not labeled')]
    assert len(HellaswagDatasetClean.required_files(path='opencompass/hellaswag')) == 2


# -- model postprocessors --------------------------------------------------------------------


def test_question_and_options_from_origin_prompts():
    chat = [{'role': 'SYSTEM', 'prompt': 'be brief'}, {'role': 'HUMAN', 'prompt': 'Q?\nA. one'},
            {'role': 'BOT', 'prompt': ''}]
    assert question_of(chat) == 'Q?\nA. one'
    assert question_of([{'role': 'user', 'content': 'hi'}]) == 'hi'
    assert question_of('plain') == 'plain'
    assert parse_options('Pick:\nA. one\n(B) two\nC) three\nD: four\nE is not') == [
        ['A', 'one'], ['B', 'two'], ['C', 'three'], ['D', 'four']]


def _records(n: int) -> list[dict]:
    return [{'origin_prompt': [{'role': 'HUMAN', 'prompt': f'What is {i} + {i}?'}],
             'prediction': f'I think it is {2 * i}, or not', 'gold': str(2 * i),
             'reference': str(2 * i)} for i in range(1, n + 1)]


def test_naive_and_xfinder_ask_a_real_endpoint_and_resume(tmp_path):
    """FakeOpenAI answers the sum asked in the question it is sent: what came back is what
    the functions return; a failed request is ''; a second run with the journal asks nothing."""
    journal = str(tmp_path / 'journal.jsonl')
    with FakeOpenAI(fail_if=['What is 2 + 2?']) as server:
        out = navie_model_postprocess(_records(3), model_name='', api_url=server.base_url,
                                      custom_instruction='EXTRA RULES', journal=journal, retry=1)
        assert out == ['2', '', '6']  # the second sample's request always fails: scored wrong
        asked = server.requests
        again = navie_model_postprocess(_records(3), model_name='', api_url=server.base_url,
                                        custom_instruction='EXTRA RULES', journal=journal, retry=0)
        assert again == ['2', '', '6']
        assert server.requests == asked + 1  # only the failed one was asked again
    with FakeOpenAI() as server:
        x = xfinder_postprocess(_records(2), question_type='math', xfinder_model_name='xf',
                                xfiner_api_url=f'{server.base_url},{server.base_url}')
        assert x == ['2', '4']
    with pytest.raises(TaskError, match='question_type'):
        xfinder_postprocess(_records(1), question_type='essay', api_url='http://127.0.0.1:9/v1')


def test_model_postprocess_request_shape(tmp_path):
    """The request carries the instruction, the question, the output and the answer range."""
    seen: list[dict] = []

    class Recording(FakeOpenAI):
        def answer(self, h, body):
            seen.append(body)
            return super().answer(h, body)

    rec = [{'origin_prompt': 'Pick one:\nA. cat\nB. dog', 'prediction': 'B, the dog', 'gold': 'B',
            'reference': 'B'}]
    with Recording() as server:
        xfinder_postprocess(rec, question_type='alphabet_option', model_name='xf',
                            api_url=server.base_url)
        navie_model_postprocess(rec, model_name='judge', api_url=server.base_url,
                                custom_instruction='ONLY LETTERS')
    xf, naive = seen
    assert xf['model'] == 'xf' and xf['temperature'] == 0 and '<|im_end|>' in xf['stop']
    assert [m['role'] for m in xf['messages']] == ['system', 'user']
    user = xf['messages'][1]['content']
    assert 'Pick one:\nA. cat' in user and 'B, the dog' in user
    assert "Answer range: [['A', 'cat'], ['B', 'dog']]" in user
    assert user.rstrip().endswith('Key extracted answer:')
    assert naive['model'] == 'judge' and 'ONLY LETTERS' in naive['messages'][1]['content']


def test_model_postprocess_votes_sc_lists_and_reports_unreachable(tmp_path):
    records = [{'origin_prompt': 'What is 1 + 1?', 'prediction': ['x', 'y', 'z'], 'gold': '2'},
               {'origin_prompt': 'What is 2 + 3?', 'prediction': 'so 5', 'gold': '5'},
               {'origin_prompt': 'What is 2 + 2?', 'prediction': '', 'gold': '4', 'failed': True}]
    from opencompass.utils import model_postprocessors as mp
    with FakeOpenAI() as server:
        cfg = {'type': mp.navie_model_postprocess, 'model_name': 'm', 'api_url': server.base_url,
               'custom_instruction': ''}
        out = model_postprocess(cfg, records, ['2', '5', '4'], str(tmp_path / 'j.jsonl'), 'here')
    assert out == ['2', '5', '']  # three generations voted; a failed sample stays wrong
    cfg = {'type': mp.navie_model_postprocess, 'model_name': 'm', 'retry': 0,
           'api_url': 'http://127.0.0.1:9/v1', 'custom_instruction': ''}
    with pytest.raises(TaskError, match='cannot reach'):
        model_postprocess(cfg, records[1:2], ['5'], None, 'here')


# -- --dump-eval-details ----------------------------------------------------------------------


def test_dump_eval_details_help_says_details_are_always_written():
    proc = run_cli('--help')
    text = ' '.join(proc.stdout.split())
    assert '--dump-eval-details' in text
    assert 'details are always written' in text and 'changes nothing' in text
