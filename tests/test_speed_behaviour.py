"""What keeps runs fast, asserted as behaviour (never timing): lazy imports, config loading
without mmengine, long tasks first, a model loaded once per worker, crash isolation."""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest
from helpers import ROOT, dataset_entries, model_entry, only_run, run_cli, write_config

HEAVY = {'torch', 'transformers', 'mmengine', 'numpy'}

PLUGINS = '''\
import os
from opencompass.models.base import BaseModel
from opencompass.tasks.base import BaseTask


class TrippingModel(BaseModel):
    """Answers '0'; a prompt with CRASH kills the process, one with BUG raises."""

    def generate(self, inputs, max_out_len, stop_words=None):
        for text in inputs:
            if 'CRASH' in text:
                os._exit(9)
            if 'BUG' in text:
                raise RuntimeError('a bug in the model')
        return ['0' for _ in inputs]


class RecordTask(BaseTask):
    """Appends 'ABBR PID' to $OC_ORDER_FILE when it runs."""

    stage = 'infer'
    output_kind = 'predictions'

    def output_paths(self):
        return []

    def is_done(self):
        return False

    def run(self):
        with open(os.environ['OC_ORDER_FILE'], 'a') as f:
            f.write(f"{self.dataset_cfgs[0][0]['abbr']} {os.getpid()}\\n")
'''


