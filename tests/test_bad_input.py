"""User mistakes: one clear line, non-zero exit, no traceback on the terminal."""
from __future__ import annotations

import pytest
from helpers import dataset_entries, model_entry, run_cli, write_config


def _assert_clean_error(proc, *needles):
    assert proc.returncode != 0
    assert 'Traceback' not in proc.stderr + proc.stdout
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


def test_missing_config_file(tmp_path):
    _assert_clean_error(run_cli(str(tmp_path / 'nope.py')), "config file not found", 'nope.py')


def test_unknown_type_with_suggestion(tmp_path, data_dir):
    cfg = write_config(str(tmp_path / 'c.py'), [model_entry('/x')],
                       dataset_entries(data_dir).replace('type=GenInferencer',
                                                         "type='GenInferencr'", 1))
    _assert_clean_error(run_cli(cfg, '-w', str(tmp_path / 'o')), "unknown inferencer type 'GenInferencr'",
                        "did you mean 'GenInferencer'", 'datasets[arith].infer_cfg.inferencer')


def test_missing_dataset_file(tmp_path, data_dir):
    cfg = write_config(str(tmp_path / 'c.py'), [model_entry('/x')],
                       dataset_entries(data_dir).replace('arith.jsonl', 'gone.jsonl'))
    _assert_clean_error(run_cli(cfg, '-w', str(tmp_path / 'o')), 'dataset file not found',
                        'gone.jsonl')


@pytest.mark.parametrize('mode', ['eval', 'viz'])
def test_eval_or_viz_without_reuse(tmp_path, data_dir, mode):
    cfg = write_config(str(tmp_path / 'c.py'), [model_entry('/x')], dataset_entries(data_dir))
    _assert_clean_error(run_cli(cfg, '-m', mode, '-w', str(tmp_path / 'o')), f'-m {mode}', '-r')


def test_reuse_unknown_run_lists_available(tmp_path, data_dir):
    cfg = write_config(str(tmp_path / 'c.py'), [model_entry('/x')], dataset_entries(data_dir))
    (tmp_path / 'o' / '20240101_000000').mkdir(parents=True)
    _assert_clean_error(run_cli(cfg, '-r', '20230220_183030', '-w', str(tmp_path / 'o')),
                        'no such run', '20240101_000000')
