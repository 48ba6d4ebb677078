"""The summary's explanations, the HTML report in a real headless Chromium, and --compare."""
from __future__ import annotations

import glob
import json
import os
import shutil
import struct
import subprocess
from html import escape
from urllib.parse import quote

import pytest
from helpers import NAIVE, dataset_entries, model_entry, only_run, read_json, run_cli, write_config
from services import chromium_path, missing

CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
                  '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--window-size=1280,1800']


def chromium() -> str:
    path = chromium_path()
    if path is None:
        missing('browser', 'no chromium on PATH')
    return path


def browse(tmp_path, url: str, *mode: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f'chromium-profile-{len(list(tmp_path.iterdir()))}'
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, f'--user-data-dir={profile}', *mode, url],
                          capture_output=True, text=True, timeout=180, cwd=str(tmp_path))


@pytest.fixture(scope='module')
def finished_run(tmp_path_factory, tiny_model):
    """One real run of the tiny model (module-wide: the tests below only read it)."""
    from helpers import write_datasets
    tmp = tmp_path_factory.mktemp('report')
    data = tmp / 'data'
    data.mkdir()
    write_datasets(str(data))
    extra = ("lark_bot_url = 'https://open.feishu.cn/open-apis/bot/v2/hook/HOOK-SECRET'\n"
             "summary_groups = [dict(name='both', subsets=['arith', 'mc'])]\n")
    cfg = write_config(str(tmp / 'cfg.py'), [model_entry(tiny_model)], dataset_entries(str(data)),
                       infer=NAIVE, extra=extra)
    work = str(tmp / 'out')
    proc = run_cli(cfg, '-w', work)
    assert proc.returncode == 0, proc.stderr
    return cfg, work, only_run(work), proc


@pytest.mark.browser
def test_report_renders_table_chart_and_details_in_chromium(finished_run, tmp_path):
    cfg, work, run, proc = finished_run
    reports = glob.glob(os.path.join(run, 'summary', 'report_*.html'))
    assert len(reports) == 1
    html = open(reports[0], encoding='utf-8').read()
    assert 'http://' not in html.replace('http://www.w3.org/2000/svg', '')
    assert 'https://' not in html and '<link' not in html and ' src=' not in html
    assert 'HOOK-SECRET' not in html
    assert escape("lark_bot_url = '<redacted>'") in html  # the config, secrets redacted
    url = 'file://' + reports[0]
    shot = tmp_path / 'report.png'
    done = browse(tmp_path, url, f'--screenshot={shot}')
    assert shot.exists(), done.stderr[-2000:]
    width, height = struct.unpack('>II', shot.read_bytes()[16:24])  # PNG IHDR
    assert (width, height) == (1280, 1800)
    dom = browse(tmp_path, url, '--dump-dom').stdout
    assert '<table id="score-table"' in dom
    mc = read_json(os.path.join(run, 'results/tiny/mc.json'))['accuracy']
    assert f'<td class="num">{mc:.2f}</td>' in dom
    # the chart: one bar per (model, dataset) with a score; the group row has none of its own
    assert dom.count('<rect class="bar"') == 2 + 1
    assert f'tiny on mc (accuracy): {mc:.2f}' in dom
    # timings of every task, and details rendered by the page's script
    timings = dom.split('id="timings-table"')[1].split('</table>')[0]
    assert timings.count('<tr>') == 1 + 4  # header + infer and eval of two datasets
    assert '12 of 12 sample(s) shown' in dom
    assert dom.count('<tr class="wrong">') + dom.count('<tr class="right">') == 12
    # search and filter, preselected through the link
    view = f"{url}#dataset={quote('tiny / mc')}&show=correct"
    dom = browse(tmp_path, view, '--dump-dom').stdout
    correct = sum(1 for d in read_json(os.path.join(run, 'results/tiny/mc.json'))['details']
                  if d['correct'])
    assert f'{correct} of 10 sample(s) shown' in dom
    dom = browse(tmp_path, f"{url}#dataset={quote('tiny / arith')}&q=What%20is%202%20",
                 '--dump-dom').stdout
    arith = [json.loads(line) for line in open(os.path.join(os.path.dirname(cfg),
                                                            'data/arith.jsonl'))]
    expected = sum(1 for r in arith if r['question'].startswith('What is 2 '))
    assert f'{expected} of 12 sample(s) shown' in dom


