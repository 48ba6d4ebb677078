"""Tiny benchmark files in each benchmark's exact published format, with invented rows.

Nothing here is benchmark text: questions are made up for the tests. The layout is the
one the configs expect under a data root: data/mmlu, data/gsm8k, data/ARC, data/hellaswag,
data/BBH.
"""
from __future__ import annotations

import csv
import json
import os

MMLU_SUBJECTS = ('abstract_algebra', 'astronomy')

# question, A, B, C, D, answer: a comma, quotes and a line break inside quoted fields
_MMLU_ROWS = [
    ['Which of these numbers is even?', '3', '8', '5', '7', 'B'],
    ['What colour do you get by mixing blue and yellow?', 'green', 'red', 'black', 'white', 'A'],
    ['How many legs does a "typical" spider have?', 'six', 'four', 'ten', 'eight', 'D'],
    ['Pick the largest value, ignoring units:', '1,000', '10', '100', '1', 'A'],
    ['Which word is a verb?\n(Choose one.)', 'table', 'blue', 'run', 'soft', 'C'],
    ['What is 2 + 2?', '4', '5', '3', '22', 'A'],
    ['Which planet do we live on?', 'Mars', 'Earth', 'Venus', 'Saturn', 'B'],
]


def write_mmlu(root: str, subjects: tuple[str, ...] = MMLU_SUBJECTS, n_test: int = 4) -> str:
    """data/mmlu/{dev,val,test}/<subject>_<split>.csv, headerless, 5 dev rows each."""
    base = os.path.join(root, 'mmlu')
    for k, subject in enumerate(subjects):
        splits = {'dev': _MMLU_ROWS[:5], 'val': _MMLU_ROWS[5:],
                  'test': (_MMLU_ROWS[k:] + _MMLU_ROWS)[:n_test + k]}  # 4, 5, ... rows
        for split, rows in splits.items():
            os.makedirs(os.path.join(base, split), exist_ok=True)
            with open(os.path.join(base, split, f'{subject}_{split}.csv'), 'w', newline='',
                      encoding='utf-8') as f:
                csv.writer(f).writerows(rows)
    return base


_GSM8K = [
    ('Ann has 3 boxes with 4 pens each. How many pens does she have?',
     'She has 3 * 4 = <<3*4=12>>12 pens.\n#### 12'),
    ('A toy costs 1,250 coins and Bo pays with 2,000 coins. How much change does he get?',
     'Change is 2000 - 1250 = <<2000-1250=750>>750 coins.\n#### 750'),
    ('The temperature was 5 degrees and fell by 12 degrees. What is it now?',
     'It is 5 - 12 = <<5-12=-7>>-7 degrees.\n#### -7'),
    ('A rope of 9 metres is cut in half. How long is each piece?',
     'Each piece is 9 / 2 = <<9/2=4.5>>4.5 metres.\n#### 4.5'),
    ('Cy reads 10 pages a day for 3 days. How many pages?',
     'He reads 10 * 3 = <<10*3=30>>30 pages.\n#### 30'),
    ('A farm sells 1,000 eggs a day for 7 days. How many eggs?',
     'It sells 1000 * 7 = <<1000*7=7000>>7000 eggs.\n#### 7,000'),
]


def write_gsm8k(root: str, n_test: int = 6) -> str:
    """data/gsm8k/{train,test}.jsonl with ``question`` / ``answer`` ending in ``#### N``."""
    base = os.path.join(root, 'gsm8k')
    os.makedirs(base, exist_ok=True)
    for split, rows in (('train', _GSM8K[:4]), ('test', (_GSM8K * 3)[:n_test])):
        with open(os.path.join(base, f'{split}.jsonl'), 'w', encoding='utf-8') as f:
            for q, a in rows:
                f.write(json.dumps({'question': q, 'answer': a}) + '\n')
    return base


def _arc_row(i: int, stem: str, texts: list[str], key: str, numeric: bool = False) -> dict:
    labels = [str(n + 1) for n in range(len(texts))] if numeric else list('ABCDE'[:len(texts)])
    return {'id': f'Invented_{i}', 'question': {
        'stem': stem, 'choices': [{'text': t, 'label': lab} for t, lab in zip(texts, labels)]},
        'answerKey': key}


ARC_ROWS = [
    _arc_row(1, 'Which object is a source of light?', ['a rock', 'a lamp', 'a cup', 'a sock'], 'B'),
    _arc_row(2, 'What do plants need to make food?', ['sunlight', 'sand', 'noise', 'plastic'], 'A'),
    _arc_row(3, 'Which is a liquid at room temperature?', ['iron', 'ice', 'water', 'wood'], '3',
             numeric=True),
    _arc_row(4, 'Which tool measures mass?', ['ruler', 'balance', 'clock'], 'B'),  # 3 choices
    _arc_row(5, 'What keeps a ball on the ground?', ['magnets', 'wind', 'light', 'gravity'], 'D'),
]


