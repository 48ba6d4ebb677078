"""Evaluators, postprocessors and summary-group averages on hand-worked cases."""
from __future__ import annotations

import math

import pytest

from opencompass.datasets import (
    BBHEvaluator,
    BBHEvaluator_mcq,
    Gsm8kEvaluator,
    bbh_freeform_postprocess,
    bbh_mcq_postprocess,
)
from opencompass.errors import ConfigError
from opencompass.openicl.icl_evaluator import (
    AccEvaluator,
    BleuEvaluator,
    EMEvaluator,
    RougeEvaluator,
)
from opencompass.summarizers.groups import check_group, group_average, group_mode
from opencompass.utils.text_postprocessors import (
    first_number_postprocess,
    first_option_postprocess,
    gsm8k_dataset_postprocess,
    gsm8k_postprocess,
    last_number_postprocess,
)


@pytest.mark.parametrize('text, expected', [
    ('The answer is (B).', 'B'),
    ('B', 'B'),
    ('B.', 'B'),
    ('(C) because it is bigger', 'C'),
    ('answer: d', 'D'),
    ('Answer: **(A)**', 'A'),
    ('The correct option is B, not A.', 'B'),
    ('Option D is right.', 'D'),
    ('A good choice here is C.', 'C'),           # the article "A" is not an answer
    ('I think the answer is C', 'C'),            # nor the pronoun "I" (not an option anyway)
    ('To answer a question like this: D', 'D'),  # "answer a" is not "answer: A"
    ('the answer is a dog, so B', 'B'),
    ('（Ｃ）', 'C'),                             # full-width brackets and letter (NFKC)
    ('答案是B', 'B'),
    ('C: Paris\nB: London', 'C'),
    ('None of these', ''),
    ('', ''),
    ('E', ''),                                    # not among the options
])
def test_first_option(text, expected):
    assert first_option_postprocess(text, options='ABCD') == expected


def test_first_option_with_five_options():
    assert first_option_postprocess('So the answer is (E).', options='ABCDE') == 'E'


@pytest.mark.parametrize('text, last, first', [
    ('The total is 1,234.', '1234', '1234'),
    ('It fell to -7 degrees.', '-7', '-7'),
    ('It fell to −7 degrees.', '-7', '-7'),         # unicode minus sign
    ('From 2020-2021 it grew', '2021', '2020'),      # a range, not a negative number
    ('costs $1,000,000.00!', '1000000', '1000000'),
    ('half is .5 or 0.50', '0.5', '0.5'),
    ('the list 1,2,3', '3', '1'),                    # commas that are not thousands separators
    ('about 12.5% more', '12.5', '12.5'),
    ('full-width １２３', '123', '123'),
    ('no numbers here', '', ''),
])
def test_number_extraction(text, last, first):
    assert last_number_postprocess(text) == last
    assert first_number_postprocess(text) == first


@pytest.mark.parametrize('text, expected', [
    ('3 * 4 = 12 pens.\n#### 12', '12'),
    ('Change is 750 coins. The answer is 750.', '750'),
    ('The answer is 18.\n\nQuestion: Tom has 25 apples', '18'),  # the model ran on
    ('It is 5 - 12 = -7 degrees', '-7'),
    ('#### 7,000', '7000'),
])
def test_gsm8k_postprocess(text, expected):
    assert gsm8k_postprocess(text) == expected


def test_gsm8k_reference_and_numeric_comparison():
    assert gsm8k_dataset_postprocess('x\n#### 7,000') == '7000'
    assert gsm8k_dataset_postprocess('x\n#### -3') == '-3'
    result = Gsm8kEvaluator().score(['18', '18.00', '7000', '', '5'], ['18', '18', '7,000', '3', '6'])
    assert result['accuracy'] == 60.0
    assert [d['correct'] for d in result['details']] == [True, True, True, False, False]
    assert result['details'][3] == {'pred': '', 'answer': '3', 'correct': False}


def test_accuracy_and_exact_match_normalisation():
    acc = AccEvaluator().score(['A', ' B ', 'C'], ['A', 'B', 'D'])
    assert math.isclose(acc['accuracy'], 200 / 3)
    assert [d['correct'] for d in acc['details']] == [True, True, False]
    em = EMEvaluator()  # ignores case and punctuation by default
    result = em.score(['Paris.', 'the Louvre', 'Café', 'x'], ['paris', 'Louvre', 'CAFÉ', ['y', 'x']])
    assert [d['correct'] for d in result['details']] == [True, False, True, True]
    assert EMEvaluator(ignore_articles=True).score(['the Louvre'], ['Louvre'])['score'] == 100.0
    assert EMEvaluator(ignore_case=False).score(['paris'], ['Paris'])['score'] == 0.0
    assert EMEvaluator(ignore_punctuation=False).score(['Paris.'], ['Paris'])['score'] == 0.0


