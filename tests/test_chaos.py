"""Kill the run at random moments, resume with ``-r``: same bytes, nothing finished redone.

Also: Ctrl-C/SIGTERM and ``kill -9`` of the driver leave no worker behind, a second
``run.py -r`` on a live run is refused, and LocalRunner retries crashes but not user errors.
Everything runs for real (run.py, LocalRunner, worker processes, the tiny model).
"""
from __future__ import annotations

import collections
import glob
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from helpers import (
    ROOT,
    dataset_entries,
    model_entry,
    only_run,
    run_cli,
    write_config,
    write_datasets,
)

KILLS = int(os.environ.get('OC_CHAOS_KILLS', '32'))
SAMPLES = 100  # 60 generation + 40 loglikelihood samples
SLURM_KILLS = int(os.environ.get('OC_CHAOS_SLURM_KILLS', '6'))
SIZE = ("dict(partitioner=dict(type=SizePartitioner, max_task_size=200, gen_task_coef=20),"
        " runner=dict(type=LocalRunner, max_num_workers=2, task=dict(type=OpenICLInferTask)))")


def _chaos_config(tmp_path, tiny_model) -> str:
    data = tmp_path / 'data'
    data.mkdir()
    write_datasets(str(data), n_gen=60, n_mc=40)
    return write_config(str(tmp_path / 'cfg.py'), [model_entry(tiny_model, batch_size=1)],
                        dataset_entries(str(data)), infer=SIZE)


