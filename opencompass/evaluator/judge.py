"""The judge model of the LLM-as-judge evaluators: building it, prompting it, remembering its answers.

* :func:`resolve_judge_cfg` turns an evaluator's ``judge_cfg`` into a model config: the one
  given, else OpenCompass's ``OC_JUDGE_MODEL`` / ``OC_JUDGE_API_BASE`` / ``OC_JUDGE_API_KEY``
  environment variables; else a :class:`~opencompass.errors.ConfigError` naming the key to set.
* :class:`JudgePrompt` renders the grading prompt of one sample. The candidate's text is put
  in last, in one pass, so nothing in it is read as a placeholder (a prediction ``{answer}``
  stays that text), and the template's own ``<... Begin>``/``<... End>`` style markers are
  defused inside it so it cannot close its own section.
* :class:`JudgeSession` sends the prompts through the judge model (any model of the
  registry: OpenAISDK, HuggingFace...) with the generation inferencer, and journals every
  answer as it arrives, keyed by a hash of the prompt: an eval task killed and resumed with
  ``-r`` does not ask the judge again for what it already answered.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, TaskError
from ..openicl.icl_prompt_template import Prompt, PromptTemplate
from ..utils.logging import get_logger

if TYPE_CHECKING:
    from ..models.base import BaseModel

ENV_MODEL, ENV_BASE, ENV_KEY = 'OC_JUDGE_MODEL', 'OC_JUDGE_API_BASE', 'OC_JUDGE_API_KEY'
HOW_TO_SET = (f'set judge_cfg=dict(type=OpenAISDK, path=..., openai_api_base=..., key=...) in the '
              f'config (or a top-level judge_models=[...]), or export {ENV_MODEL} and {ENV_BASE} '
              f'(and {ENV_KEY}); see docs/llm-judge.md')
_TAG = re.compile(r'<[^<>\n]{1,80}>')


def env_judge_cfg() -> dict[str, Any] | None:
    """OpenCompass's default judge from the environment, or None when ``OC_JUDGE_MODEL`` is unset.
    The key stays a reference to its variable, so no secret enters a config or a task file."""
    model = os.environ.get(ENV_MODEL)
    if not model:
        return None
    return dict(type='OpenAISDK', abbr=f'judge-{model}', path=model,
                key=f'${ENV_KEY}' if os.environ.get(ENV_KEY) else 'EMPTY',
                openai_api_base=os.environ.get(ENV_BASE, 'https://api.openai.com/v1/'),
                temperature=0.0, max_out_len=4096, batch_size=32)


def resolve_judge_cfg(judge_cfg: dict[str, Any] | None, where: str) -> dict[str, Any]:
    """The judge model config to build, or a ConfigError saying which key to set."""
    if judge_cfg:
        if not isinstance(judge_cfg, dict) or 'type' not in judge_cfg:
            raise ConfigError(f'{where}.judge_cfg: expected a model config with a "type" key')
        return dict(judge_cfg)
    default = env_judge_cfg()
    if default is None:
        raise ConfigError(f'{where}.judge_cfg is empty: no judge model to ask; {HOW_TO_SET}')
    return default


def _template_text(prompt: Prompt) -> str:
    if isinstance(prompt, str):
        return prompt
    return '\n'.join(str(m.get('prompt', m.get('content', ''))) for m in prompt if isinstance(m, dict))


def _replace(prompt: Prompt, token: str, text: str) -> Prompt:
    if isinstance(prompt, str):
        return prompt.replace(token, text)
    out: list[dict[str, Any]] = []
    for item in prompt:
        new = dict(item)
        for key in ('prompt', 'content'):
            if isinstance(new.get(key), str):
                new[key] = new[key].replace(token, text)
        out.append(new)
    return out


def defuse(candidate: str, markers: set[str]) -> str:
    """``candidate`` with every marker of the template (``<Predicted End>``...) made inert."""
    for tag in sorted(markers, key=len, reverse=True):
        if tag in candidate:
            candidate = candidate.replace(tag, '\u2039' + tag[1:-1] + '\u203a')
    return candidate


class JudgePrompt:
    """Renders the grading prompt of one sample from its row, the reference and the candidate."""

    def __init__(self, template: PromptTemplate):
        self.template = template

    def render(self, row: dict[str, Any], prediction: str, reference: Any) -> Prompt:
        token = f'\x00candidate-{uuid.uuid4().hex}\x00'
        values = {**row, 'reference': reference, 'obj_gold': reference, 'prediction': token}
        from ..openicl.icl_raw_prompt_template import RawPromptTemplate
        if isinstance(self.template, RawPromptTemplate):
            filled: Prompt = self.template.generate_item(values)
        else:
            filled = self.template.generate_item(values, None, ice='', gen=False)
        if token not in _template_text(filled):
            raise ConfigError('the judge prompt_template has no {prediction} placeholder: the judge '
                              'would never see the answer it grades')
        markers = set(_TAG.findall(_template_text(filled).replace(token, '')))
        return _replace(filled, token, defuse(prediction, markers))


class _Prepared(PromptTemplate):
    """A template whose rows already hold their finished prompt (for the inferencer)."""

    def __init__(self) -> None:
        super().__init__('')

    def generate_item(self, entry: dict[str, Any], output_column: str | None = None, ice: str = '',
                      label: Any = None, gen: bool = False) -> Prompt:
        prompt: Prompt = entry['judge_prompt']
        return prompt


def prompt_key(judge_id: str, prompt: Prompt) -> str:
    blob = json.dumps([judge_id, prompt], sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


class JudgeSession:
    """Asks one judge model many prompts; answers are journaled at ``journal_path`` (if given)
    so a resumed eval task asks only what is still unanswered."""

    def __init__(self, judge_cfg: dict[str, Any], where: str, journal_path: str | None = None,
                 progress: Callable[[int, int], None] | None = None):
        cfg = dict(judge_cfg)
        self.postprocessor = cfg.pop('pred_postprocessor', None)
        self.cfg = cfg
        self.where = where
        self.journal_path = journal_path
        self.progress = progress
        from ..utils.serialize import fingerprint, redact, to_plain
        self.judge_id = fingerprint(redact(to_plain(cfg)))  # no secret in it, stable across runs

    def _model(self) -> BaseModel:
        from ..registry import MODELS, build
        get_logger().info('loading judge model %s', self.cfg.get('abbr') or self.cfg.get('path'))
        return build(self.cfg, MODELS, where=f'{self.where}.judge_cfg')

    def ask(self, prompts: list[Prompt]) -> list[dict[str, Any]]:
        """One record per prompt: ``{'origin_prompt', 'prediction', ...}`` (the judge's answer)."""
        from ..openicl.icl_inferencer.icl_base_inferencer import Sample
        from ..openicl.icl_inferencer.icl_gen_inferencer import GenInferencer
        from ..utils.fileio import Journal
        keys = [prompt_key(self.judge_id, p) for p in prompts]
        journal = Journal(self.journal_path, self.judge_id,
                          label=f'judge:{os.path.basename(self.journal_path)}') \
            if self.journal_path else None
        done: dict[str, Any] = {k: r for k, r in (journal.load() if journal else {}).items()
                                if not r.get('failed')}
        todo = {k: p for k, p in zip(keys, prompts) if k not in done}
        if done:
            get_logger().info('judge: %d answer(s) reused from an earlier attempt, %d to ask',
                              len(set(keys) & set(done)), len(todo))
        total = len(set(keys))
        if todo:
            if journal:
                journal.open(keep=bool(done))
            failed: dict[str, Any] = {}

            def on_done(records: dict[str, Any]) -> None:
                ok = {k: r for k, r in records.items() if not r.get('failed')}
                failed.update({k: r for k, r in records.items() if r.get('failed')})
                if journal and ok:
                    journal.append(ok)
                done.update(ok)
                if self.progress:
                    self.progress(len(done), total)

            samples = [Sample(id=k, entry={'judge_prompt': p}, ice='', gold=None)
                       for k, p in todo.items()]
            try:
                GenInferencer().infer(self._model(), samples, _Prepared(), None, None, on_done)
            finally:
                if journal:
                    journal.close()
            if failed:
                first = next(iter(failed.values())).get('error', 'unknown')
                raise TaskError(f'{self.where}: the judge model failed on {len(failed)} of '
                                f'{len(todo)} prompt(s) (first error: {first}); the answers it '
                                'gave are kept: run again with -r to ask only the rest')
        out = []
        for k in keys:
            record = dict(done[k])
            response = record.get('prediction')
            response = response if isinstance(response, str) else ''
            if self.postprocessor:
                from ..registry import TEXT_POSTPROCESSORS
                kwargs = dict(self.postprocessor)
                fn = TEXT_POSTPROCESSORS.get(kwargs.pop('type'),
                                             where=f'{self.where}.judge_cfg.pred_postprocessor')
                response = fn(response, **kwargs)
            record['prediction'] = response
            out.append(record)
        return out

    def finish(self) -> None:
        """Drop the journal once the results that hold every answer are written."""
        if self.journal_path and os.path.exists(self.journal_path):
            os.unlink(self.journal_path)
