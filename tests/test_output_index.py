"""The run's index of finished outputs (issue 13): it may only make checks faster.

Every check made with the index must give the answer the sidecars give without it, after
any change on disk; a torn line, a missing index (a run made by the previous version) and
several writers at once must not make a stale output look fresh nor lose a finished one.

Shown failing before passing: with ``OutputIndex.lookup`` not comparing the stats
(``return entry`` before the ``os.stat`` calls) ``test_index_gives_the_sidecars_answer``
fails for the 6 deletions and sidecar edits; comparing only size and mtime (not inode and
ctime), it fails for the 4 in-place or renamed changes that keep size and mtime; with
``parse_line`` accepting a line without its newline, ``test_torn_line_is_ignored`` fails;
with every process appending to one shared file a byte per ``write``,
``test_concurrent_writers_lose_nothing`` fails (one file; interleaved lines do not parse).
The in-place cases also failed without the index until ``file_digest`` and
``read_json_cached`` keyed their caches on the ctime too (they trusted size and mtime).
"""
from __future__ import annotations

import copy
import json
import multiprocessing
import os
import time

import pytest

from opencompass.tasks import output_index
from opencompass.tasks.fingerprints import combine, eval_components, infer_components
from opencompass.tasks.output_index import OutputIndex, index_dir, using
from opencompass.tasks.outputs import (
    eval_stale_reason,
    infer_stale_reason,
    meta_file,
    output_file,
    prediction_digests,
    prediction_parts,
    write_with_meta,
)
from opencompass.utils import fileio

MODEL = {'type': 'fake_model.ConstantModel', 'abbr': 'm', 'path': 'fake/m', 'max_out_len': 4}


def _dataset(path: str, abbr: str) -> dict:
    return {'abbr': abbr, 'type': 'opencompass.datasets.CustomDataset', 'path': path,
            'reader_cfg': {'input_columns': ['question'], 'output_column': 'answer'},
            'infer_cfg': {'prompt_template': {'type': 'PromptTemplate', 'template': '{question}'},
                          'retriever': {'type': 'ZeroRetriever'},
                          'inferencer': {'type': 'GenInferencer'}},
            'eval_cfg': {'evaluator': {'type': 'EMEvaluator'}}}


def write_pair(run: str, model: dict, dataset: dict, prediction: str = '2') -> None:
    """Predictions and results of one pair, as the tasks write them (with the index)."""
    pred = output_file(run, 'predictions', model, dataset)
    comps = infer_components(model, dataset)
    write_with_meta(pred, {'0': {'prediction': prediction}},
                    {'fingerprint': combine(comps), 'components': comps, 'ids': [0, 1]})
    ev = eval_components(dataset, prediction_digests(prediction_parts(run, model, dataset)))
    write_with_meta(output_file(run, 'results', model, dataset), {'score': 1.0},
                    {'fingerprint': combine(ev), 'components': ev})


@pytest.fixture
def done_run(tmp_path):
    data = tmp_path / 'arith.jsonl'
    data.write_text('{"question": "1+1", "answer": "2"}\n')
    run = str(tmp_path / 'run')
    model = copy.deepcopy(MODEL)
    datasets = [_dataset(str(data), f'd{i}') for i in range(3)]
    for d in datasets:
        write_pair(run, model, d)
    return run, model, datasets


def answers(run: str, model: dict, datasets: list[dict], index: OutputIndex | None) -> list:
    with using(index):
        return [(infer_stale_reason(run, model, d), eval_stale_reason(run, model, d))
                for d in datasets]