def _start(cfg: str, work: str, count_file: str, *extra: str,
           env_extra: dict | None = None) -> subprocess.Popen:
    env = dict(os.environ, OC_JOURNAL_LOG=count_file, **(env_extra or {}))
    env.pop('CUDA_VISIBLE_DEVICES', None)
    return subprocess.Popen([sys.executable, os.path.join(ROOT, 'run.py'), cfg, '-w', work,
                             *extra], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = collections.defaultdict(list)
    for stat in glob.glob('/proc/[0-9]*/stat'):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        tree[int(fields[1])].append(int(stat.split('/')[2]))
    return tree


def descendants(pid: int) -> list[int]:
    tree, out, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def wait_gone(pids: list[int], timeout: float = 15) -> list[int]:
    deadline = time.time() + timeout
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def kill_tree(proc: subprocess.Popen) -> None:
    """``kill -9`` the driver and every process under it, frozen first so none escapes."""
    try:
        os.kill(proc.pid, signal.SIGSTOP)
    except ProcessLookupError:
        pass
    victims = descendants(proc.pid)
    for pid in victims + [proc.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    proc.stderr.close()
    assert not wait_gone(victims), 'killed workers still alive'


def lines(path: str) -> int:
    try:
        with open(path) as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def outputs(run_dir: str) -> dict[str, bytes]:
    found = {}
    for kind in ('predictions', 'results'):
        for path in glob.glob(os.path.join(run_dir, kind, '*', '*.json')):
            with open(path, 'rb') as f:
                found[os.path.relpath(path, run_dir)] = f.read()
    return found


def _baseline(tmp_path, cfg: str) -> tuple[dict[str, bytes], float]:
    count = str(tmp_path / 'base.count')
    started = time.time()
    base = _start(cfg, str(tmp_path / 'base'), count)
    assert base.wait(timeout=600) == 0, base.stderr.read()
    base.stderr.close()
    expected = outputs(only_run(str(tmp_path / 'base')))
    assert len(expected) == 6 + 1 + 2  # arith in 6 parts, mc; 2 results
    assert lines(count) == SAMPLES  # every sample computed once
    return expected, time.time() - started


def _chaos(cfg: str, work: str, count: str, kills: int, duration: float, *extra: str,
           env_extra: dict | None = None, after_kill=lambda: None,
           min_kills: int | None = None) -> dict[str, bytes]:
    """Kill ``kills`` times at seeded random moments, resuming with -r; then finish.

    With ``min_kills``, a run that completes ends the chaos once that many kills landed.
    """
    rng = random.Random(7)
    done = mid_inference = 0
    while done < kills:
        proc = _start(cfg, work, count, '-r', *extra, env_extra=env_extra)
        # at a random moment (start-up, model load, inference, eval, summary) or after a
        # few more samples are journaled, whichever comes first
        before = lines(count)
        deadline, target = time.time() + rng.uniform(0.2, duration), before + rng.randint(1, 4)
        while proc.poll() is None and time.time() < deadline and lines(count) < target:
            time.sleep(0.01)
        if proc.poll() is not None:  # finished first: later kills hit eval/summary/no-op runs
            err = proc.stderr.read()
            proc.stderr.close()
            assert proc.returncode == 0, err
            if min_kills is not None and done >= min_kills:
                break
            continue
        mid_inference += lines(count) < SAMPLES
        kill_tree(proc)
        after_kill()
        done += 1
    assert mid_inference >= min(done, kills) // 2, 'too few kills landed during inference'
    proc = _start(cfg, work, count, '-r', *extra, env_extra=env_extra)
    assert proc.wait(timeout=600) == 0, proc.stderr.read()
    proc.stderr.close()
    computed = collections.Counter(open(count).read().split('\n')[:-1])
    twice = {k: n for k, n in computed.items() if n > 1}
    assert not twice, f'finished samples computed again: {twice}'
    assert not glob.glob(os.path.join(only_run(work), '*', '*', '.journal', '*'))
    return outputs(only_run(work))


def _assert_same(got: dict[str, bytes], expected: dict[str, bytes]) -> None:
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], f'{name} differs from the uninterrupted run'


def test_kill_anywhere_then_resume_gives_identical_outputs(tmp_path, tiny_model):
    cfg = _chaos_config(tmp_path, tiny_model)
    expected, duration = _baseline(tmp_path, cfg)
    got = _chaos(cfg, str(tmp_path / 'chaos'), str(tmp_path / 'chaos.count'), KILLS,
                 duration)
    _assert_same(got, expected)


def test_kill_anywhere_through_slurm(slurm, tmp_path, tiny_model):
    """The same through SlurmRunner (-p debug). Nobody cancels the jobs of a killed driver:
    the resumed run.py finds them under the run's job-name prefix and cancels them itself
    before it submits; the outputs equal the uninterrupted local run's."""
    from opencompass.runners.slurm_cmd import run_prefix
    cfg = _chaos_config(tmp_path, tiny_model)
    expected, duration = _baseline(tmp_path, cfg)
    work = str(tmp_path / 'chaos')
    got = _chaos(cfg, work, str(tmp_path / 'chaos.count'), SLURM_KILLS, duration,
                 '-p', 'debug', env_extra=slurm.env, min_kills=3)
    _assert_same(got, expected)
    assert not slurm.squeue(run_prefix(only_run(work)))


@pytest.mark.parametrize('how', ['sigterm', 'kill9'])
def test_stopping_the_driver_leaves_no_worker(tmp_path, tiny_model, how):
    cfg = _chaos_config(tmp_path, tiny_model)
    count = str(tmp_path / 'count')
    proc = _start(cfg, str(tmp_path / 'out'), count)
    deadline = time.time() + 120
    while lines(count) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, 'the run ended before it could be stopped'
    workers = descendants(proc.pid)
    assert workers
    if how == 'sigterm':
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=300) == 130  # a deadline to wait, not a speed claim
        assert 'resume with -r' in proc.stderr.read()
    else:
        proc.kill()
        proc.wait()
    proc.stderr.close()
    # workers notice their driver is gone and exit; the deadline only bounds the wait
    assert not wait_gone(workers, timeout=120), 'orphaned task processes survived the driver'


