"""Names are names: an ``abbr`` that is a path, or two that would share an output file, is
rejected before anything runs (exit 2, one line naming it), and nothing is created anywhere.

Shown failing before the fix (``git stash`` of opencompass/): ``/abs/dir`` and ``../`` abbrs
wrote outside the work dir with exit 0, and the colliding pairs ran and shared files.
"""
from __future__ import annotations

import os

import pytest
from api_servers import FakeOpenAI
from helpers import dataset_entries, run_cli, write_config


def tree(root: str) -> dict[str, float]:
    out = {}
    for path, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(path, name)
            out[os.path.relpath(full, root)] = os.lstat(full).st_mtime
    return out


def api(abbr: str | None, base: str) -> str:
    opts = dict(path='fake', openai_api_base=base, key='EMPTY', max_out_len=6, retry=0)
    if abbr is not None:
        opts['abbr'] = abbr
    return f"dict(type='OpenAISDK', **{opts!r})"


def arith(data_dir: str, abbr: str) -> str:
    entry = dataset_entries(data_dir).split("    dict(abbr='mc'")[0] + ']'
    return entry.replace("dict(abbr='arith'", f'dict(abbr={abbr!r}')


CASES = {  # id: (model abbrs, dataset abbrs, words the error must contain)
    'absolute': (['{outside}'], ['arith'], ['a slash']),
    'dotdot': (['m'], ['../../../other_run/arith'], ['a slash']),
    'dot': (['..'], ['arith'], ['names a directory']),
    'backslash': (['m'], ['a\\b'], ['a backslash']),
    'newline': (['m\nINFO all good'], ['arith'], ['control']),
    'empty': ([''], ['arith'], ['empty']),
    'long': (['m' * 300], ['arith'], ['longer than']),
    'pair': (['m', 'm/a'], ['a/b', 'b'], ['a slash']),
    'shared task file': (['a.b', 'a'], ['c', 'b.c'], ["('a.b', 'c') and ('a', 'b.c')"]),
    'case': (['m'], ['gsm8k', 'GSM8K'], ['differ only in case']),
    'part': (['m'], ['arith', 'arith_0'], ['part 0']),
}


@pytest.mark.parametrize('case', list(CASES))
def test_path_like_and_colliding_abbrs_are_rejected_and_nothing_is_created(case, data_dir,
                                                                             tmp_path):
    models, datasets, words = CASES[case]
    outside = str(tmp_path / 'outside')
    with FakeOpenAI() as fake:
        entries = [api(m.format(outside=outside), fake.base_url) for m in models]
        ds = '[' + ', '.join(arith(data_dir, d)[1:-1].strip().rstrip(',') for d in datasets) + ']'
        cfg = write_config(str(tmp_path / 'cfg.py'), entries, ds)
        work = tmp_path / 'runs' / 'work'
        work.mkdir(parents=True)
        before = tree(str(tmp_path))
        proc = run_cli(cfg, '-w', str(work))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert tree(str(tmp_path)) == before
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith('error: ') and 'Traceback' not in proc.stderr, proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr
    assert not os.path.exists(outside)


def test_abbrs_derived_from_paths_are_safe_names(tmp_path, data_dir):
    """A model without abbr gets one from its path; even '..' or '/' become plain names."""
    from opencompass.utils.abbr import model_abbr
    from opencompass.utils.names import abbr_problem
    for path in ('..', '.', '/', 'org/..', '/models/../..', 'a b/c\nd'):
        assert abbr_problem(model_abbr({'path': path})) is None, path
