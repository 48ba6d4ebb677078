"""Planning work per (model, dataset) pair stays constant as models are added (issue 13).

Counts, not times: how often planning reads a dataset's size and hashes config components
for 2 and for 6 models over the same 30 datasets. Shown failing before the change: every
model re-counted every dataset's rows (estimate_size called 2 x models x datasets times)
and re-hashed every dataset's components per pair.
"""
from __future__ import annotations

import json
import os

import pytest

from opencompass.datasets import build as ds_build
from opencompass.partitioners import SizePartitioner
from opencompass.pipeline import plan_table
from opencompass.tasks import fingerprints as fp
from opencompass.tasks.outputs import eval_stale_reason, infer_stale_reason
from opencompass.utils import serialize

N_DATASETS = 30


@pytest.fixture
def datasets(tmp_path) -> list[dict]:
    out = []
    for j in range(N_DATASETS):
        path = tmp_path / f'd{j}.jsonl'
        path.write_text(''.join(json.dumps({'q': f'{i}+{j}', 'a': str(i + j)}) + '\n'
                                for i in range(5)))
        out.append({'abbr': f'd{j}', 'type': 'CustomDataset', 'path': str(path),
                    'reader_cfg': {'input_columns': ['q'], 'output_column': 'a'},
                    'infer_cfg': {'prompt_template': {'type': 'PromptTemplate',
                                                      'template': '{q}'},
                                  'retriever': {'type': 'ZeroRetriever'},
                                  'inferencer': {'type': 'GenInferencer'}}})
    return out


def plan_counts(run_dir: str, n_models: int, datasets: list[dict],
                monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    counts = {'estimate_size': 0, 'fingerprint': 0}

    def counting(name: str, real):
        def wrapper(*a, **k):
            counts[name] += 1
            return real(*a, **k)
        return wrapper

    monkeypatch.setattr('opencompass.partitioners.size.estimate_size',
                        counting('estimate_size', ds_build.estimate_size))
    real_fp = serialize.fingerprint
    monkeypatch.setattr(fp, 'fingerprint', counting('fingerprint', real_fp))
    models = [{'abbr': f'm{i}', 'type': 'x.Model', 'path': f'p{i}', 'max_out_len': 8}
              for i in range(n_models)]

    def is_done(m: dict, d: dict) -> bool:
        return infer_stale_reason(run_dir, m, d) is None and \
            eval_stale_reason(run_dir, m, d) is None

    with fp.planning_cache():
        tasks = SizePartitioner(max_task_size=40, gen_task_coef=1).partition(
            models, datasets, run_dir, 'infer', is_done=is_done)
    monkeypatch.undo()
    counts['tasks'] = len(tasks)
    return counts


def test_planning_cost_per_pair_does_not_grow_with_models(tmp_path, datasets, monkeypatch):
    small = plan_counts(str(tmp_path / 'a'), 2, datasets, monkeypatch)
    big = plan_counts(str(tmp_path / 'b'), 6, datasets, monkeypatch)
    assert small['tasks'] > 0 and big['tasks'] == 3 * small['tasks']
    assert small['estimate_size'] == big['estimate_size'] == N_DATASETS   # once per dataset
    # hashing: a fixed part per dataset and per model, and a small constant per pair
    per_pair = (big['fingerprint'] - small['fingerprint']) / ((6 - 2) * N_DATASETS)
    assert per_pair <= 4, (small, big)


def test_planning_cache_is_only_open_while_planning(datasets):
    model = {'abbr': 'm', 'type': 'x.Model', 'path': 'p'}
    before = fp.infer_components(model, datasets[0])
    model['path'] = 'changed'                 # configs may change between plans
    assert fp.infer_components(model, datasets[0])['model'] != before['model']
    with fp.planning_cache():
        inside = fp.infer_components(model, datasets[0])
        assert fp.infer_components(model, datasets[0]) == inside
    model['path'] = 'again'
    assert fp.infer_components(model, datasets[0])['model'] != inside['model']


def test_plan_table_is_a_plain_text_table(tmp_path):
    class Task:
        def __init__(self, model: str, parts: list[str], gpus: int):
            self.model_cfgs = [{'abbr': model}]
            self.dataset_cfgs = [[{'abbr': p} for p in parts]]
            self.num_gpus = gpus

    text = plan_table([Task('m', ['a', 'b'], 0), Task('long_model', ['c'], 1)])
    assert text.splitlines() == [
        '+---+------------+------------------+------+',
        '| # | model      | datasets / parts | gpus |',
        '+---+------------+------------------+------+',
        '| 1 | m          | a, b             | 0    |',
        '| 2 | long_model | c                | 1    |',
        '+---+------------+------------------+------+']
    assert os.path.isdir(tmp_path)


def test_file_digests_persist_across_processes_keyed_by_size_mtime_and_ctime(tmp_path, monkeypatch):
    """``status/file_digests.json`` spares ``-r`` re-reading unchanged files; an edited file
    is hashed again, even one edited in place to the same size with its mtime put back (its
    ctime changed). (Failed before: no such file was kept; then the same-size edit with the
    mtime put back was trusted, keyed by size and mtime only.)"""
    import builtins
    pred = tmp_path / 'pred.json'
    pred.write_text('{"0": "a"}')
    cache = str(tmp_path / 'status' / 'file_digests.json')
    monkeypatch.setattr(fp, '_file_cache', {})
    with fp.saved_digests(cache):
        first = fp.file_digest(str(pred))
    assert os.path.isfile(cache)
    monkeypatch.setattr(fp, '_file_cache', {})        # a new process
    opened = []
    monkeypatch.setattr(fp, 'open', lambda *a, **k: opened.append(a[0]) or builtins.open(*a, **k),
                        raising=False)
    with fp.saved_digests(cache):
        assert fp.file_digest(str(pred)) == first     # unchanged: from the kept digests
    assert str(pred) not in opened
    monkeypatch.setattr(fp, '_file_cache', {})
    st = os.stat(pred)
    pred.write_text('{"0": "b"}')                     # same size, mtime put back
    os.utime(pred, ns=(st.st_atime_ns, st.st_mtime_ns))
    with fp.saved_digests(cache):
        assert fp.file_digest(str(pred)) != first
    assert str(pred) in opened
    monkeypatch.setattr(fp, '_file_cache', {})
    pred.write_text('{"0": "bb"}')                    # an ordinary edit
    with fp.saved_digests(cache):
        assert fp.file_digest(str(pred)) != first
