"""OpenCompass's lmdeploy model configs (``TurboMindModel*``) run on our backends.

The tiny test Llama is named by a TurboMind config written as OpenCompass's lmdeploy configs are
(``engine_config``, ``gen_config``, ``run_cfg``) and run through ``run.py``; its predictions must
equal those of the same model configured as ``HuggingFacewithChatTemplate`` /
``HuggingFaceBaseModel``. This venv has no vllm, so the transformers backend runs here; the vLLM
twin of the check is in tests/test_vllm.py.

Shown failing first: before the TurboMind classes existed every run here stopped with
"TurboMindModelwithChatTemplate is an OpenCompass component not supported by opencompass-lite".
"""
from __future__ import annotations

import importlib.util
import os

import pytest
from helpers import dataset_entries, model_entry, only_run, read_json, run_cli, write_config

NAIVE = "dict(partitioner=dict(type=NaivePartitioner), runner=dict(type=LocalRunner, " \
        "max_num_workers=1, task=dict(type=OpenICLInferTask)))"
BACKEND = 'vLLM' if importlib.util.find_spec('vllm') else 'transformers'
TM_HEADER = 'from opencompass.models import TurboMindModel, TurboMindModelwithChatTemplate\n'


def turbomind_entry(path: str, abbr: str, chat: bool = True, **extra: object) -> str:
    """A model as OpenCompass's ``configs/models/*/lmdeploy_*.py`` write them."""
    opts = dict(abbr=abbr, path=path,
                engine_config=dict(session_len=256, max_batch_size=4, tp=1,
                                   cache_max_entry_count=0.5),
                gen_config=dict(top_k=1, temperature=1e-6, top_p=0.9, max_new_tokens=6),
                max_seq_len=256, max_out_len=6, batch_size=4, run_cfg=dict(num_gpus=0))
    opts.update(extra)
    kind = 'TurboMindModelwithChatTemplate' if chat else 'TurboMindModel'
    return f'dict(type={kind}, **{opts!r})'


def predictions(run: str, abbr: str, ds: str) -> list[str]:
    return [r['prediction'] for r in read_json(os.path.join(run, f'predictions/{abbr}/{ds}.json')).values()]


# -- the mapping (pure dict work) --------------------------------------------------------
def test_lmdeploy_config_maps_to_a_backend_config():
    from opencompass.models.turbomind import resolve_turbomind, to_backend
    cfg = {'type': 'TurboMindModelwithChatTemplate', 'abbr': 'q-turbomind', 'path': 'Qwen/Q',
           'engine_config': {'session_len': 16384, 'max_batch_size': 16, 'tp': 2,
                             'cache_max_entry_count': 0.5},
           'gen_config': {'top_k': 1, 'temperature': 1e-6, 'top_p': 0.9, 'max_new_tokens': 4096},
           'max_seq_len': 8192, 'max_out_len': 4096, 'batch_size': 16, 'stop_words': ['<|im_end|>'],
           'run_cfg': {}}
    hf, ignored = to_backend(cfg, use_vllm=False)
    assert hf == {'type': 'opencompass.models.huggingface.HuggingFacewithChatTemplate',
                  'abbr': 'q-turbomind', 'path': 'Qwen/Q', 'max_out_len': 4096, 'batch_size': 16,
                  'run_cfg': {'num_gpus': 2}, 'stop_words': ['<|im_end|>'], 'max_seq_len': 16384}
    assert ignored == ['engine_config.cache_max_entry_count']
    vllm, _ = to_backend(cfg, use_vllm=True)
    assert vllm['type'] == 'opencompass.models.vllm.VLLMwithChatTemplate'
    assert vllm['model_kwargs'] == {'tensor_parallel_size': 2, 'max_num_seqs': 16}
    # sampling only when gen_config samples; top_k=1 or a ~0 temperature stay greedy
    sample = dict(cfg, gen_config={'do_sample': True, 'top_k': 40, 'top_p': 0.8, 'temperature': 0.7,
                                   'random_seed': 1})
    out, ignored = to_backend(sample, use_vllm=False)
    assert out['generation_kwargs'] == {'do_sample': True, 'top_k': 40, 'top_p': 0.8,
                                        'temperature': 0.7}
    assert 'gen_config.random_seed' in ignored
    greedy = dict(cfg, gen_config={'do_sample': True, 'top_k': 1, 'temperature': 0.7})
    assert 'generation_kwargs' not in to_backend(greedy, use_vllm=True)[0]
    base, _ = to_backend(dict(cfg, type='opencompass.models.turbomind.TurboMindModel',
                              meta_template={'round': []}, run_cfg={'num_gpus': 0}), use_vllm=False)
    assert base['type'] == 'opencompass.models.huggingface.HuggingFaceCausalLM'
    assert base['meta_template'] == {'round': []} and base['run_cfg'] == {'num_gpus': 0}
    others = [{'type': 'OpenAISDK', 'path': 'x'}]
    assert resolve_turbomind(others) is others


