"""``CascadeEvaluator``: a rule evaluator first, a judge model for what the rule rejects."""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError
from ..openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator, is_blank
from ..registry import ICL_EVALUATORS, TEXT_POSTPROCESSORS, build
from ..utils.logging import get_logger
from .generic_llm_evaluator import GenericLLMEvaluator, correct_flags, required, rows_of


def pct(k: int, m: int) -> float:
    return 100.0 * k / m if m else 0.0


@ICL_EVALUATORS.register_module()
class CascadeEvaluator(BaseEvaluator):
    """``rule_evaluator`` scores every sample; with ``parallel=False`` only the samples it
    marks wrong go to ``llm_evaluator`` (a :class:`GenericLLMEvaluator`), with
    ``parallel=True`` every sample does. A sample is correct when the rule or the judge
    says so. Each detail holds ``rule_evaluation``, ``llm_evaluation`` (when the judge was
    asked) and ``decided_by`` (``'rule'`` or ``'llm'``); ``cascade_stats`` counts both.
    ``sample_score_fn(prediction, reference, row)`` may replace the rule evaluator.
    """

    def __init__(self, llm_evaluator: dict[str, Any], rule_evaluator: dict[str, Any] | None = None,
                 sample_score_fn: Callable[..., Any] | None = None, parallel: bool = True,
                 **_: Any):
        llm_cfg = required(llm_evaluator, 'CascadeEvaluator.llm_evaluator')
        llm = build(llm_cfg, ICL_EVALUATORS, where='CascadeEvaluator.llm_evaluator')
        if not isinstance(llm, GenericLLMEvaluator):
            raise ConfigError('CascadeEvaluator.llm_evaluator: expected a GenericLLMEvaluator, got '
                              f'{type(llm).__name__}')
        self.llm_evaluator: GenericLLMEvaluator = llm
        self.llm_evaluator.where = 'CascadeEvaluator.llm_evaluator'
        self.rule_postprocessor = None
        self.rule_evaluator: BaseEvaluator | None = None
        if rule_evaluator:
            rule_cfg = required(rule_evaluator, 'CascadeEvaluator.rule_evaluator')
            cls = ICL_EVALUATORS.get(rule_cfg['type'], where='CascadeEvaluator.rule_evaluator.type')
            if 'pred_postprocessor' not in inspect.signature(cls).parameters:
                self.rule_postprocessor = rule_cfg.pop('pred_postprocessor', None)
            self.rule_evaluator = build(rule_cfg, ICL_EVALUATORS,
                                        where='CascadeEvaluator.rule_evaluator')
        self.sample_score_fn = sample_score_fn
        if self.rule_evaluator is None and sample_score_fn is None:
            raise ConfigError('CascadeEvaluator: needs a rule_evaluator (or a sample_score_fn)')
        self.parallel = bool(parallel)

    def attach_eval_task(self, journal_path: str, progress: Callable[[int, int], None] | None = None,
                         where: str | None = None) -> None:
        self.llm_evaluator.attach_eval_task(journal_path, progress,
                                            f'{where}.llm_evaluator' if where else None)

    def eval_task_done(self) -> None:
        self.llm_evaluator.eval_task_done()

    def sample_score(self, prediction: Any, reference: Any, test_set: Any = None) -> dict[str, Any]:
        """OpenCompass's one-sample rule check: ``sample_score_fn`` or the rule evaluator on
        ``[prediction]`` (with ``test_set=[row]`` when its ``score`` takes it); a detail dict
        with ``correct``."""
        if self.sample_score_fn is not None:
            got = self.sample_score_fn(prediction, reference, test_set)
            return dict(got) if isinstance(got, dict) else \
                {'pred': prediction, 'answer': reference, 'correct': bool(got)}
        assert self.rule_evaluator is not None
        score: Any = self.rule_evaluator.score
        extra = {'test_set': [test_set]} if 'test_set' in inspect.signature(score).parameters else {}
        result = score([prediction], [reference], **extra)
        details = result.get('details') if isinstance(result, dict) else None
        if isinstance(details, list) and details and isinstance(details[0], dict):
            return dict(details[0])
        return {'pred': prediction, 'answer': reference,
                'correct': bool(isinstance(result, dict) and result.get('accuracy', 0) > 0)}

    def _rule(self, predictions: list[Any], references: list[Any],
              rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.rule_evaluator is None:
            assert self.sample_score_fn is not None
            out = []
            for p, r, row in zip(predictions, references, rows):
                got = self.sample_score_fn(p, r, row)
                d = dict(got) if isinstance(got, dict) else {'pred': p, 'answer': r, 'correct': bool(got)}
                d['correct'] = bool(d.get('correct')) and not is_blank(p) and not is_blank(r)
                out.append(d)
            return out
        preds = predictions
        if self.rule_postprocessor:
            kwargs = dict(self.rule_postprocessor)
            fn = TEXT_POSTPROCESSORS.get(kwargs.pop('type'),
                                         where='CascadeEvaluator.rule_evaluator.pred_postprocessor')
            preds = [fn('' if p is None else str(p), **kwargs) for p in predictions]
        score: Any = self.rule_evaluator.score
        extra = {'test_set': rows} if 'test_set' in inspect.signature(score).parameters else {}
        result = score(preds, references, **extra)
        if 'error' in result:
            raise ConfigError(f"CascadeEvaluator.rule_evaluator failed: {result['error']}")
        flags = correct_flags(result)
        if len(flags) != len(predictions):
            raise ConfigError(f'CascadeEvaluator.rule_evaluator: {type(self.rule_evaluator).__name__}'
                              ' gives no per-sample details with "correct", so the cascade cannot '
                              'tell which samples to send to the judge')
        details = result['details']
        return [{**(d if isinstance(d, dict) else {}), 'correct': ok and not is_blank(p)}
                for d, ok, p in zip(details, flags, preds)]

    def score(self, predictions: list[Any], references: list[Any],
              test_set: Any = None) -> dict[str, Any]:
        error = self.check_lengths(predictions, references)
        if error:
            return error
        n = len(predictions)
        rows = rows_of(test_set, n)
        rule = self._rule(predictions, references, rows)
        to_judge = [i for i, d in enumerate(rule) if self.parallel or not d['correct']]
        get_logger().info('cascade: the rule accepts %d of %d; %d sample(s) go to the judge',
                          sum(d['correct'] for d in rule), n, len(to_judge))
        judged: dict[int, dict[str, Any]] = {}
        extra: dict[str, Any] = {}
        if to_judge:
            llm = self.llm_evaluator
            sub = llm.score([predictions[i] for i in to_judge], [references[i] for i in to_judge],
                            [rows[i] for i in to_judge])
            if 'error' in sub:
                raise ConfigError(f"CascadeEvaluator.llm_evaluator failed: {sub['error']}")
            judged = dict(zip(to_judge, sub['details']))
            extra = {k: v for k, v in sub.items() if k.startswith('judge_')}
        details = []
        final = rule_ok = llm_ok = 0
        for i, d in enumerate(rule):
            entry: dict[str, Any] = {'rule_evaluation': d}
            ok = d['correct']
            decided = 'rule'
            if i in judged:
                j = judged[i]
                entry['llm_evaluation'] = j
                llm_ok += bool(j['correct'])
                if not ok and j['correct']:
                    decided = 'llm'
                elif not ok:
                    decided = 'llm' if not j.get('judge_skipped') else 'rule'
                ok = ok or bool(j['correct'])
            rule_ok += d['correct']
            final += ok
            entry.update(correct=ok, cascade_correct=ok, decided_by=decided,
                         pred=d.get('pred', predictions[i]), answer=references[i])
            details.append(entry)
        return {'accuracy': pct(final, n), **extra,
                'cascade_stats': {'total_samples': n, 'rule_correct': rule_ok,
                                  'rule_accuracy': pct(rule_ok, n), 'llm_evaluated': len(judged),
                                  'llm_correct': llm_ok, 'llm_accuracy': pct(llm_ok, len(judged)),
                                  'final_correct': final, 'final_accuracy': pct(final, n),
                                  'parallel_mode': self.parallel},
                'details': details}