def test_second_writer_is_refused_and_dead_lock_taken_over(tmp_path, tiny_model):
    cfg = _chaos_config(tmp_path, tiny_model)
    work, count = str(tmp_path / 'out'), str(tmp_path / 'count')
    first = _start(cfg, work, count)
    deadline = time.time() + 120
    while lines(count) < 1 and time.time() < deadline and first.poll() is None:
        time.sleep(0.02)
    assert first.poll() is None
    second = run_cli(cfg, '-w', work, '-r', cwd=ROOT)
    assert second.returncode != 0
    assert f'in use by another run.py (pid {first.pid} on' in second.stderr
    assert 'Traceback' not in second.stderr
    kill_tree(first)  # a lock left by a dead process ...
    third = run_cli(cfg, '-w', work, '-r', cwd=ROOT)
    assert third.returncode == 0, third.stderr  # ... is taken over
    assert 'taking over the lock' in third.stderr


FLAKY = '''
import os
from opencompass.datasets import CustomDataset

class FlakyDataset(CustomDataset):
    """Crashes (a bug, exit 2) the first time it loads in a task process, then works."""

    @staticmethod
    def load(path, marker='', **kw):
        if marker and not os.path.exists(marker) and os.environ.get('OC_PARENT_PID'):
            open(marker, 'w').close()
            raise RuntimeError('flaky loader crashed')
        return CustomDataset.load(path, **kw)
'''


def test_local_runner_retries_crashes_not_user_errors(tmp_path, tiny_model, data_dir):
    (tmp_path / 'flaky_mod.py').write_text(FLAKY)
    marker = str(tmp_path / 'crashed-once')
    with open(os.path.join(data_dir, 'mc.jsonl'), 'a') as f:
        f.write('{"question": "broken\n')  # a user error: not valid JSON
    datasets = dataset_entries(data_dir).replace(
        "type=CustomDataset,", f"type='flaky_mod.FlakyDataset', marker={marker!r},", 1)
    naive = SIZE.replace('SizePartitioner, max_task_size=200, gen_task_coef=20',
                         'NaivePartitioner')
    cfg = write_config(str(tmp_path / 'cfg.py'), [model_entry(tiny_model)], datasets,
                       infer=naive)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-w', work, cwd=ROOT, env={'PYTHONPATH': str(tmp_path)})
    assert proc.returncode == 1
    run = only_run(work)
    assert os.path.exists(marker)
    log = open(os.path.join(run, 'logs/infer/tiny/arith.out')).read()
    assert 'flaky loader crashed' in log and '===== attempt 2 =====' in log  # a crash: retried
    assert os.path.exists(os.path.join(run, 'results/tiny/arith.json'))
    broken = open(os.path.join(run, 'logs/infer/tiny/mc.out')).read()
    assert 'mc.jsonl:11: not valid JSON' in broken
    assert 'attempt 2' not in broken  # exit 1, a user error: not retried
    assert 'mc.jsonl:11: not valid JSON' in proc.stdout


def test_journal_handles_torn_duplicate_and_out_of_order_lines(tmp_path):
    from opencompass.utils.fileio import Journal
    path = str(tmp_path / 'j.jsonl')
    journal = Journal(path, 'fp1')
    journal.open(keep=False)
    journal.append({'2': {'p': 'b'}, '0': {'p': 'a'}})   # finished out of order
    journal.append({'2': {'p': 'b'}})                     # a duplicate
    journal.close()
    with open(path, 'a') as f:
        f.write('{"id": "1", "record": {"p"')             # torn by a kill -9
    assert Journal(path, 'fp1').load() == {'0': {'p': 'a'}, '2': {'p': 'b'}}
    again = Journal(path, 'fp1')
    again.open(keep=True)                                 # resume appends after the torn line
    again.append({'1': {'p': 'c'}})
    again.close()
    assert Journal(path, 'fp1').load() == {'0': {'p': 'a'}, '1': {'p': 'c'}, '2': {'p': 'b'}}
    assert Journal(path, 'other settings').load() == {}   # stale journal: discarded
