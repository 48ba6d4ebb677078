"""Hub ids through a real Hugging Face cache (offline), device/dtype placement, LoRA via peft.

The cache is laid out by hand exactly as ``huggingface_hub`` writes it
(``models--ORG--NAME/snapshots/REV/...`` and ``refs/main``), with the tiny test model in it;
``huggingface_hub`` itself then resolves the ids. Shown failing first: before hub ids were
resolved, the hub-id run failed with "model path 'tiny-org/tiny-llama' does not exist".
"""
from __future__ import annotations

import os
import shutil

import pytest
from helpers import dataset_entries, model_entry, only_run, read_json, run_cli, write_config

from opencompass.errors import ModelError
from opencompass.models.hf_load import Placement, dtype_name, plan_placement

NAIVE = "dict(partitioner=dict(type=NaivePartitioner), runner=dict(type=LocalRunner, " \
        "max_num_workers=1, task=dict(type=OpenICLInferTask)))"
REV = '0123456789abcdef0123456789abcdef01234567'
REV2 = 'fedcba9876543210fedcba9876543210fedcba98'


def lay_into_cache(cache: str, repo_id: str, model_dir: str, rev: str = REV,
                   ref: str = 'main') -> str:
    """Copy ``model_dir`` into ``cache`` in huggingface_hub's layout; the snapshot dir."""
    repo = os.path.join(cache, 'models--' + repo_id.replace('/', '--'))
    snap = os.path.join(repo, 'snapshots', rev)
    if not os.path.isdir(snap):
        shutil.copytree(model_dir, snap)
    os.makedirs(os.path.join(repo, 'refs'), exist_ok=True)
    with open(os.path.join(repo, 'refs', ref), 'w') as f:
        f.write(rev)
    return snap


def hub_env(cache: str) -> dict[str, str]:
    return {'HF_HUB_CACHE': cache, 'HF_HOME': os.path.join(cache, 'home')}


# -- resolution --------------------------------------------------------------------------
def test_resolve_hub_id_and_revisions_from_the_cache(tmp_path, tiny_model, monkeypatch):
    from opencompass.models.hf_hub import resolve_model_path
    cache = str(tmp_path / 'hub')
    main = lay_into_cache(cache, 'tiny-org/tiny-llama', tiny_model)
    other = lay_into_cache(cache, 'tiny-org/tiny-llama', tiny_model, rev=REV2, ref='v2')
    monkeypatch.setenv('HF_HUB_CACHE', cache)
    monkeypatch.delenv('HF_HUB_OFFLINE', raising=False)
    assert os.path.samefile(resolve_model_path('tiny-org/tiny-llama'), main)
    assert os.path.samefile(resolve_model_path('tiny-org/tiny-llama', revision='v2'), other)
    assert os.path.samefile(resolve_model_path('tiny-org/tiny-llama', revision=REV2), other)
    assert resolve_model_path(tiny_model) == tiny_model  # a local directory stays as it is
    with pytest.raises(ModelError) as err:
        resolve_model_path('tiny-org/tiny-llama', revision='v3')
    assert 'revision v3' in str(err.value) and cache in str(err.value)


def test_hf_home_is_honoured_when_hf_hub_cache_is_unset(tmp_path, tiny_model, monkeypatch):
    from opencompass.models.hf_hub import resolve_model_path
    home = tmp_path / 'hfhome'
    snap = lay_into_cache(str(home / 'hub'), 'tiny-org/tiny-llama', tiny_model)
    monkeypatch.delenv('HF_HUB_CACHE', raising=False)
    monkeypatch.delenv('HUGGINGFACE_HUB_CACHE', raising=False)
    monkeypatch.setenv('HF_HOME', str(home))
    assert os.path.samefile(resolve_model_path('tiny-org/tiny-llama'), snap)


def test_a_path_that_is_neither_a_directory_nor_an_id_says_so(tmp_path):
    from opencompass.models.hf_hub import resolve_model_path
    with pytest.raises(ModelError, match='does not exist'):
        resolve_model_path(str(tmp_path / 'no' / 'such' / 'dir'))


# -- end to end through run.py -----------------------------------------------------------
def test_hub_id_runs_end_to_end_offline(tmp_path, tiny_model, data_dir):
    cache = str(tmp_path / 'hub')
    lay_into_cache(cache, 'tiny-org/tiny-llama', tiny_model)
    cfg = write_config(str(tmp_path / 'cfg.py'), [
        model_entry('tiny-org/tiny-llama', abbr='hub'),
        model_entry(tiny_model, abbr='local')], dataset_entries(data_dir, '[:4]'), infer=NAIVE)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-w', work, '-m', 'infer', env=hub_env(cache))
    assert proc.returncode == 0, proc.stderr
    run = only_run(work)
    for ds in ('arith', 'mc'):
        hub = read_json(os.path.join(run, f'predictions/hub/{ds}.json'))
        local = read_json(os.path.join(run, f'predictions/local/{ds}.json'))
        assert [r['prediction'] for r in hub.values()] == [r['prediction'] for r in local.values()]


