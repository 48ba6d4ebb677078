"""InternLM-Math's flavour of MATH: ``MATHInternDataset``, ``math_intern_postprocess``,
``MATHInternEvaluator``.

The data and the comparison are MATH's (:mod:`opencompass.datasets.math`); only the answer
extraction differs: the text after "The final answer is", "The answer is", "# Answer" or
"####", else the last ``\\boxed{}``; a reply with none of these has no answer (scored wrong).
"""
from __future__ import annotations

import re

from ..registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS
from .math import MATHDataset, MATHEvaluator, extract_boxed_answer

__all__ = ['MATHInternDataset', 'MATHInternEvaluator', 'math_intern_postprocess']

_MARKERS = ('The final answer is', 'The answer is:', 'The answer is', '# Answer', '####')


@LOAD_DATASET.register_module()
class MATHInternDataset(MATHDataset):
    """``MATHInternDataset(path=...)``: MATH's problems; ``path`` is the data folder or the json file."""


@ICL_EVALUATORS.register_module()
class MATHInternEvaluator(MATHEvaluator):
    """``accuracy``: MATH's equivalence of the extracted answer and the reference."""


def _clean(text: str) -> str:
    text = text.strip().replace('{{', '{').replace('}}', '}')
    text = re.split(r'\n\s*\n', text)[0].strip()  # the answer line, not what follows it
    if text.startswith('$') and '$' in text[1:]:
        text = text[1:text.index('$', 1)]
    return text.strip().rstrip('.。').strip()


@TEXT_POSTPROCESSORS.register_module()
def math_intern_postprocess(text: str) -> str:
    """The answer after the first marker found ("The final answer is $X$." -> ``X``),
    else the last box's content, else ``''``."""
    text = str(text).split('\n\nQuestion:')[0]
    for marker in _MARKERS:
        at = text.find(marker)
        if at >= 0:
            found = _clean(text[at + len(marker):].lstrip(': '))
            if found:
                return found
    return extract_boxed_answer(text) or ''
