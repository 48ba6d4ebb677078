"""OpenCompass-style configs: ``opencompass.configs`` imports, OPENCOMPASS_CONFIGS, the
config-less CLI (--models/--datasets/--list), model_dataset_combinations and summarizer
``[abbr, metric]`` entries. Each check was seen failing first: on the tree before this
change ``from opencompass.configs...`` and ``import os`` under read_base() raised, --list
and --models were unknown flags, all pairs were planned, and pairs crashed the summary."""
from __future__ import annotations

import json
import os
import textwrap

import pytest
from helpers import ROOT, run_cli

from opencompass.config import fill_defaults, load_config
from opencompass.errors import ConfigError

ENV = {'PYTHONPATH': ROOT}


def _write(path, text: str) -> str:
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(path, 'w') as f:
        f.write(textwrap.dedent(text))
    return str(path)


def test_package_configs_import_inside_read_base_with_os(tmp_path):
    cfg = _write(tmp_path / 'eval_x.py', '''
        import os.path as osp
        import os
        from mmengine.config import read_base
        with read_base():
            from opencompass.configs.datasets.gsm8k.gsm8k_gen import gsm8k_datasets
            from opencompass.configs.datasets.mmlu.mmlu_gen import mmlu_datasets
            from opencompass.configs.summarizers.groups.mmlu import mmlu_summary_groups
            from opencompass.configs.models.qwen2_5.hf_qwen2_5_7b_instruct import models
        prompt_dir = os.path.join('data', 'BBH', 'lib_prompt')
        datasets = [*gsm8k_datasets, *mmlu_datasets]
        datasets[0]['abbr'] = 'changed'  # another config must not see this
        summarizer = dict(summary_groups=mmlu_summary_groups)
    ''')
    values = load_config(cfg)
    assert values['prompt_dir'] == os.path.join('data', 'BBH', 'lib_prompt')
    assert len(values['mmlu_datasets']) == 57 and values['gsm8k_datasets'][0]['path'] == 'opencompass/gsm8k'
    assert values['datasets'][0]['abbr'] == 'changed'  # within one config: plain Python
    assert values['models'][0]['type'] == 'opencompass.models.huggingface.HuggingFacewithChatTemplate'
    assert {g['name'] for g in values['summarizer']['summary_groups']} >= {'mmlu', 'mmlu-stem'}
    other = _write(tmp_path / 'eval_y.py', '''
        from mmengine.config import read_base
        with read_base():
            from opencompass.configs.datasets.gsm8k.gsm8k_gen import gsm8k_datasets
    ''')
    assert load_config(other)['gsm8k_datasets'][0]['abbr'] == 'gsm8k'


def test_opencompass_configs_dir_is_searched_first_and_ours_fill_gaps(tmp_path, monkeypatch):
    tree = tmp_path / 'oc' / 'opencompass' / 'configs'
    _write(tree / 'datasets' / 'gsm8k' / 'gsm8k_gen.py', '''
        from mmengine.config import read_base
        with read_base():
            from .gsm8k_gen_abc123 import gsm8k_datasets  # noqa
    ''')
    _write(tree / 'datasets' / 'gsm8k' / 'gsm8k_gen_abc123.py', '''
        gsm8k_datasets = [dict(abbr='theirs', path='opencompass/gsm8k')]
    ''')
    cfg = _write(tmp_path / 'eval_x.py', '''
        from mmengine.config import read_base
        with read_base():
            from opencompass.configs.datasets.gsm8k.gsm8k_gen import gsm8k_datasets
            from opencompass.configs.datasets.ARC_c.ARC_c_ppl import ARC_c_datasets
    ''')
    monkeypatch.setenv('OPENCOMPASS_CONFIGS', str(tmp_path / 'oc'))  # a clone's root
    values = load_config(cfg)
    assert values['gsm8k_datasets'] == [{'abbr': 'theirs', 'path': 'opencompass/gsm8k'}]
    assert values['ARC_c_datasets'][0]['abbr'] == 'ARC-c'  # not in theirs: ours
    monkeypatch.setenv('OPENCOMPASS_CONFIGS', str(tmp_path / 'nowhere'))
    with pytest.raises(ConfigError, match='OPENCOMPASS_CONFIGS'):
        load_config(cfg)