def test_missing_hub_model_is_one_line(tmp_path, data_dir):
    cache = str(tmp_path / 'empty-hub')
    os.makedirs(cache)
    cfg = write_config(str(tmp_path / 'cfg.py'), [model_entry('tiny-org/not-there', abbr='gone')],
                       dataset_entries(data_dir, '[:2]'), infer=NAIVE)
    proc = run_cli(cfg, '-w', str(tmp_path / 'out'), '-m', 'infer', env=hub_env(cache))
    assert proc.returncode != 0
    assert 'Traceback' not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if 'tiny-org/not-there' in ln]
    assert lines, proc.stderr
    line = lines[0]
    assert cache in line and 'HF_HUB_OFFLINE=0' in line and 'hf download' in line, line


def test_dry_run_plans_with_a_missing_hub_model_and_warns(tmp_path, data_dir):
    """Planning needs no weights: ``--dry-run`` prints the plan and names the missing model
    as a warning (shown failing first: the dry run stopped with exit 2 on the missing model)."""
    cache = str(tmp_path / 'empty-hub')
    os.makedirs(cache)
    cfg = write_config(str(tmp_path / 'cfg.py'), [model_entry('tiny-org/not-there', abbr='gone')],
                       dataset_entries(data_dir, '[:2]'), infer=NAIVE)
    proc = run_cli(cfg, '-w', str(tmp_path / 'out'), '--dry-run', env=hub_env(cache))
    assert proc.returncode == 0, proc.stderr
    assert 'gone' in proc.stdout
    warned = [ln for ln in proc.stderr.splitlines() if 'tiny-org/not-there' in ln]
    assert warned and 'hf download' in warned[0], proc.stderr


# -- placement: the multi-GPU rules, as a pure function of what is visible ----------------
@pytest.mark.parametrize('gpus,bf16,kwargs,expected', [
    (0, False, {}, Placement(None, 'cpu', 'auto')),
    (0, False, {'torch_dtype': 'torch.bfloat16'}, Placement(None, 'cpu', 'bfloat16')),
    (1, True, {}, Placement(None, 'cuda', 'bfloat16')),
    (1, False, {}, Placement(None, 'cuda', 'float16')),
    (4, True, {}, Placement('auto', 'cuda', 'bfloat16')),
    (2, True, {'torch_dtype': 'torch.float16'}, Placement('auto', 'cuda', 'float16')),
    (2, True, {'dtype': 'auto'}, Placement('auto', 'cuda', 'auto')),
    (2, True, {'device_map': 'balanced'}, Placement('balanced', 'cuda', 'bfloat16')),
    (8, False, {'torch_dtype': 'float'}, Placement('auto', 'cuda', 'float32')),
])
def test_plan_placement(gpus, bf16, kwargs, expected):
    assert plan_placement(gpus, bf16, kwargs) == expected


def test_dtype_names():
    import torch
    assert dtype_name(torch.bfloat16) == 'bfloat16'
    assert dtype_name('torch.float16') == 'float16'
    assert dtype_name(None) is None
    with pytest.raises(ModelError, match='unknown dtype'):
        dtype_name('torch.float8')


def test_model_kwargs_dtype_string_is_honoured(tiny_model):
    import torch

    from opencompass.models import HuggingFaceCausalLM
    model = HuggingFaceCausalLM(path=tiny_model, model_kwargs={'torch_dtype': 'torch.bfloat16'},
                                max_seq_len=64, run_cfg={'num_gpus': 0})
    assert model.model.dtype == torch.bfloat16
    assert model.device == 'cpu'


# -- LoRA via peft -----------------------------------------------------------------------
def test_peft_adapter_changes_scores_like_the_merged_model(tmp_path, tiny_model):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from opencompass.models import HuggingFaceCausalLM
    torch.manual_seed(1)
    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    lora = get_peft_model(base, LoraConfig(r=4, target_modules=['q_proj', 'v_proj'],
                                           init_lora_weights=False))
    adapter = str(tmp_path / 'adapter')
    lora.save_pretrained(adapter)
    merged = str(tmp_path / 'merged')
    lora.merge_and_unload().save_pretrained(merged)
    shutil.copy(os.path.join(tiny_model, 'tokenizer.json'), merged)
    shutil.copy(os.path.join(tiny_model, 'tokenizer_config.json'), merged)

    texts = ['The quick brown fox', 'import os\nprint(os.getcwd())']
    kw = dict(max_seq_len=64, run_cfg={'num_gpus': 0})
    plain = HuggingFaceCausalLM(path=tiny_model, **kw).get_ppl(texts)
    with_lora = HuggingFaceCausalLM(path=tiny_model, peft_path=adapter, **kw).get_ppl(texts)
    reference = HuggingFaceCausalLM(path=merged, **kw).get_ppl(texts)
    assert with_lora != pytest.approx(plain, rel=1e-3)
    assert with_lora == pytest.approx(reference, rel=1e-4)


def test_missing_adapter_is_one_line(tmp_path, tiny_model, monkeypatch):
    from opencompass.models import HuggingFaceCausalLM
    monkeypatch.setenv('HF_HUB_CACHE', str(tmp_path))
    with pytest.raises(ModelError) as err:
        HuggingFaceCausalLM(path=tiny_model, peft_path='tiny-org/no-adapter', max_seq_len=64)
    assert "adapter 'tiny-org/no-adapter'" in str(err.value) and '\n' not in str(err.value)