def write_arc(root: str) -> dict[str, str]:
    """data/ARC/ARC-{e,c}/ARC-{Easy,Challenge}-{Train,Dev,Test}.jsonl (AI2's format)."""
    paths = {}
    for short, name in (('e', 'Easy'), ('c', 'Challenge')):
        base = os.path.join(root, 'ARC', f'ARC-{short}')
        os.makedirs(base, exist_ok=True)
        for split in ('Train', 'Dev', 'Test'):
            path = os.path.join(base, f'ARC-{name}-{split}.jsonl')
            with open(path, 'w', encoding='utf-8') as f:
                for row in ARC_ROWS:
                    f.write(json.dumps(row) + '\n')
            paths[f'{short}-{split}'] = path
    return paths


HELLASWAG_ROWS = [
    {'ind': 1, 'activity_label': 'Baking', 'ctx_a': 'A man puts a tray in the oven.',
     'ctx_b': 'he', 'ctx': 'A man puts a tray in the oven. he',
     'endings': ['closes the door and waits.', 'swims across the oven.',
                 'reads the tray aloud.', 'paints the oven [title] blue.'],
     'label': 0, 'split': 'val', 'split_type': 'indomain', 'source_id': 'invented~1'},
    {'ind': 2, 'activity_label': 'Cycling', 'ctx_a': 'A girl rides a bike down a hill.',
     'ctx_b': 'she', 'ctx': 'A girl rides a bike down a hill. she',
     'endings': ['eats the bike.', 'brakes at the bottom.', 'sings to the hill.',
                 'turns into a bird.'],
     'label': 1, 'split': 'val', 'split_type': 'indomain', 'source_id': 'invented~2'},
    {'ind': 3, 'activity_label': 'Gardening', 'ctx_a': '[header] How to water a plant',
     'ctx_b': '', 'ctx': '[header] How to water a plant',
     'endings': ['Pour the plant into water.', 'Shout at the pot.',
                 'Fill a can with water and pour it on the soil.', 'Bury the can.'],
     'label': '2', 'split': 'val', 'split_type': 'zeroshot', 'source_id': 'invented~3'},
]


def write_hellaswag(root: str) -> str:
    base = os.path.join(root, 'hellaswag')
    os.makedirs(base, exist_ok=True)
    path = os.path.join(base, 'hellaswag_val.jsonl')
    with open(path, 'w', encoding='utf-8') as f:
        for row in HELLASWAG_ROWS:
            f.write(json.dumps(row) + '\n')
    return path


BBH_TASKS = {
    'boolean_expressions': [('not ( True ) and True is', 'False'), ('True or False is', 'True'),
                            ('not not True is', 'True')],
    'date_understanding': [
        ('Today is 01/02/2020. What is tomorrow in MM/DD/YYYY?\nOptions:\n(A) 01/03/2020\n'
         '(B) 01/01/2020', '(A)'),
        ('Today is 05/05/2021. What was yesterday?\nOptions:\n(A) 05/06/2021\n(B) 05/04/2021',
         '(B)'),
    ],
}

_BBH_PROMPT = ('Invented canary line for tests.\n-----\nAnswer the question.\n\n'
               "Q: True and True is\nA: Let's think step by step.\nBoth are True. "
               'So the answer is True.')


def write_bbh(root: str) -> str:
    """data/BBH/data/<task>.json ({"examples": [...]}) and data/BBH/lib_prompt/<task>.txt."""
    base = os.path.join(root, 'BBH')
    os.makedirs(os.path.join(base, 'data'), exist_ok=True)
    os.makedirs(os.path.join(base, 'lib_prompt'), exist_ok=True)
    for task, examples in BBH_TASKS.items():
        with open(os.path.join(base, 'data', f'{task}.json'), 'w', encoding='utf-8') as f:
            json.dump({'canary': 'invented', 'examples': [{'input': i, 'target': t}
                                                          for i, t in examples]}, f)
        with open(os.path.join(base, 'lib_prompt', f'{task}.txt'), 'w', encoding='utf-8') as f:
            f.write(_BBH_PROMPT)
    return base


def write_all(root: str) -> str:
    """Every benchmark's fixture files under ``root`` (the ``data/`` directory)."""
    write_mmlu(root)
    write_gsm8k(root)
    write_arc(root)
    write_hellaswag(root)
    write_bbh(root)
    return root
