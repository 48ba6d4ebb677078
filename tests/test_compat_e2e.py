"""The OpenCompass habit, end to end: ``run.py --models NAME --datasets gsm8k_gen mmlu_gen
ARC_c_ppl`` on the tiny model, the shipped ``opencompass.configs`` dataset configs with their
OpenCompass dataset ids, and invented data in OpenCompass's layout under COMPASS_DATA_CACHE.

Seen failing first: before ``opencompass.configs`` and the name flags existed, run.py
rejected ``--models`` ("unrecognized arguments"); before dataset ids resolved, the plan
stopped at "dataset file not found: 'opencompass/gsm8k/train.jsonl'"."""
from __future__ import annotations

import csv
import glob
import os

from helpers import ROOT, only_run, read_json, run_cli
from oc_layout_fixtures import write_opencompass_layout

from opencompass.config import load_config

MMLU_GROUPS = ('mmlu-stem', 'mmlu-humanities', 'mmlu-social-science', 'mmlu-other', 'mmlu')


def test_models_and_datasets_by_name_write_the_whole_tree(tmp_path, tiny_model):
    subjects = load_config(os.path.join(ROOT, 'opencompass', 'configs', 'datasets', 'mmlu',
                                        'mmlu_gen.py'))['mmlu_all_sets']
    assert len(subjects) == 57
    cache = write_opencompass_layout(str(tmp_path / 'cache'), mmlu_subjects=tuple(subjects))
    config_dir = tmp_path / 'my_configs' / 'models'
    config_dir.mkdir(parents=True)
    (config_dir / 'tiny_chat.py').write_text(
        'from opencompass.models import HuggingFacewithChatTemplate\n'
        f"models = [dict(type=HuggingFacewithChatTemplate, abbr='tiny', path={tiny_model!r},\n"
        '               max_out_len=4, max_seq_len=512, batch_size=16, torch_threads=1,\n'
        '               run_cfg=dict(num_gpus=0))]\n')
    work = str(tmp_path / 'outputs')
    proc = run_cli('--models', 'tiny_chat', '--datasets', 'gsm8k_gen', 'mmlu_gen', 'ARC_c_ppl',
                   '--config-dir', str(tmp_path / 'my_configs'), '-w', work,
                   '--max-num-workers', '2', cwd=str(tmp_path), timeout=1800,
                   env={'PYTHONPATH': ROOT, 'COMPASS_DATA_CACHE': cache})
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    run = only_run(work)
    abbrs = ['gsm8k', 'ARC-c'] + [f'lukaemon_mmlu_{s}' for s in subjects]
    for kind in ('predictions', 'results'):
        found = {os.path.basename(p)[:-5] for p in glob.glob(os.path.join(run, kind, 'tiny', '*.json'))}
        assert found == set(abbrs), (kind, set(abbrs) ^ found)
    assert glob.glob(os.path.join(run, 'configs', '*.py'))
    assert glob.glob(os.path.join(run, 'logs', 'infer', 'tiny', '*.out'))
    assert glob.glob(os.path.join(run, 'logs', 'eval', 'tiny', '*.out'))
    for ext in ('txt', 'csv', 'md'):
        assert glob.glob(os.path.join(run, 'summary', f'summary_*.{ext}')), ext
    with open(glob.glob(os.path.join(run, 'summary', 'summary_*.csv'))[0]) as f:
        rows = {r[0]: r for r in csv.reader(f)}
    scores = {a: read_json(os.path.join(run, 'results', 'tiny', f'{a}.json'))['accuracy']
              for a in abbrs}
    for abbr in abbrs:
        assert float(rows[abbr][4]) == round(scores[abbr], 2), abbr
    for group in MMLU_GROUPS:
        assert rows[group][4] != '-', group
    mean = sum(scores[f'lukaemon_mmlu_{s}'] for s in subjects) / len(subjects)
    assert abs(float(rows['mmlu'][4]) - mean) < 0.01
    assert 'bbh' not in rows  # the example summarizer leaves out groups of datasets not run
    ids = read_json(os.path.join(run, 'predictions', 'tiny', 'gsm8k.json'))
    assert len(ids) == 6  # every test row of the fixture was predicted