class SidecarReads:
    """Counts sidecar reads (``read_json_cached`` of a ``.meta`` file)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.n = 0
        real = fileio.read_json_cached

        def counting(path: str):
            if f'{os.sep}.meta{os.sep}' in path:
                self.n += 1
            return real(path)
        monkeypatch.setattr('opencompass.tasks.outputs.read_json_cached', counting)


def test_index_answers_without_reading_a_sidecar(done_run, monkeypatch):
    run, model, datasets = done_run
    reads = SidecarReads(monkeypatch)
    assert answers(run, model, datasets, OutputIndex(run)) == [(None, None)] * 3
    assert reads.n == 0
    assert answers(run, model, datasets, None) == [(None, None)] * 3
    assert reads.n == 3 * 3  # without the index: each prediction sidecar twice, each result's


def _same_size_other_bytes(path: str, keep_mtime: bool) -> None:
    st = os.stat(path)
    with open(path, 'r+b') as f:  # in place: same inode, same size
        data = f.read()
        f.seek(0)
        f.write(data.replace(b'"2"', b'"3"').replace(b'1.0', b'0.0'))
    assert os.stat(path).st_size == st.st_size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns if keep_mtime else st.st_mtime_ns + 10**9))


def _replace(path: str, keep_mtime: bool = False) -> None:
    st = os.stat(path)
    with open(path + '.new', 'w') as f:
        f.write(open(path).read().replace('"2"', '"4"'))
    if keep_mtime:
        os.utime(path + '.new', ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(path + '.new', path)


def _edit_sidecar(path: str) -> None:
    meta = meta_file(path)
    with open(meta) as f:
        text = f.read()
    fp = json.loads(text)['fingerprint']
    with open(meta, 'r+') as f:  # the same length, in place, mtime set back
        st = os.fstat(f.fileno())
        f.write(text.replace(fp, 'f' * len(fp)))
    os.utime(meta, ns=(st.st_atime_ns, st.st_mtime_ns))


CHANGES = {
    'same size, other bytes, new mtime': lambda p: _same_size_other_bytes(p, keep_mtime=False),
    'same size, other bytes, mtime set back': lambda p: _same_size_other_bytes(p, keep_mtime=True),
    'deleted': os.unlink,
    'replaced': _replace,
    'replaced, mtime kept': lambda p: _replace(p, keep_mtime=True),
    'sidecar deleted': lambda p: os.unlink(meta_file(p)),
    'sidecar edited in place': _edit_sidecar,
}


@pytest.mark.parametrize('kind', ['predictions', 'results'])
@pytest.mark.parametrize('change', list(CHANGES), ids=list(CHANGES))
def test_index_gives_the_sidecars_answer(done_run, kind, change):
    """After any change made after indexing, the index's answer is the sidecars' answer
    (and it is not the unchanged answer: each change makes something stale or missing,
    except a result's own bytes, which nothing fingerprints: the summary notices them)."""
    run, model, datasets = done_run
    index = OutputIndex(run)
    assert answers(run, model, datasets, index) == [(None, None)] * 3  # indexed, checked
    path = output_file(run, kind, model, datasets[1])
    time.sleep(0.01)
    CHANGES[change](path)
    truth = answers(run, model, datasets, None)
    assert answers(run, model, datasets, OutputIndex(run)) == truth  # a new -r
    index.forget_checks()
    assert answers(run, model, datasets, index) == truth  # the same driver after tasks ran
    content_only = kind == 'results' and 'sidecar' not in change and change != 'deleted'
    assert (truth[1] == (None, None)) == content_only, truth
    assert truth[0] == truth[2] == (None, None)


def test_torn_line_is_ignored(done_run, monkeypatch):
    """A writer killed in the middle of a line: that entry is read from the sidecar, the
    others still come from the index; garbage lines are skipped."""
    run, model, datasets = done_run
    (name,) = os.listdir(index_dir(run))
    path = os.path.join(index_dir(run), name)
    with open(path) as f:
        lines = f.readlines()
    assert len(lines) == 6  # a prediction and a result per dataset
    last = lines[-1]
    assert last.split('\t')[1] == os.path.join('results', 'm', 'd2.json')
    with open(path, 'w') as f:
        f.write('not\ta line\n' + '\x00' * 10 + '\n' + ''.join(lines[:-1]) + last[:-1])
    index = OutputIndex(run)
    assert len(index.entries) == 5
    reads = SidecarReads(monkeypatch)
    assert answers(run, model, datasets, index) == [(None, None)] * 3
    assert reads.n == 1  # only the torn one: results/m/d2.json
    for cut in range(1, len(last) - 1, 7):  # a torn line never parses as an entry
        assert output_index.parse_line(last[:cut]) is None


def test_run_without_index_resumes_and_gets_one(done_run, monkeypatch):
    """A run made by the previous version (sidecars only): same answers, then the driver's
    compaction writes the index, which answers the next time."""
    run, model, datasets = done_run
    for name in os.listdir(index_dir(run)):
        os.unlink(os.path.join(index_dir(run), name))
    os.rmdir(index_dir(run))
    index = OutputIndex(run)
    assert not index.entries
    assert answers(run, model, datasets, index) == [(None, None)] * 3
    assert index.compact()
    assert os.listdir(index_dir(run)) == [output_index.COMPACT]
    reads = SidecarReads(monkeypatch)
    assert answers(run, model, datasets, OutputIndex(run)) == [(None, None)] * 3
    assert reads.n == 0
    # and a stale output stays stale through the learned entries
    pred = output_file(run, 'predictions', model, datasets[0])
    comps = infer_components(model, datasets[0])
    write_with_meta(pred, {'0': {'prediction': '5'}},  # new predictions, old results
                    {'fingerprint': combine(comps), 'components': comps, 'ids': [0, 1]})
    assert answers(run, model, datasets, OutputIndex(run))[0] == (None, 'predictions changed')


def _writer(run: str, data: str, first: int, n: int) -> None:
    for i in range(first, first + n):
        write_pair(run, MODEL, _dataset(data, f'd{i}'))


def test_concurrent_writers_lose_nothing(tmp_path, monkeypatch):
    """Four processes finishing outputs at once: each appends to its own file; every
    output is indexed, every line parses, and -r trusts all of them."""
    data = str(tmp_path / 'arith.jsonl')
    with open(data, 'w') as f:
        f.write('{"question": "1+1", "answer": "2"}\n')
    run = str(tmp_path / 'run')
    ctx = multiprocessing.get_context('fork')
    procs = [ctx.Process(target=_writer, args=(run, data, k * 40, 40)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    files = os.listdir(index_dir(run))
    assert len(files) == 4
    for name in files:
        with open(os.path.join(index_dir(run), name)) as f:
            assert all(output_index.parse_line(line) for line in f)
    index = OutputIndex(run)
    assert len(index.entries) == 160 * 2
    datasets = [_dataset(data, f'd{i}') for i in range(160)]
    reads = SidecarReads(monkeypatch)
    assert answers(run, MODEL, datasets, index) == [(None, None)] * 160
    assert reads.n == 0
    assert index.compact() and os.listdir(index_dir(run)) == [output_index.COMPACT]
    assert len(OutputIndex(run).entries) == 320
