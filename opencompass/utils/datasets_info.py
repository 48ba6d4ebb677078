"""OpenCompass dataset ids (``path='opencompass/gsm8k'``) and where their files live.

Each id maps to the path, relative to the data root, that OpenCompass's data archive
(``OpenCompassData-core-20240207.zip``, which unpacks to a ``data/`` folder) gives
that benchmark. Only the benchmarks this project has loaders for are listed.
"""
from __future__ import annotations

ARCHIVE = 'OpenCompassData-core-20240207.zip'
ARCHIVE_URL = ('https://github.com/open-compass/opencompass/releases/download/0.2.2.rc1/'
               + ARCHIVE)

# dataset id -> path under the data root (a folder ends with '/')
DATASET_IDS: dict[str, str] = {
    'opencompass/gsm8k': 'data/gsm8k/',
    'opencompass/mmlu': 'data/mmlu/',
    'opencompass/ceval-exam': 'data/ceval/formal_ceval/',
    'opencompass/cmmlu': 'data/cmmlu/',
    'opencompass/ai2_arc-test': 'data/ARC/ARC-c/ARC-Challenge-Test.jsonl',
    'opencompass/ai2_arc-dev': 'data/ARC/ARC-c/ARC-Challenge-Dev.jsonl',
    'opencompass/ai2_arc-easy-dev': 'data/ARC/ARC-e/ARC-Easy-Dev.jsonl',
    'opencompass/ai2_arc-easy-test': 'data/ARC/ARC-e/ARC-Easy-Test.jsonl',
    'opencompass/hellaswag': 'data/hellaswag/hellaswag.jsonl',
    'opencompass/hellaswag_ice': 'data/hellaswag/',
    'opencompass/bbh': 'data/BBH/data',
    'opencompass/humaneval': 'data/humaneval/human-eval-v2-20210705.jsonl',
    'opencompass/math': 'data/math/',  # CustomDataset(file_name=...) of math_500_gen, MATHDataset
}