def test_building_the_class_builds_the_backend_model(tiny_model):
    from opencompass.models import HuggingFacewithChatTemplate, TurboMindModelwithChatTemplate
    model = TurboMindModelwithChatTemplate(tiny_model, abbr='t', max_out_len=4,
                                           engine_config=dict(session_len=128, tp=1),
                                           gen_config=dict(top_k=1), run_cfg=dict(num_gpus=0))
    assert isinstance(model, HuggingFacewithChatTemplate) and model.max_seq_len == 128


# -- end to end through run.py -------------------------------------------------------------
@pytest.mark.slow
def test_turbomind_configs_predict_as_the_transformers_configs(tmp_path, tiny_model, data_dir):
    chat_hf = model_entry(tiny_model, abbr='chat-hf').replace(
        'type=HuggingFaceCausalLM', "type='HuggingFacewithChatTemplate'")
    base_hf = model_entry(tiny_model, abbr='base-hf').replace(
        'type=HuggingFaceCausalLM', "type='HuggingFaceBaseModel'")
    cfg = write_config(str(tmp_path / 'cfg.py'), [
        turbomind_entry(tiny_model, 'chat-turbomind'), chat_hf,
        turbomind_entry(tiny_model, 'base-turbomind', chat=False), base_hf],
        dataset_entries(data_dir, '[:6]'), infer=NAIVE)
    with open(cfg) as f:
        text = f.read()
    with open(cfg, 'w') as f:
        f.write(TM_HEADER + text)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-w', work, '-m', 'infer')
    assert proc.returncode == 0, proc.stderr
    run = only_run(work)
    for ds in ('arith', 'mc'):
        assert predictions(run, 'chat-turbomind', ds) == predictions(run, 'chat-hf', ds)
        assert predictions(run, 'base-turbomind', ds) == predictions(run, 'base-hf', ds)
    assert any(p for p in predictions(run, 'chat-turbomind', 'arith'))  # it really generated
    for abbr in ('chat-turbomind', 'base-turbomind'):
        notices = [ln for ln in proc.stderr.splitlines() if f'models[{abbr}]: lmdeploy is not used' in ln]
        assert len(notices) == 1, proc.stderr
        assert f'running on {BACKEND}' in notices[0]
        assert 'ignored lmdeploy-only settings: engine_config.cache_max_entry_count' in notices[0]
    # the run's config copy shows the backend that ran
    configs = os.path.join(run, 'configs')
    with open(os.path.join(configs, os.listdir(configs)[0])) as f:
        dumped = f.read()
    assert 'HuggingFacewithChatTemplate' in dumped or 'VLLMwithChatTemplate' in dumped


@pytest.mark.slow
def test_dry_run_of_an_lmdeploy_config_with_a_missing_hub_model_warns(tmp_path, data_dir):
    cache = str(tmp_path / 'empty-hub')
    os.makedirs(cache)
    cfg = write_config(str(tmp_path / 'cfg.py'),
                       [turbomind_entry('tiny-org/not-there', 'gone-turbomind')],
                       dataset_entries(data_dir, '[:2]'), infer=NAIVE)
    with open(cfg) as f:
        text = f.read()
    with open(cfg, 'w') as f:
        f.write(TM_HEADER + text)
    env = {'HF_HUB_CACHE': cache, 'HF_HOME': os.path.join(cache, 'home')}
    proc = run_cli(cfg, '-w', str(tmp_path / 'out'), '--dry-run', env=env)
    assert proc.returncode == 0, proc.stderr
    assert 'gone-turbomind' in proc.stdout
    warned = [ln for ln in proc.stderr.splitlines() if 'tiny-org/not-there' in ln]
    assert warned and 'hf download' in warned[0], proc.stderr
    assert sum('lmdeploy is not used here' in ln for ln in proc.stderr.splitlines()) == 1
