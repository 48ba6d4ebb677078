"""OpenCompass's own unit tests on the components both projects share, run against ours.

Usage::

    OPENCOMPASS_REPO=/path/to/opencompass-checkout python benchmarks/compat_unit_tests.py [--md]

The test files listed in ``SHARED`` are copied from the checkout to a temporary directory
at run time (nothing of OpenCompass's is kept here) and run with pytest, one file at a
time, with this repository first on ``PYTHONPATH`` so ``import opencompass`` is ours. The
table gives, per file, the tests it defines (counted from its source, so a file that fails
at import counts all its tests as failed) and how many passed; ``--md`` prints it as a
markdown table. A missing checkout is a skip (exit 0) unless ``CI`` is set.
"""
from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# OpenCompass's tests of components this project also ships (paths under tests/)
SHARED = (
    'utils/test_text_postprocessors.py',
    'prompt/test_prompt_list.py',
    'prompt/test_lm_template_parser.py',
    'prompt/test_api_template_parser.py',
    'openicl/test_prompt_template.py',
    'openicl/test_raw_prompt_template.py',
    'openicl/test_icl_base_inferencer.py',
    'partitioners/test_base_partitioner.py',
    'partitioners/test_naive.py',
    'partitioners/test_size.py',
    'summarizers/test_default.py',
    'models/test_base_model.py',
    'models/test_huggingface.py',
    'models/test_huggingface_above_v4_33.py',
    'datasets/test_bbh.py',
    'datasets/test_humaneval.py',
    'evaluator/test_cascade_evaluator.py',
)


def count_tests(path: str) -> int:
    """``test*`` functions and ``Test*`` class methods defined in a file."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read())
    n = 0
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith('test'):
            n += 1
        elif isinstance(node, ast.ClassDef) and node.name.startswith('Test'):
            n += sum(1 for b in node.body if isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and b.name.startswith('test'))
    return n


def run_file(src: str, workdir: str, rel: str) -> tuple[int, int, str]:
    """(tests defined, tests passed, first failure line) for one copied test file."""
    dst = os.path.join(workdir, 'tests', rel)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)
    total = count_tests(dst)
    report = dst + '.xml'
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get('PYTHONPATH', '')]))
    env.pop('OPENCOMPASS_CONFIGS', None)
    ini = os.path.join(workdir, 'pytest.ini')
    proc = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-c', ini, '--rootdir', workdir,
                           '-p', 'no:cacheprovider', '-W', 'ignore', f'--junitxml={report}', dst],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    passed = 0
    if os.path.exists(report):
        for case in ET.parse(report).getroot().iter('testcase'):
            if not any(child.tag in ('failure', 'error', 'skipped') for child in case):
                passed += 1
    why = ''
    for line in (proc.stdout + proc.stderr).splitlines():
        if line.startswith('E ') or 'Error' in line:
            why = line.strip()[:100]
            break
    return total, min(passed, total), why


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--repo', default=os.environ.get('OPENCOMPASS_REPO'),
                        help='OpenCompass checkout (default: $OPENCOMPASS_REPO)')
    parser.add_argument('--md', action='store_true', help='print a markdown table')
    args = parser.parse_args()
    if not args.repo or not os.path.isdir(os.path.join(args.repo, 'tests')):
        print('skip: set OPENCOMPASS_REPO to an OpenCompass checkout (with tests/)')
        return 1 if os.environ.get('CI') else 0
    rows = []
    with tempfile.TemporaryDirectory(prefix='oc-unit-') as workdir:
        with open(os.path.join(workdir, 'pytest.ini'), 'w') as f:
            f.write('[pytest]\npython_files = test*.py\n')
        for rel in SHARED:
            src = os.path.join(args.repo, 'tests', rel)
            if not os.path.isfile(src):
                rows.append((rel, 0, 0, 'not in this checkout'))
                continue
            rows.append((rel, *run_file(src, workdir, rel)))
    total = sum(r[1] for r in rows)
    passed = sum(r[2] for r in rows)
    if args.md:
        print('| OpenCompass test file | tests | pass |')
        print('|---|---:|---:|')
        for rel, n, ok, _ in rows:
            print(f'| `tests/{rel}` | {n} | {ok} |')
        print(f'| **total** | **{total}** | **{passed}** ({100 * passed / max(total, 1):.0f} %) |')
    else:
        for rel, n, ok, why in rows:
            print(f'{rel:45s} {ok:3d}/{n:<3d} {why if ok < n else ""}')
        print(f'{"total":45s} {passed:3d}/{total:<3d} ({100 * passed / max(total, 1):.0f} %)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
