"""``-r`` with nothing changed copies the last summary and report; any change rebuilds them.

Real runs of ``run.py`` with ``benchmarks/fake_model.ConstantModel`` (nothing is loaded).
Shown failing before passing: with ``inputs_digest`` leaving the result files out of the
digest, the edited result's score never reached the summary (the old table was copied).
"""
from __future__ import annotations

import glob
import json
import os
import sys

from helpers import ROOT, run_cli

sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
from scale import write_inputs  # noqa: E402

ENV = {'PYTHONPATH': os.pathsep.join([os.path.join(ROOT, 'benchmarks'), ROOT])}
COPIED = 'summary and report unchanged'


def _run(cfg: str, work: str, *args: str) -> str:
    proc = run_cli(cfg, '-w', work, *args, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _newest(run_dir: str, pattern: str) -> str:
    return sorted(glob.glob(os.path.join(run_dir, 'summary', pattern)))[-1]


def test_summary_is_copied_when_nothing_changed_and_rebuilt_otherwise(tmp_path):
    cfg = write_inputs(str(tmp_path), 2, 3, 4)
    work = str(tmp_path / 'work')
    first = _run(cfg, work)
    assert COPIED not in first
    (run_name,) = os.listdir(work)
    run_dir = os.path.join(work, run_name)
    # the finished run left one index file (merged by the driver) and the summary's digest
    assert os.listdir(os.path.join(run_dir, 'status', 'index')) == ['index.idx']
    assert os.path.exists(os.path.join(run_dir, 'status', 'summary_cache.json'))
    with open(_newest(run_dir, 'summary_*.txt')) as f:
        table = f.read()

    again = _run(cfg, work, '-r')
    assert 'infer: nothing to do' in again and 'eval: nothing to do' in again
    assert COPIED in again
    assert table.strip() in again  # printed as before
    with open(_newest(run_dir, 'summary_*.txt')) as f:
        assert f.read() == table
    report = _newest(run_dir, 'report_*.html')
    with open(report) as f:
        assert f"report written {os.path.basename(report)[7:-5]} &middot;" in f.read()

    # a result edited by hand (nothing fingerprints a result's own bytes): a new table
    result = os.path.join(run_dir, 'results', 'm001', 'd002.json')
    with open(result) as f:
        data = json.load(f)
    data['accuracy'] = 42.0
    with open(result, 'w') as f:
        json.dump(data, f)
    edited = _run(cfg, work, '-r')
    assert COPIED not in edited
    assert '42.00' in edited
    with open(_newest(run_dir, 'summary_*.csv')) as f:
        assert '42.00' in f.read()

    # a deleted result is redone, and the summary rebuilt from it
    os.unlink(result)
    redone = _run(cfg, work, '-r')
    assert 'eval: 1 task(s)' in redone and COPIED not in redone
    assert '42.00' not in redone
    assert COPIED in _run(cfg, work, '-r')


def test_missing_scores_list_each_predictions_folder_once(tmp_path, monkeypatch):
    """Explaining N missing scores of a model lists its folders once, not once per dataset
    (was quadratic: 50,000 missing results listed 500-file folders 100,000 times). Shown
    failing before: 2 listings per dataset (12 here)."""
    from opencompass.summarizers import missing
    folder = tmp_path / 'predictions' / 'm'
    (folder / '.journal').mkdir(parents=True)
    (folder / 'd0.json').write_text('{"0": {}, "1": {}}')
    (folder / 'd1_0.json').write_text('{"0": {}}')
    (folder / 'd1_1.json').write_text('{"1": {}, "2": {}}')
    (folder / 'd1_x.json').write_text('{"9": {}}')      # not a part of d1
    (folder / 'd10.json').write_text('{"0": {}}')       # another dataset
    (folder / '.journal' / 'd2.jsonl').write_text('{"fingerprint": "f"}\n{"id": 0, "record": {}}\n')
    calls = []
    real = os.listdir
    monkeypatch.setattr(missing.os, 'listdir', lambda p: calls.append(p) or real(p))
    explainer = missing.MissingExplainer(str(tmp_path))
    model = {'abbr': 'm'}
    got = [explainer.samples_predicted(model, {'abbr': f'd{i}'})[0] for i in range(6)]
    assert got == [2, 3, 1, 0, 0, 0]
    assert len(calls) == 2