def imported(*args: str, env: dict | None = None) -> set[str]:
    """Top-level packages imported by ``python -X importtime run.py ARGS``."""
    full = dict(os.environ, **(env or {}))
    proc = subprocess.run([sys.executable, '-X', 'importtime', os.path.join(ROOT, 'run.py'),
                           *args], capture_output=True, text=True, env=full, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {line.rsplit('|', 1)[1].strip().split('.')[0] for line in proc.stderr.splitlines()
            if line.startswith('import time:') and 'cumulative' not in line}


@pytest.fixture
def plugins(tmp_path, monkeypatch) -> str:
    """A module of test models/tasks importable by run.py and by task processes."""
    path = tmp_path / 'plugins'
    path.mkdir()
    (path / 'oc_speed_plugins.py').write_text(PLUGINS)
    monkeypatch.setenv('PYTHONPATH', os.pathsep.join([str(path), ROOT]))
    return str(path)


def test_help_imports_nothing_heavy():
    mods = imported('--help')
    assert not mods & HEAVY, mods & HEAVY
    assert 'opencompass' in mods


def test_dry_run_of_a_local_model_config_imports_no_torch_nor_mmengine(tmp_path, tiny_model,
                                                                        data_dir):
    cfg = write_config(str(tmp_path / 'c.py'), [model_entry(tiny_model)], dataset_entries(data_dir))
    mods = imported(cfg, '--dry-run', '-w', str(tmp_path / 'o'))
    assert not mods & HEAVY, mods & HEAVY


def test_plain_config_reads_the_same_without_mmengine(tmp_path, tiny_model, data_dir):
    from mmengine.config import Config

    from opencompass.config import _is_imported_name, load_config
    from opencompass.utils.serialize import to_plain
    cfg = write_config(str(tmp_path / 'c.py'), [model_entry(tiny_model)], dataset_entries(data_dir),
                       extra='work_dir = "outputs/x"\n_private = 1\n')
    fast = load_config(cfg)
    mm = Config.fromfile(cfg, format_python_code=False)
    slow = {k: to_plain(mm[k]) for k in mm.keys()
            if not _is_imported_name(mm[k]) and not k.startswith('_')}
    assert fast == slow
    assert fast['models'][0]['type'] == 'opencompass.models.huggingface.HuggingFaceCausalLM'


def test_config_with_read_base_reads_as_mmengine_does_without_it(tmp_path, tiny_model, data_dir):
    from mmengine.config import Config

    from opencompass.config import _is_imported_name, load_config
    from opencompass.utils.serialize import to_plain
    write_config(str(tmp_path / 'base_models.py'), [model_entry(tiny_model)],
                 dataset_entries(data_dir))
    main = tmp_path / 'main.py'
    main.write_text('from mmengine.config import read_base\nwith read_base():\n'
                    '    from .base_models import models, datasets\n'
                    "datasets = [dict(d, abbr=d['abbr'] + '_x') for d in datasets]\n")
    ours = load_config(str(main))
    mm = Config.fromfile(str(main), format_python_code=False)
    theirs = {k: to_plain(mm[k]) for k in mm.keys()
              if not _is_imported_name(mm[k]) and not k.startswith('_')}
    assert ours == theirs and ours['datasets'][0]['abbr'] == 'arith_x'
    mods = imported(str(main), '--dry-run', '-w', str(tmp_path / 'o'))
    assert not mods & HEAVY, mods & HEAVY
    proc = run_cli(str(main), '--dry-run', '-w', str(tmp_path / 'o'))
    assert proc.returncode == 0, proc.stderr
    assert 'tiny/arith_x,mc_x' in proc.stdout


def test_model_is_loaded_once_per_worker_not_once_per_part(tmp_path, tiny_model, data_dir):
    infer = ("dict(partitioner=dict(type=SizePartitioner, max_task_size=8, gen_task_coef=1, "
             "strategy='split'), runner=dict(type=LocalRunner, max_num_workers=2, "
             "task=dict(type=OpenICLInferTask)))")
    cfg = write_config(str(tmp_path / 'c.py'), [model_entry(tiny_model)], dataset_entries(data_dir),
                       infer=infer)
    proc = run_cli(cfg, '-w', str(tmp_path / 'o'), '-m', 'infer')
    assert proc.returncode == 0, proc.stderr
    run = only_run(str(tmp_path / 'o'))
    logs = sorted(glob.glob(os.path.join(run, 'logs/infer/tiny/*.out')))
    names = [os.path.basename(p) for p in logs]
    assert names == sorted(['arith_0.out', 'arith_1.out'] + [f'mc_{i}.out' for i in range(5)])
    text = [open(p).read() for p in logs]
    loads = sum(t.count('loading model tiny') for t in text)
    reuses = sum(t.count('reusing model tiny') for t in text)
    assert 1 <= loads <= 2, text  # once per worker: 2 slots, 7 parts
    assert loads + reuses == 7
    for name in names:  # every part still writes its own predictions
        pred = os.path.join(run, 'predictions/tiny', name.replace('.out', '.json'))
        assert os.path.isfile(pred), pred


def _launch_record_tasks(tmp_path, monkeypatch, reuse: bool, sizes: list[int]
                         ) -> list[tuple[str, int]]:
    from oc_speed_plugins import RecordTask  # type: ignore[import-not-found]

    from opencompass.runners.local import LocalRunner
    order_file = tmp_path / f'order_{reuse}.txt'
    monkeypatch.setenv('OC_ORDER_FILE', str(order_file))
    tasks = [RecordTask({'models': [{'abbr': 'm', 'path': 'none'}],
                         'datasets': [[{'abbr': f'd{i}', 'part': [0, n]}]],
                         'work_dir': str(tmp_path / 'run')}) for i, n in enumerate(sizes)]
    statuses = LocalRunner(max_num_workers=1, reuse_workers=reuse).launch(tasks)
    assert all(s.ok for s in statuses), statuses
    assert all(os.path.isfile(t.log_path()) for t in tasks)  # a log per task, even in a worker
    return [(abbr, int(pid)) for abbr, pid in
            (line.split() for line in order_file.read_text().splitlines())]


def test_long_parts_start_first_and_share_one_worker(tmp_path, plugins, monkeypatch):
    monkeypatch.syspath_prepend(plugins)
    sizes = [5, 50, 20, 80, 10]
    ran = _launch_record_tasks(tmp_path, monkeypatch, True, sizes)
    assert [a for a, _ in ran] == ['d3', 'd1', 'd2', 'd4', 'd0']  # heaviest first
    assert len({pid for _, pid in ran}) == 1  # one worker process ran them all
    ran = _launch_record_tasks(tmp_path, monkeypatch, False, sizes)
    assert len({pid for _, pid in ran}) == len(sizes)  # reuse_workers=False: one each


def test_crashing_worker_fails_only_its_task_and_is_replaced(tmp_path, plugins):
    data = tmp_path / 'q.jsonl'
    rows = [{'question': 'CRASH' if i == 5 else 'BUG' if i == 9 else f'q{i}', 'answer': '0'}
            for i in range(12)]
    data.write_text(''.join(json.dumps(r) + '\n' for r in rows))
    cfg = tmp_path / 'c.py'
    cfg.write_text(f'''\
from oc_speed_plugins import TrippingModel
from opencompass.datasets import CustomDataset
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.partitioners import SizePartitioner
from opencompass.runners import LocalRunner
models = [dict(type=TrippingModel, abbr='trip', path='none', batch_size=1)]
datasets = [dict(abbr='q', type=CustomDataset, path={str(data)!r},
                 reader_cfg=dict(input_columns=['question'], output_column='answer'),
                 infer_cfg=dict(prompt_template=dict(type=PromptTemplate, template='{{question}}'),
                                inferencer=dict(type=GenInferencer)))]
infer = dict(partitioner=dict(type=SizePartitioner, max_task_size=4, gen_task_coef=1,
                              strategy='split'),
             runner=dict(type=LocalRunner, max_num_workers=1))
''')
    proc = run_cli(str(cfg), '-w', str(tmp_path / 'o'), '-m', 'infer',
                   env={'PYTHONPATH': os.environ['PYTHONPATH']})
    assert proc.returncode == 1, proc.stderr
    assert 'Traceback' not in proc.stderr + proc.stdout
    run = only_run(str(tmp_path / 'o'))
    log = lambda name: open(os.path.join(run, 'logs/infer/trip', name)).read()  # noqa: E731
    assert 'worker process running this task died' in log('q_1.out')
    assert 'RuntimeError: a bug in the model' in log('q_2.out')
    assert os.path.isfile(os.path.join(run, 'predictions/trip/q_0.json'))
    assert 'q_1' in proc.stdout and 'q_2' in proc.stdout  # both reported FAILED
    assert 'q_0' not in proc.stdout


def test_slots_keep_to_their_model_so_each_loads_it_once():
    from opencompass.runners.worker import TaskPicker
    from opencompass.tasks.openicl_infer import OpenICLInferTask  # BaseTask is abstract
    tasks = [OpenICLInferTask({'models': [{'abbr': m, 'path': m}], 'datasets': [[{'abbr': f'd{i}'}]],
                       'work_dir': '/tmp'}) for m in 'ab' for i in range(3)]
    picker = TaskPicker(tasks, range(len(tasks)))  # a0 a1 a2 b0 b1 b2, heaviest first
    key = picker._keys
    first, second = picker.next(None), picker.next(None)
    assert (first, second) == (0, 3)  # the second slot starts on the model nobody holds
    assert picker.next(key[0]) == 1 and picker.next(key[3]) == 4
    assert picker.next(key[0]) == 2 and picker.next(key[0]) == 5  # a is done: help with b
    assert picker.next(key[3]) is None
