"""``GenericLLMEvaluator``: a judge model grades each prediction against the reference."""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError, TaskError
from ..openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator, is_blank
from ..registry import DICT_POSTPROCESSORS, ICL_EVALUATORS, ICL_PROMPT_TEMPLATES, TEXT_POSTPROCESSORS, build
from .judge import JudgePrompt, JudgeSession, resolve_judge_cfg


def rows_of(test_set: Any, n: int) -> list[dict[str, Any]]:
    """The test rows as dicts (a list of dicts, or a ``datasets.Dataset``); empty rows if None."""
    if test_set is None:
        return [{} for _ in range(n)]
    if hasattr(test_set, 'to_list'):
        test_set = test_set.to_list()
    rows = [dict(r) for r in test_set]
    if len(rows) != n:
        raise TaskError(f'the judge got {len(rows)} test rows for {n} predictions')
    return rows


@ICL_EVALUATORS.register_module()
class GenericLLMEvaluator(BaseEvaluator):
    """Each prediction is graded by a judge model (``judge_cfg``, any model config).

    ``prompt_template`` is filled per sample from the test row, ``{reference}`` (the
    reference after the dataset postprocessor) and ``{prediction}`` (the candidate's
    answer, after ``pred_postprocessor``); the judge's answers go through
    ``dict_postprocessor`` (default :func:`generic_llmjudge_postprocess`: ``A`` correct,
    ``B`` incorrect). A blank prediction is wrong without asking the judge. Details keep
    every judge prompt and answer. ``dataset_cfg`` is accepted for OpenCompass configs:
    the rows come from the dataset being evaluated.
    """

    def __init__(self, prompt_template: dict[str, Any], judge_cfg: dict[str, Any] | None = None,
                 dataset_cfg: dict[str, Any] | None = None,
                 pred_postprocessor: dict[str, Any] | None = None,
                 dict_postprocessor: dict[str, Any] | None = None,
                 keep_predictions: bool = False, **_: Any):
        self.where = type(self).__name__
        self.prompt = JudgePrompt(build(prompt_template, ICL_PROMPT_TEMPLATES,
                                        where=f'{self.where}.prompt_template'))
        self.judge_cfg = dict(judge_cfg or {})
        self.dataset_cfg = dataset_cfg
        self.pred_postprocessor = pred_postprocessor
        self.dict_postprocessor = dict(dict_postprocessor or
                                       {'type': 'generic_llmjudge_postprocess'})
        self.journal_path: str | None = None
        self.progress: Callable[[int, int], None] | None = None
        self._session: JudgeSession | None = None

    # -- the eval task's hooks ---------------------------------------------------------
    def attach_eval_task(self, journal_path: str, progress: Callable[[int, int], None] | None = None,
                         where: str | None = None) -> None:
        """Where to journal the judge's answers (resume) and how to report progress."""
        self.journal_path = journal_path
        self.progress = progress
        if where:
            self.where = where

    def eval_task_done(self) -> None:
        """The results are written: the journal of judge answers is no longer needed."""
        if self._session:
            self._session.finish()

    # -- scoring -----------------------------------------------------------------------
    def pred_postprocess(self, predictions: list[Any]) -> list[Any]:
        if not self.pred_postprocessor:
            return list(predictions)
        kwargs = dict(self.pred_postprocessor)
        fn = TEXT_POSTPROCESSORS.get(kwargs.pop('type'), where=f'{self.where}.pred_postprocessor')
        return [fn('' if p is None else str(p), **kwargs) for p in predictions]

    def judge(self, predictions: list[Any], references: list[Any],
              rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One record per sample: the judge prompt and answer (empty, not asked, when the
        prediction is blank)."""
        if self._session is None:
            cfg = resolve_judge_cfg(self.judge_cfg, self.where)
            self._session = JudgeSession(cfg, self.where, self.journal_path, self.progress)
        prompts: list[Any] = []
        asked: list[int] = []
        for i, (pred, ref, row) in enumerate(zip(predictions, references, rows)):
            if is_blank(pred) or is_blank(ref):
                continue
            prompts.append(self.prompt.render(row, str(pred), ref))
            asked.append(i)
        answers = self._session.ask(prompts) if prompts else []
        records: list[dict[str, Any]] = [
            {'prediction': '', 'judge_skipped': 'blank prediction' if is_blank(p) else
             'blank reference'} for p in predictions]
        for i, answer in zip(asked, answers):
            records[i] = {'origin_prompt': answer.get('origin_prompt'),
                          'prediction': answer.get('prediction', '')}
            if answer.get('usage'):
                records[i]['usage'] = answer['usage']
        return records

    def postprocess(self, output: dict[str, Any]) -> dict[str, Any]:
        kwargs = dict(self.dict_postprocessor)
        fn = DICT_POSTPROCESSORS.get(kwargs.pop('type'), where=f'{self.where}.dict_postprocessor')
        if 'dataset' in inspect.signature(fn).parameters:
            kwargs.setdefault('dataset', None)
        result: dict[str, Any] = fn(output, self.journal_path or '', **kwargs)
        return result

    def score(self, predictions: list[Any], references: list[Any],
              test_set: Any = None) -> dict[str, Any]:
        error = self.check_lengths(predictions, references)
        if error:
            return error
        preds = self.pred_postprocess(predictions)
        records = self.judge(preds, references, rows_of(test_set, len(preds)))
        output = {str(i): {**rec, 'gold': ref} for i, (rec, ref) in enumerate(zip(records, references))}
        result = self.postprocess(output)
        details = result.get('details')
        if isinstance(details, dict):
            details = [details.get(str(i), {}) for i in range(len(preds))]
        if not isinstance(details, list) or len(details) != len(preds):
            raise ConfigError(f'{self.where}.dict_postprocessor: expected details for each of the '
                              f'{len(preds)} samples')
        out = []
        for pred, ref, rec, d in zip(preds, references, records, details):
            d = dict(d) if isinstance(d, dict) else {}
            correct = bool(d.get('correct')) and not is_blank(pred) and not is_blank(ref)
            entry = {'pred': pred, 'answer': ref, 'correct': correct,
                     'verdict': d.get('grade_letter', 'unknown'),
                     'judge_prompt': rec.get('origin_prompt'), 'judge_response': rec.get('prediction')}
            if rec.get('judge_skipped'):
                entry['judge_skipped'] = rec['judge_skipped']
            out.append(entry)
        result['details'] = out
        usages = [r['usage'] for r in records if isinstance(r.get('usage'), dict)]
        for key in ('prompt_tokens', 'completion_tokens') if usages else ():
            result[f'judge_{key}'] = sum(int(u.get(key) or 0) for u in usages)
        return result


def correct_flags(result: dict[str, Any]) -> list[bool]:
    """Per-sample correctness from an evaluator's details."""
    details = result.get('details')
    if not isinstance(details, list):
        return []
    return [bool(d.get('correct')) if isinstance(d, dict) else False for d in details]


def required(cfg: Any, where: str) -> dict[str, Any]:
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ConfigError(f'{where}: expected an evaluator config with a "type" key')
    return dict(cfg)