def test_every_dash_says_why(finished_run, tmp_path):
    cfg, work, run, _ = finished_run
    copy = os.path.join(work, '20000101_000000')
    shutil.copytree(run, copy)
    os.remove(os.path.join(copy, 'results/tiny/arith.json'))          # predictions, no result
    shutil.rmtree(os.path.join(copy, 'results/tiny/.meta'), ignore_errors=True)
    for name in os.listdir(os.path.join(copy, 'predictions/tiny')):   # mc: nothing at all
        if name.startswith('mc'):
            os.remove(os.path.join(copy, 'predictions/tiny', name))
    os.remove(os.path.join(copy, 'results/tiny/mc.json'))
    proc = run_cli(cfg, '-w', work, '-m', 'viz', '-r', '20000101_000000')
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert '- [1] not evaluated' in out and '- [2] not run' in out and '- [3] incomplete' in out
    assert '[1] tiny/arith: not run: predictions are complete' in out
    assert '[3] tiny/both: no average: no score on arith, mc' in out
    md = open(max(glob.glob(os.path.join(copy, 'summary', 'summary_*.md')),
                  key=os.path.getmtime)).read()
    assert 'Why scores are missing' in md
    # inference killed after 5 samples: only its journal is left
    preds = os.path.join(copy, 'predictions/tiny')
    records = read_json(os.path.join(preds, 'arith.json'))
    os.remove(os.path.join(preds, 'arith.json'))
    os.makedirs(os.path.join(preds, '.journal'), exist_ok=True)
    with open(os.path.join(preds, '.journal', 'arith.jsonl'), 'w') as f:
        f.write(json.dumps({'fingerprint': 'x'}) + '\n')
        for sid in list(records)[:5]:
            f.write(json.dumps({'id': sid, 'record': records[sid]}) + '\n')
    proc = run_cli(cfg, '-w', work, '-m', 'viz', '-r', '20000101_000000')
    assert '- [1] partial 5/12' in proc.stdout, proc.stdout
    assert 'partial: 5 of 12 samples predicted; inference did not finish' in proc.stdout


def test_compare_two_runs_side_by_side(finished_run):
    cfg, work, run, _ = finished_run
    other = os.path.join(work, '20010101_000000')
    shutil.copytree(run, other)
    path = os.path.join(other, 'results/tiny/mc.json')
    result = read_json(path)
    before = result['accuracy']
    result.update(accuracy=before + 10, prompt_tokens=1234, completion_tokens=56)
    with open(path, 'w') as f:
        json.dump(result, f)
    proc = run_cli(cfg, '-w', work, '-m', 'viz', '-r', '20010101_000000', '--compare',
                   os.path.basename(run))
    assert proc.returncode == 0, proc.stderr
    comparison = proc.stdout.split('comparison: this run (20010101_000000) vs ')[1]
    line = next(ln for ln in comparison.splitlines() if ln.startswith('mc '))
    assert f'{before + 10:.2f}' in line and f'{before:.2f}' in line and '+10.00' in line
    assert 'tiny @20010101_000000' in proc.stdout
    assert glob.glob(os.path.join(other, 'summary', 'compare_*.csv'))
    html = open(max(glob.glob(os.path.join(other, 'summary', 'report_*.html')),
                    key=os.path.getmtime)).read()
    assert 'id="compare"' in html and '+10.00' in html
    # token counts where the results have them
    assert '1234' in proc.stdout and 'prompt_tokens' in proc.stdout
    bad = run_cli(cfg, '-w', work, '-m', 'viz', '-r', '--compare', '19990101_000000')
    assert bad.returncode != 0 and 'Traceback' not in bad.stderr
    assert 'error: --compare 19990101_000000: no such run' in bad.stderr
