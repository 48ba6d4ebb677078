"""Tiny data in the layout OpenCompass's data archive unpacks to, with invented rows.

``write_opencompass_layout(cache)`` writes ``cache/data/...`` so that every dataset id
(``opencompass/gsm8k``, ``opencompass/mmlu``, ``opencompass/ai2_arc-dev``, ...) resolves
with ``COMPASS_DATA_CACHE=cache``. GSM8K, MMLU, ARC and BBH have the same file formats as
the benchmarks' own releases (see benchmark_fixtures); HellaSwag uses OpenCompass's
``{query, choices, gold}`` lines; HumanEval is a two-problem file in the published format.
"""
from __future__ import annotations

import json
import os

from benchmark_fixtures import MMLU_SUBJECTS, write_arc, write_bbh, write_gsm8k, write_mmlu

OC_HELLASWAG = [
    {'query': 'Baking: A man puts a tray in the oven. He',
     'choices': ['closes the door and waits.', 'swims across the oven.',
                 'reads the tray aloud.', 'paints the oven blue.'], 'gold': 0},
    {'query': 'Cycling: A girl rides a bike down a hill: fast. She',
     'choices': ['eats the bike.', 'brakes at the bottom.', 'sings to the hill.',
                 'turns into a bird.'], 'gold': 1},
    {'query': 'Gardening: How to water a plant.',
     'choices': ['Pour the plant into water.', 'Shout at the pot.',
                 'Fill a can with water and pour it on the soil.', 'Bury the can.'], 'gold': 2},
]

HUMANEVAL = [
    {'task_id': 'Invented/0', 'entry_point': 'add',
     'prompt': 'def add(a, b):\n    """Return a + b."""\n',
     'canonical_solution': '    return a + b\n',
     'test': 'def check(candidate):\n    assert candidate(1, 2) == 3\n'},
    {'task_id': 'Invented/1', 'entry_point': 'twice',
     'prompt': 'def twice(s):\n    """Return s repeated two times."""\n',
     'canonical_solution': '    return s * 2\n',
     'test': "def check(candidate):\n    assert candidate('ab') == 'abab'\n"},
]


def _jsonl(path: str, rows: list[dict]) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        for row in rows:
            f.write(json.dumps(row) + '\n')
    return path


def write_opencompass_layout(cache: str, mmlu_subjects: tuple[str, ...] = MMLU_SUBJECTS) -> str:
    """Write ``cache/data/{gsm8k,mmlu,ARC,hellaswag,BBH,humaneval}``; returns ``cache``."""
    data = os.path.join(cache, 'data')
    write_gsm8k(data)
    write_mmlu(data, subjects=mmlu_subjects)
    write_arc(data)
    write_bbh(data)
    _jsonl(os.path.join(data, 'hellaswag', 'hellaswag.jsonl'), OC_HELLASWAG)
    _jsonl(os.path.join(data, 'hellaswag', 'hellaswag_train_sampled25.jsonl'), OC_HELLASWAG[:2])
    _jsonl(os.path.join(data, 'humaneval', 'human-eval-v2-20210705.jsonl'), HUMANEVAL)
    return cache
