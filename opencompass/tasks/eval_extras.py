"""The eval task's optional steps: self-consistency votes and ``model_postprocessor``.

* A prediction that is a list (``SCInferencer``'s ``sc_size`` generations) is postprocessed
  generation by generation and replaced by the majority answer (``self_consistency.vote``).
* ``eval_cfg.model_postprocessor`` names a function that takes every prediction record
  (``origin_prompt``, ``prediction``, ``gold``, ``reference``) and returns one extracted answer
  per record; the evaluator scores those too, as ``model_postprocess_<metric>``.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..registry import TEXT_POSTPROCESSORS
from .self_consistency import vote


def postprocess_each(raw: list[Any], process: Callable[[list[Any]], list[Any]]
                     ) -> tuple[list[Any], list[dict[str, int] | None]]:
    """``process`` applied to every plain prediction and to every generation of a list
    prediction, lists then voted: ``(predictions, votes per sample or None)``."""
    flat: list[Any] = []
    spans: list[tuple[int, int] | None] = []
    for value in raw:
        if isinstance(value, list):
            spans.append((len(flat), len(flat) + len(value)))
            flat.extend(value)
        else:
            spans.append(None)
            flat.append(value)
    done = process(flat)
    if len(done) != len(flat):
        from ..errors import TaskError
        raise TaskError(f'a postprocessor returned {len(done)} values for {len(flat)} predictions')
    out: list[Any] = []
    votes: list[dict[str, int] | None] = []
    pos = 0
    for span in spans:
        if span is None:
            out.append(done[pos])
            votes.append(None)
            pos += 1
        else:
            winner, table = vote(done[span[0]:span[1]])
            out.append(winner)
            votes.append(table)
            pos = span[1]
    return out, votes


def model_postprocess(cfg: dict[str, Any], records: list[dict[str, Any]], refs: list[Any],
                      journal: str | None, where: str) -> list[Any]:
    """The answers ``eval_cfg.model_postprocessor`` extracts from ``records``."""
    cfg = dict(cfg)
    fn = TEXT_POSTPROCESSORS.get(cfg.pop('type'), where=f'{where}.type')
    items: list[dict[str, Any]] = []
    for rec, ref in zip(records, refs):
        pred = rec.get('prediction', '')
        base = {'origin_prompt': rec.get('origin_prompt'), 'gold': rec.get('gold'), 'reference': ref}
        if isinstance(pred, list):
            items.extend({**base, 'prediction': p} for p in pred)
        else:
            items.append({**base, 'prediction': '' if rec.get('failed') else pred})
    if journal and 'journal' not in cfg and _takes(fn, 'journal'):
        cfg['journal'] = journal
    answers = list(fn(items, **cfg))
    if len(answers) != len(items):
        from ..errors import TaskError
        raise TaskError(f'{where}: returned {len(answers)} answers for {len(items)} predictions')
    out: list[Any] = []
    pos = 0
    for rec in records:
        pred = rec.get('prediction', '')
        if isinstance(pred, list):
            out.append(vote(answers[pos:pos + len(pred)])[0])
            pos += len(pred)
        else:
            out.append('' if rec.get('failed') else answers[pos])
            pos += 1
    return out


def _takes(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
