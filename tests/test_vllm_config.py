"""The vLLM backend's parts that need no vLLM: ``-a vllm``, generation kwargs, the install hint.

These run in the project venv (no vllm installed there); tests/test_vllm.py runs the engine.
Shown failing first: ``run.py -a vllm`` was an unknown flag, and building a VLLM model raised
"unknown model type 'VLLM'".
"""
from __future__ import annotations

import importlib.util

import pytest
from helpers import dataset_entries, model_entry, run_cli, write_config

from opencompass.errors import ConfigError
from opencompass.models.accelerator import change_accelerator
from opencompass.models.vllm_engine import engine_kwargs, sampling_kwargs


def test_change_accelerator_turns_transformers_models_into_vllm_ones():
    models = [
        dict(type='opencompass.models.huggingface.HuggingFaceCausalLM', abbr='qwen-7b-hf',
             path='Qwen/Qwen2.5-7B', max_out_len=32, max_seq_len=4096, batch_size=8,
             model_kwargs=dict(torch_dtype='torch.bfloat16', device_map='auto'),
             peft_path='org/lora', run_cfg=dict(num_gpus=2), torch_threads=1),
        dict(type='HuggingFacewithChatTemplate', abbr='chat', path='/m', max_out_len=8,
             stop_words=['<|im_end|>'], run_cfg=dict(num_gpus=1)),
        dict(type='opencompass.models.openai_api.OpenAISDK', abbr='api', path='gpt-4o'),
    ]
    out = change_accelerator(models, 'vllm')
    assert out[0] == dict(type='opencompass.models.vllm.VLLM', abbr='qwen-7b-vllm',
                          path='Qwen/Qwen2.5-7B', max_out_len=32, max_seq_len=4096, batch_size=8,
                          model_kwargs=dict(dtype='torch.bfloat16'), lora_path='org/lora',
                          run_cfg=dict(num_gpus=2))
    assert out[1]['type'].endswith('.VLLMwithChatTemplate') and out[1]['abbr'] == 'chat-vllm'
    assert out[1]['stop_words'] == ['<|im_end|>']
    assert out[2] is models[2]  # API models are left alone


def test_change_accelerator_refuses_what_vllm_cannot_load():
    with pytest.raises(ConfigError, match='gguf_file'):
        change_accelerator([dict(type='HuggingFaceCausalLM', abbr='g', path='/m',
                                 gguf_file='m.gguf')], 'vllm')


@pytest.mark.parametrize('given,expected', [
    ({}, {'temperature': 0.0}),
    ({'do_sample': False, 'max_new_tokens': 5}, {'temperature': 0.0, 'max_tokens': 5}),
    ({'do_sample': True, 'top_p': 0.9}, {'temperature': 1.0, 'top_p': 0.9}),
    ({'temperature': 0.7, 'eos_token_id': 7}, {'temperature': 0.7, 'stop_token_ids': [7]}),
    ({'min_new_tokens': 2, 'num_beams': 1}, {'temperature': 0.0, 'min_tokens': 2}),
])
def test_sampling_kwargs_from_transformers_names(given, expected):
    assert sampling_kwargs(given) == expected


def test_engine_kwargs_default_tensor_parallel_to_num_gpus_and_let_the_config_win():
    kw = engine_kwargs('/m', None, 2048, 4, {})
    assert kw == {'model': '/m', 'max_model_len': 2048, 'tensor_parallel_size': 4, 'seed': 0}
    kw = engine_kwargs('/m', '/t', 2048, 0, {'tensor_parallel_size': 2, 'max_model_len': None,
                                              'gpu_memory_utilization': 0.8})
    assert kw == {'model': '/m', 'tokenizer': '/t', 'tensor_parallel_size': 2, 'seed': 0,
                  'gpu_memory_utilization': 0.8}


@pytest.mark.skipif(importlib.util.find_spec('vllm') is not None, reason='vllm is installed')
def test_without_vllm_one_line_says_how_to_install_it(tmp_path, tiny_model, data_dir):
    entry = model_entry(tiny_model, abbr='v').replace('type=HuggingFaceCausalLM', "type='VLLM'")
    cfg = write_config(str(tmp_path / 'cfg.py'), [entry], dataset_entries(data_dir, '[:2]'))
    proc = run_cli(cfg, '-w', str(tmp_path / 'out'), '-m', 'infer', '--debug')
    assert proc.returncode != 0
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if 'pip install' in ln]
    assert lines and "opencompass-lite[vllm]" in lines[0], proc.stdout + proc.stderr
    assert 'Traceback' not in proc.stderr


def test_accelerator_flag_is_in_the_cli():
    from opencompass.cli import build_parser
    args = build_parser().parse_args(['cfg.py', '-a', 'vllm'])
    assert args.accelerator == 'vllm'
    assert build_parser().parse_args(['cfg.py', '--accelerator', 'vllm']).accelerator == 'vllm'


def test_accelerator_lmdeploy_renames_and_runs_on_an_installed_backend():
    """OpenCompass's ``-a lmdeploy``: the abbr it gives (``-hf`` -> ``-lmdeploy``), on vLLM when
    installed, else transformers. Shown failing first: "unknown accelerator" for lmdeploy."""
    from opencompass.cli import build_parser
    assert build_parser().parse_args(['cfg.py', '-a', 'lmdeploy']).accelerator == 'lmdeploy'
    models = [dict(type='HuggingFacewithChatTemplate', abbr='qwen-7b-hf', path='/m', max_out_len=8,
                   model_kwargs=dict(device_map='auto')),
              dict(type='OpenAISDK', abbr='api', path='gpt-4o')]
    out = change_accelerator(models, 'lmdeploy')
    assert out[0]['abbr'] == 'qwen-7b-lmdeploy' and out[1] is models[1]
    if importlib.util.find_spec('vllm') is None:
        assert out[0] == dict(models[0], abbr='qwen-7b-lmdeploy')
    else:
        assert out[0]['type'].endswith('.VLLMwithChatTemplate')