def test_bbh_extraction_and_scores():
    assert bbh_mcq_postprocess("Let's think. So the answer is (C).") == 'C'
    assert bbh_mcq_postprocess('(A)') == 'A'
    assert bbh_freeform_postprocess('Both hold. So the answer is True.\n\nQ: next') == 'True'
    assert bbh_freeform_postprocess('So the answer is **No**.') == 'No'
    mcq = BBHEvaluator_mcq().score(['So the answer is (B).', 'the answer is (A)'], ['(B)', '(C)'])
    assert mcq['score'] == 50.0
    assert mcq['details'][0] == {'pred': 'B', 'answer': '(B)', 'correct': True}
    # yes/no/true/false are compared capitalised, as OpenCompass does ('yes' is 'Yes')
    free = BBHEvaluator().score(['So the answer is False.', 'So the answer is yes.',
                                 'So the answer is no, it is not.'], ['False', 'Yes', 'Yes'])
    assert free['score'] == 200 / 3 and [d['pred'] for d in free['details']] == ['False', 'Yes', 'No']


def test_bleu_hand_worked():
    # all n-gram precisions are 1; c = 8 words, r = 9 words: BP = exp(1 - 9/8)
    result = BleuEvaluator().score(['a b c d', 'w x y z'], ['a b c d e', 'w x y z'])
    assert math.isclose(result['bleu'], 100 * math.exp(1 - 9 / 8), rel_tol=1e-9)
    first, second = result['details']
    assert math.isclose(first['bleu'], 100 * math.exp(1 - 5 / 4), rel_tol=1e-9)
    assert math.isclose(second['bleu'], 100.0) and second['correct'] and not first['correct']
    assert first['pred'] == 'a b c d' and first['answer'] == 'a b c d e'
    # several references: the closest length counts for the brevity penalty
    multi = BleuEvaluator().score(['a b c d'], [['a b c d e', 'a b c d']])
    assert math.isclose(multi['bleu'], 100.0)


def test_rouge_hand_worked():
    result = RougeEvaluator().score(['the cat sat', 'dog'], ['the cat sat down', 'cat'])
    # sample 1: rouge1 P=3/3 R=3/4 F=6/7; rouge2 P=2/2 R=2/3 F=4/5; rougeL as rouge1
    assert math.isclose(result['rouge1'], 100 * (6 / 7) / 2)
    assert math.isclose(result['rouge2'], 100 * 0.8 / 2)
    assert math.isclose(result['rougeL'], 100 * (6 / 7) / 2)
    assert math.isclose(result['details'][0]['rouge2'], 80.0)
    assert result['details'][1]['correct'] is False
    # the default tokenizer keeps only ASCII letters and digits; 'whitespace' keeps any script
    assert RougeEvaluator().score(['猫 坐'], ['猫 坐'])['rouge1'] == 0.0
    assert RougeEvaluator(tokenizer='whitespace').score(['猫 坐'], ['猫 坐'])['rouge1'] == 100.0
    with pytest.raises(ConfigError):
        RougeEvaluator(tokenizer='spaces')


def test_mismatched_lengths_are_an_error():
    assert 'error' in BleuEvaluator().score(['a'], [])
    assert 'error' in RougeEvaluator().score([], ['a'])


def test_summary_group_averages():
    plain = {'name': 'g', 'subsets': ['a', 'b']}
    assert group_mode(plain) == 'naive_average'
    assert group_average(plain, [50.0, 100.0], [10, 30]) == 75.0
    by_count = dict(plain, weights='num_samples')
    assert group_mode(by_count) == 'weighted_average'
    # 5 of 10 and 30 of 30 correct: 35 of 40 questions
    assert group_average(by_count, [50.0, 100.0], [10, 30]) == 87.5
    by_weight = dict(plain, weights={'a': 3, 'b': 1})
    assert group_average(by_weight, [50.0, 100.0], [None, None]) == 62.5
    assert group_average(dict(plain, weights={'a': 1}), [50.0, None], [1, None]) == 50.0
    assert group_average(plain, [50.0, None], [1, 1]) is None
    assert group_average(by_count, [50.0, 100.0], [10, None]) is None
    with pytest.raises(ConfigError, match='weights'):
        check_group(dict(plain, weights='by_size'))
    with pytest.raises(ConfigError, match='>= 0'):
        check_group(dict(plain, weights={'a': -1}))
    with pytest.raises(ConfigError, match='subsets'):
        check_group({'name': 'x'})