@pytest.mark.parametrize('line, message', [
    ('from opencompass.datasets import LCBCodeGenerationDataset',
     "'opencompass.datasets.LCBCodeGenerationDataset' is not supported by opencompass-lite"),
    ('from opencompass.datasets.lcb.evaluator import LCBEvaluator',
     "'opencompass.datasets.lcb' is not supported by opencompass-lite"),
])
def test_unsupported_component_is_one_line_naming_it(tmp_path, line, message):
    base = _write(tmp_path / 'datasets' / 'x_gen.py', f'{line}\nx_datasets = []\n')
    cfg = _write(tmp_path / 'eval_x.py', '''
        from mmengine.config import read_base
        with read_base():
            from .datasets.x_gen import x_datasets
    ''')
    for path in (base, cfg):  # named directly, and through read_base()
        proc = run_cli(path, '--dry-run', env=ENV)
        assert proc.returncode == 2
        assert proc.stderr.count('\n') == 1 and message in proc.stderr, proc.stderr
        assert 'did you mean' not in proc.stderr and 'Traceback' not in proc.stderr


def test_missing_config_module_names_opencompass_configs(tmp_path):
    cfg = _write(tmp_path / 'eval_x.py', '''
        from mmengine.config import read_base
        with read_base():
            from opencompass.configs.datasets.lcb.lcb_gen import lcb_datasets
    ''')
    proc = run_cli(cfg, '--dry-run', env=ENV)
    assert proc.returncode == 2 and proc.stderr.startswith('error: ')
    assert "config 'opencompass.configs.datasets.lcb.lcb_gen' not found" in proc.stderr
    assert 'OPENCOMPASS_CONFIGS' in proc.stderr and 'Traceback' not in proc.stderr


def _user_tree(tmp_path) -> str:
    """A --config-dir with one model config and a local-data dataset config."""
    root = tmp_path / 'mine'
    _write(root / 'models' / 'my_api_model.py', '''
        from opencompass.models import OpenAISDK
        models = [dict(type=OpenAISDK, abbr='api-a', path='m', key='ENV',
                       openai_api_base='http://127.0.0.1:9/v1')]
    ''')
    data = tmp_path / 'arith.jsonl'
    data.write_text(json.dumps({'question': '1+1', 'answer': '2'}) + '\n')
    _write(root / 'datasets' / 'arith' / 'arith_gen.py', f'''
        from opencompass.datasets import CustomDataset
        arith_datasets = [dict(abbr='arith', type=CustomDataset, path={str(data)!r},
                               reader_cfg=dict(input_columns=['question'], output_column='answer'),
                               infer_cfg=dict(prompt_template=dict(type='PromptTemplate',
                                                                   template='{{question}}'),
                                              retriever=dict(type='ZeroRetriever'),
                                              inferencer=dict(type='GenInferencer')),
                               eval_cfg=dict(evaluator=dict(type='AccEvaluator')))]
        arith_b_datasets = [dict(arith_datasets[0], abbr='arith_b')]
    ''')
    return str(root)


