"""The docs checked against the repository: every page reachable from the README, every
relative link resolving, the README's flags table and ``run.py --help`` naming the same flags.

Shown failing once each: a page added under docs/ without a README link; a link to
``docs/nope.md``; ``--qos`` missing from the table (before this test, the README table lacked
``--qos`` and ``--compare``, both in ``run.py --help``).
"""
from __future__ import annotations

import glob
import os
import re

from helpers import ROOT

from opencompass.cli import build_parser

README = os.path.join(ROOT, 'README.md')
DOCS = os.path.join(ROOT, 'docs')
# Pages written on branches merged together with this one; a README link to one of them may
# dangle only while the page does not exist (remove this set once they are all merged).
LINK = re.compile(r'\[[^\]]*\]\(([^)\s]+)\)')


def _read(path: str) -> str:
    with open(path, encoding='utf-8') as f:
        return f.read()


def _pages() -> list[str]:
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(DOCS, '*.md')))


def _links(path: str) -> list[str]:
    """Relative link targets in a Markdown file (no URLs, no in-page anchors)."""
    text = re.sub(r'```.*?```', '', _read(path), flags=re.S)  # not inside code blocks
    return [t for t in LINK.findall(text) if not re.match(r'[a-z]+:', t) and not t.startswith('#')]


def test_every_docs_page_is_linked_from_the_readme():
    linked = {os.path.normpath(t.split('#')[0]) for t in _links(README)}
    missing = [p for p in _pages() if os.path.join('docs', p) not in linked]
    assert missing == [], f'docs pages not linked from README.md: {missing}'


def test_every_relative_link_resolves():
    broken = []
    for path in [README, *glob.glob(os.path.join(DOCS, '*.md'))]:
        for target in _links(path):
            file = os.path.normpath(os.path.join(os.path.dirname(path), target.split('#')[0]))
            if os.path.exists(file):
                continue
            broken.append(f'{os.path.relpath(path, ROOT)} -> {target}')
    assert broken == [], broken


def _table_flags() -> list[set[str]]:
    """The option strings of each row of the README's flags table."""
    rows = [ln for ln in _read(README).splitlines() if re.match(r'\|\s*`-', ln)]
    return [set(re.findall(r'(?<![\w-])(--?[A-Za-z][\w-]*)', ln.split('|')[1])) for ln in rows]


def _cli_options() -> list[list[str]]:
    return [a.option_strings for a in build_parser()._actions
            if a.option_strings and '--help' not in a.option_strings]


def test_readme_flags_table_matches_run_py_help():
    known = {o for opts in _cli_options() for o in opts}
    rows = _table_flags()
    in_table = set().union(*rows)
    unknown = sorted(in_table - known)
    assert unknown == [], f'README flags table names options run.py does not have: {unknown}'
    undocumented = [opts for opts in _cli_options() if not set(opts) & in_table]
    assert undocumented == [], f'run.py options without a row in the README table: {undocumented}'


def test_every_flag_the_readme_mentions_exists():
    text = _read(README)
    known = {o for a in build_parser()._actions for o in a.option_strings}  # --help too
    mentioned = set(re.findall(r'(?<![\w/-])(--[a-z][\w-]*)', text))
    assert sorted(mentioned - known) == []
