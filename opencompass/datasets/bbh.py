"""``BBHDataset`` and its evaluators: BIG-Bench Hard, exact match on the final answer.

Layout (github.com/suzgunmirac/BIG-Bench-Hard: ``bbh/`` and ``cot-prompts/``)::

    data/BBH/data/<task>.json         {"examples": [{"input": ..., "target": ...}]}
    data/BBH/lib_prompt/<task>.txt    the task's 3-shot chain-of-thought prompt

Rows are ``{input, target}``; with ``prompt_path`` (the ``lib_prompt`` folder) each row
also gets ``few_shot``, the task's prompt text, so configs need not read files
themselves. Multiple-choice targets look like ``(B)``; free-form ones are text.
"""
from __future__ import annotations

import os
import re
from typing import Any

from ..errors import DatasetError
from ..openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator
from ..registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS
from ..utils.datasets import get_data_path
from .base import BaseDataset, Rows
from .local_files import non_empty, read_json_file, read_text, require_file


@LOAD_DATASET.register_module()
class BBHDataset(BaseDataset):
    """``BBHDataset(path='./data/BBH/data', name='navigate', prompt_path='./data/BBH/lib_prompt')``."""

    DATA_HINT = ('copy bbh/*.json of https://github.com/suzgunmirac/BIG-Bench-Hard into '
                 'data/BBH/data/ and cot-prompts/*.txt into data/BBH/lib_prompt/, or set '
                 'path= (and prompt_path=) in the dataset config')

    @staticmethod
    def required_files(path: str = './data/BBH/data', name: str = '',
                       prompt_path: str | None = None, **_: Any) -> list[str]:
        path = get_data_path(path)  # an OpenCompass dataset id, or a path
        files = [os.path.join(path, f'{name}.json')]
        sibling = os.path.join(os.path.dirname(os.path.normpath(path)), 'lib_prompt', f'{name}.txt')
        if prompt_path:
            files.append(os.path.join(prompt_path, f'{name}.txt'))
        elif os.path.isfile(sibling):  # OpenCompass's layout: BBH/data and BBH/lib_prompt
            files.append(sibling)
        return files

    @staticmethod
    def load(path: str = './data/BBH/data', name: str = '', prompt_path: str | None = None,
             **_: Any) -> Rows:
        if not name:
            raise DatasetError('BBHDataset needs name=<task> (e.g. boolean_expressions)')
        files = BBHDataset.required_files(path, name, prompt_path)
        for file in files:
            require_file(file, 'BBH', BBHDataset.DATA_HINT)
        data = read_json_file(files[0])
        examples = data.get('examples') if isinstance(data, dict) else None
        if not isinstance(examples, list):
            raise DatasetError(f'{files[0]}: expected {{"examples": [{{"input", "target"}}]}}')
        few_shot = clean_prompt(read_text(files[1])) if len(files) > 1 else None
        rows = []
        for i, ex in enumerate(examples):
            if not isinstance(ex, dict) or 'input' not in ex or 'target' not in ex:
                raise DatasetError(f'{files[0]}: example {i + 1} needs "input" and "target"')
            row = {'input': ex['input'], 'target': str(ex['target'])}
            if few_shot is not None:
                row['few_shot'] = few_shot
            rows.append(row)
        return non_empty(rows, files[0])


def clean_prompt(text: str) -> str:
    """The prompt without the canary header that precedes a ``-----`` line, if any."""
    lines = text.splitlines()
    for i, line in enumerate(lines[:5]):
        if line.strip() == '-----':
            return '\n'.join(lines[i + 1:]).strip()
    return text.strip()


def _after_answer_is(text: str) -> str:
    """The text after the first ``answer is`` (the model's final answer), if any."""
    parts = re.split(r'(?i)answer is', text, maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else text.strip()


@TEXT_POSTPROCESSORS.register_module()
def bbh_mcq_postprocess(text: str) -> str:
    """``So the answer is (C).`` -> ``C``; a target ``(C)`` -> ``C``."""
    ans = _after_answer_is(text)
    m = re.search(r'\(([A-Z])\)', ans) or re.search(r'\b([A-Z])\b', ans)
    return m.group(1) if m else ans


@TEXT_POSTPROCESSORS.register_module()
def bbh_freeform_postprocess(text: str) -> str:
    """``So the answer is True.`` -> ``True``: first line after ``answer is``, no final
    period, markdown bold removed; an answer opening with yes/no/true/false is that word
    capitalised (``no, because ...`` -> ``No``); a word list loses its commas
    (``apple, banana`` -> ``apple banana``, as word_sorting targets are written)."""
    ans = _after_answer_is(text).split('\n', 1)[0].strip()
    bold = re.search(r'\*\*(.+?)\*\*', ans)
    if bold:
        ans = bold.group(1).strip()
    if ans.endswith('.'):
        ans = ans[:-1].strip()
    verdict = re.match(r'(?i)(yes|no|true|false)\b', ans)
    if not re.search(r'\d\s*,\s*\d', ans):  # not a number like 1,000
        ans = re.sub(r'\s*,\s*', ' ', ans)
    ans = verdict.group(1).capitalize() if verdict else ' '.join(ans.split())
    return ans


def _text(value: Any) -> str:
    """A prediction or target as text; a missing one is '' (never the word 'None')."""
    return '' if value is None else str(value)


@ICL_EVALUATORS.register_module()
class BBHEvaluator(BaseEvaluator):
    """Free-form BBH tasks: ``score`` = exact match of the extracted final answer."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        preds = [bbh_freeform_postprocess(_text(p)) for p in predictions]
        return self.per_sample(preds, references,
                               lambda p, r: p == str(r).strip(), 'score')


@ICL_EVALUATORS.register_module()
class BBHEvaluator_mcq(BaseEvaluator):  # noqa: N801 - OpenCompass's name
    """Multiple-choice BBH tasks: ``score`` = the extracted letter equals the target's."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        preds = [bbh_mcq_postprocess(_text(p)) for p in predictions]
        refs = [bbh_mcq_postprocess(_text(r)) for r in references]
        result = self.per_sample(preds, refs, lambda p, r: p == r, 'score')
        for d, ref in zip(result.get('details', []), references):
            d['answer'] = ref
        return result