def test_models_and_datasets_by_name_plan_a_run(tmp_path):
    mine = _user_tree(tmp_path)
    proc = run_cli('--models', 'my_api_model', '--datasets', 'arith_gen', '--config-dir', mine,
                   '--dry-run', '-w', str(tmp_path / 'out'), env=ENV, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert 'api-a' in proc.stdout and 'arith_b' in proc.stdout  # every *_datasets variable
    proc = run_cli('--models', 'my_api_model', '--datasets', 'arith_gen/arith_b_datasets',
                   '--config-dir', mine, '--dry-run', '-w', str(tmp_path / 'out'), env=ENV)
    assert proc.returncode == 0 and 'arith_b' in proc.stdout and '| arith ' not in proc.stdout
    proc = run_cli('--models', 'nope', '--datasets', 'arith_gen', '--config-dir', mine, env=ENV)
    assert proc.returncode == 2 and "no config named 'nope'" in proc.stderr
    proc = run_cli('--datasets', 'arith_gen', env=ENV)
    assert proc.returncode == 2 and '--models' in proc.stderr


def test_hf_flags_build_the_model_entry(tmp_path):
    mine = _user_tree(tmp_path)
    out = str(tmp_path / 'out')
    proc = run_cli('--hf-type', 'base', '--hf-path', str(tmp_path / 'my-model'), '--datasets',
                   'arith_gen', '--config-dir', mine, '--max-out-len', '7', '--batch-size', '3',
                   '--num-gpus', '0', '--model-kwargs', 'trust_remote_code=True', 'device_map=cpu',
                   '--generation-kwargs', 'do_sample=False', '--max-seq-len', '512',
                   '--dry-run', '-w', out, env=ENV)
    assert proc.returncode == 0, proc.stderr
    assert 'my-model_hf' in proc.stdout


def test_list_prints_names_from_every_tree(tmp_path):
    mine = _user_tree(tmp_path)
    proc = run_cli('--list', 'arith', '--config-dir', mine, env=ENV)
    assert proc.returncode == 0 and 'arith_gen' in proc.stdout and 'datasets:' in proc.stdout
    proc = run_cli('--list', 'qwen2_5', env=ENV)
    assert 'hf_qwen2_5_7b_instruct' in proc.stdout and 'models:' in proc.stdout
    proc = run_cli('--list', 'mmlu', env=ENV)
    assert 'mmlu_gen' in proc.stdout and 'mmlu_ppl' in proc.stdout
    assert run_cli('--list', 'no-such-thing-xyz', env=ENV).returncode == 1


def test_model_dataset_combinations_plan_only_those_pairs(tmp_path):
    mine = _user_tree(tmp_path)
    cfg = _write(tmp_path / 'eval_combo.py', '''
        from mmengine.config import read_base
        with read_base():
            from .mine.datasets.arith.arith_gen import arith_datasets, arith_b_datasets
            from .mine.models.my_api_model import models as a_models
        b_models = [dict(a_models[0], abbr='api-b')]
        models = [*a_models, *b_models]
        datasets = [*arith_datasets, *arith_b_datasets]
        model_dataset_combinations = [dict(models=a_models, datasets=arith_datasets),
                                      dict(models=b_models, datasets=arith_b_datasets)]
        infer = dict(partitioner=dict(type='NaivePartitioner'),
                     runner=dict(type='LocalRunner', task=dict(type='OpenICLInferTask')))
    ''')
    assert mine
    proc = run_cli(cfg, '--dry-run', '-m', 'infer', '-w', str(tmp_path / 'out'), env=ENV)
    assert proc.returncode == 0, proc.stderr
    rows = [ln for ln in proc.stdout.splitlines() if ln.startswith('| ') and 'api-' in ln]
    pairs = sorted(tuple(c.strip() for c in ln.split('|')[2:4]) for ln in rows)
    assert pairs == [('api-a', 'arith'), ('api-b', 'arith_b')], proc.stdout


def test_summarizer_abbr_metric_pairs_and_titles(tmp_path):
    from opencompass.summarizers.default import DefaultSummarizer
    run = tmp_path / 'run'
    os.makedirs(run / 'results' / 'm')
    (run / 'results' / 'm' / 'code.json').write_text(json.dumps(
        {'humaneval_pass@1': 50.0, 'humaneval_pass@10': 70.0, 'num_samples': 2, 'details': []}))
    (run / 'results' / 'm' / 'qa.json').write_text(json.dumps({'accuracy': 25.0, 'num_samples': 4}))
    cfg = fill_defaults({'models': [{'abbr': 'm', 'path': 'x'}],
                         'datasets': [{'abbr': 'code'}, {'abbr': 'qa'}]}, slurm=False)
    summarizer = DefaultSummarizer(
        cfg, dataset_abbrs=['--- Code ---', ['code', 'humaneval_pass@10'], 'qa', 'pass10'],
        summary_groups=[dict(name='pass10', subsets=[['code', 'humaneval_pass@10'], 'qa']),
                        dict(name='unrelated', subsets=['zzz'])])
    header, rows = summarizer.collect(str(run))
    assert [r[0] for r in rows] == ['--- Code ---', 'code', 'qa', 'pass10']
    assert rows[0][4] == '-' and rows[1][2:] == ['humaneval_pass@10', 'gen', '70.00']
    assert rows[2][4] == '25.00' and rows[3][4] == '47.50'
    assert summarizer.summarize(str(run), 't')  # files written, no crash


def test_slurm_flag_forces_slurm_runner_and_needs_a_partition(tmp_path):
    mine = _user_tree(tmp_path)
    args = ('--models', 'my_api_model', '--datasets', 'arith_gen', '--config-dir', mine,
            '--dry-run', '-w', str(tmp_path / 'out'))
    proc = run_cli(*args, '--slurm', '-p', 'debug', '-q', 'auto', '--retry', '1', env=ENV)
    assert proc.returncode == 0, proc.stderr
    assert 'with SlurmRunner' in proc.stdout and 'srun' in proc.stdout and '-p debug' in proc.stdout
    proc = run_cli(*args, '--slurm', env=ENV)
    assert proc.returncode == 2 and '--slurm needs -p PARTITION' in proc.stderr
    proc = run_cli(*args, '--max-workers-per-gpu', '2', env=ENV)
    assert proc.returncode == 0 and 'with LocalRunner' in proc.stdout


def test_star_import_of_a_base_config_that_imports_modules(tmp_path):
    """``from .base import *`` copies values and shares modules (deep-copying the ``os``
    module raised TypeError before)."""
    _write(tmp_path / 'base.py', '''
        import os
        x_datasets = [dict(abbr='a', p=os.path.join('a', 'b'))]
    ''')
    cfg = _write(tmp_path / 'main.py', '''
        from mmengine.config import read_base
        with read_base():
            from .base import *
        y = os.path.join(x_datasets[0]['p'], 'c')
    ''')
    assert load_config(cfg) == {'x_datasets': [{'abbr': 'a', 'p': os.path.join('a', 'b')}],
                                'y': os.path.join('a', 'b', 'c')}


def test_one_missing_data_root_is_one_line_for_all_its_subsets(tmp_path):
    """57 MMLU subsets whose data folder is missing: one line naming three of them and the
    count, not 57 copies (57 lines before ``validation.merge_alike``)."""
    proc = run_cli('--models', 'gpt_4o_mini_20240718', '--datasets', 'mmlu_gen', '--dry-run',
                   '-w', str(tmp_path / 'out'),
                   env={**ENV, 'COMPASS_DATA_CACHE': str(tmp_path / 'empty')}, cwd=str(tmp_path))
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if 'opencompass/mmlu' in ln]
    assert len(lines) == 1, proc.stderr
    assert 'and 54 more].path' in lines[0] and 'Traceback' not in proc.stderr


def test_two_lists_of_the_same_subsets_is_one_line(tmp_path):
    """A file defining two ``*_datasets`` lists over the same subsets (OpenCompass's
    ``bbh_llmjudge_gen``): one line counting the repeated abbrs, not one per subset (there
    were 4 lines for 4 subsets before)."""
    _write(tmp_path / 'cfgs' / 'datasets' / 'twice.py', '''
        from opencompass.datasets import CustomDataset
        def entry(name, shots):
            return dict(abbr=name, type=CustomDataset, path='x.jsonl',
                        reader_cfg=dict(input_columns=['q'], output_column='a'),
                        infer_cfg=dict(prompt_template=dict(type='PromptTemplate', template=shots + '{q}'),
                                       retriever=dict(type='ZeroRetriever'),
                                       inferencer=dict(type='GenInferencer')),
                        eval_cfg=dict(evaluator=dict(type='AccEvaluator')))
        zero_datasets = [entry(n, '') for n in ('s1', 's2', 's3', 's4')]
        few_datasets = [entry(n, 'Q: 1 A: 1 ') for n in ('s1', 's2', 's3', 's4')]
        ''')
    proc = run_cli('--hf-path', str(tmp_path / 'model'), '--datasets', 'twice', '--config-dir',
                   str(tmp_path / 'cfgs'), '--dry-run', '-w', str(tmp_path / 'out'), env=ENV,
                   cwd=str(tmp_path))
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if 'more than once' in ln or 'used by' in ln]
    assert len(lines) == 1, proc.stderr
    assert "4 abbrs are used more than once: 's1' (2 entries)" in lines[0] and 'and 1 more' in lines[0]
