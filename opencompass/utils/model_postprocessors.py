"""Model postprocessors: an LLM behind an OpenAI-compatible endpoint extracts each answer.

Named by ``eval_cfg.model_postprocessor`` (OpenCompass's key). The eval task scores the
predictions as usual, then again with the answers these functions extract, and writes the
second scores as ``model_postprocess_<metric>`` (see docs/scoring.md).

* :func:`navie_model_postprocess` (OpenCompass's spelling; ``naive_model_postprocess`` too):
  any chat model, told what to extract by ``custom_instruction``.
* :func:`xfinder_postprocess`: an xFinder model (IAAR-Shanghai/xFinder-qwen1505 or
  -llama38it served by vLLM/LMDeploy), given the question, the output and the answer range
  of ``question_type`` (``math``, ``alphabet_option``, ``short_text``, ``categorical_label``).
  The request follows the input layout xFinder documents (question, output sentences,
  answer range, "Key extracted answer:"); the instruction wording is this project's own, not
  the exact text xFinder was trained with, so its extraction rate may differ a little.

Requests go through :class:`~opencompass.models.api_client.ApiClient` (retries, adaptive
window, secrets redacted). Each answer is journaled by a digest of its request, so an eval
task that is killed and run again asks only what it has not got. A request that fails after
its retries gives ``''``, which is scored wrong; an endpoint that cannot be reached at all
stops the eval task with one line naming it.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from ..errors import TaskError
from ..registry import TEXT_POSTPROCESSORS
from .fileio import Journal
from .logging import get_logger

__all__ = ['navie_model_postprocess', 'naive_model_postprocess', 'xfinder_postprocess',
           'extract_with_model']

SYSTEM = ('Your task is to pull the exact key answer out of a response to a question. Reply '
          'with that answer only, nothing else.')
GENERAL = ('Below are a question, the sentences a model wrote in response, and what an answer '
           'may be. Find the final answer the response commits to and give it exactly as it '
           'is written there, without solving the question yourself. If the response does '
           'not address the question, if it ends between several answers without choosing '
           'one, or if its answer is not within the allowed answers, reply [No valid answer]. '
           'When the response corrects an earlier answer, the correction is the answer.\n\n')
XFINDER_STOPS = ['<|endoftext|>', '<|im_end|>', '<eoa>', '<||>', '<end_of_turn>', '<|eot_id|>']
XFINDER_RANGES = {
    'math': ('a(n) number / set / vector / matrix / interval / expression / function / '
             'equation / inequality'),
    'alphabet_option': None,  # the options parsed from the question
    'short_text': None,  # the reference's candidates
    'categorical_label': '[]',
}
OPTION_LINE = re.compile(r'^\s*(?:\(([A-Z])\)|([A-Z])[.):])\s*(.*)$')
JOURNAL_VERSION = 'model-postprocess-1'


def question_of(prompt: Any) -> str:
    """The last user turn of a prediction's ``origin_prompt`` (a string or chat turns)."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list):
        for turn in reversed(prompt):
            if isinstance(turn, dict) and str(turn.get('role', '')).upper() in ('HUMAN', 'USER'):
                return str(turn.get('prompt', turn.get('content', '')))
        if prompt and isinstance(prompt[-1], dict):
            last = prompt[-1]
            return str(last.get('prompt', last.get('content', '')))
    if isinstance(prompt, dict):  # PPL records: one prompt per label
        return question_of(next(iter(prompt.values()), ''))
    return '' if prompt is None else str(prompt)


def parse_options(question: str) -> list[list[str]]:
    """``[[letter, text], ...]`` from lines like ``A. x``, ``(B) y``, ``C) z``, ``D: w``."""
    found = []
    for line in question.splitlines():
        m = OPTION_LINE.match(line)
        if m:
            found.append([m.group(1) or m.group(2), m.group(3).strip()])
    return found


def _urls(api_url: Any) -> list[str]:
    if isinstance(api_url, (list, tuple)):
        urls = [str(u).strip() for u in api_url]
    else:
        urls = [u.strip() for u in str(api_url or '').split(',')]
    urls = [u for u in urls if u]
    if not urls:
        raise TaskError('model_postprocessor: api_url is empty; give the OpenAI-compatible '
                        "endpoint of the extraction model, e.g. 'http://127.0.0.1:23333/v1'")
    return urls


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


def _served_model(client: Any) -> str:
    """The first model id the endpoint lists (for ``model_name=''``, as OpenCompass does)."""
    try:
        resp = client.session.get(client.url('models'), timeout=client.timeout)
        return str(resp.json()['data'][0]['id'])
    except Exception as e:  # noqa: BLE001 - any failure reads as "cannot list the models"
        raise TaskError(f'model_postprocessor: model_name is empty and {client.url("models")} '
                        f'lists no model ({type(e).__name__}); set model_name') from None


def extract_with_model(queries: list[str], model_name: str, api_url: Any, journal: str | None = None,
                       api_key: str | None = None, max_workers: int = 8, temperature: float = 0.0,
                       max_tokens: int = 3000, stop: list[str] | None = None,
                       retry: int = 3, timeout: float = 120.0) -> list[str]:
    """Ask the chat endpoint(s) one question per query; ``''`` for a query that failed."""
    from ..models.api_client import ApiClient, FatalApiError, SampleFailure, run_window
    headers = {'Content-Type': 'application/json'}
    if api_key and api_key != 'EMPTY':
        headers['Authorization'] = f'Bearer {api_key}'
    clients = [ApiClient(u, headers, max_workers=max(1, int(max_workers)), retry=retry,
                         timeout=timeout) for u in _urls(api_url)]
    names = [model_name or _served_model(c) for c in clients]
    book = Journal(journal, JOURNAL_VERSION, label='model_postprocess') if journal else None
    done = book.load() if book else {}
    answers: list[str] = [''] * len(queries)
    todo: list[list[tuple[int, str, dict[str, Any]]]] = [[] for _ in clients]
    for i, query in enumerate(queries):
        k = i % len(clients)  # spread over the endpoints given
        payload: dict[str, Any] = {
            'model': names[k], 'temperature': temperature, 'max_tokens': int(max_tokens),
            'messages': [{'role': 'system', 'content': SYSTEM}, {'role': 'user', 'content': query}]}
        if stop:
            payload['stop'] = list(stop)
        key = _digest(payload)
        if key in done:
            answers[i] = str(done[key].get('answer', ''))
        else:
            todo[k].append((i, key, payload))

    def parse(data: dict[str, Any]) -> str:
        return str(data['choices'][0]['message'].get('content') or '').strip()

    failed = 0
    if book and any(todo):
        book.open(keep=bool(done))
    try:
        for client, jobs in zip(clients, todo):
            if not jobs:
                continue
            try:
                for burst in run_window(client, [('chat/completions', p, parse) for _, _, p in jobs]):
                    records = {}
                    for j, outcome in burst:
                        i, key, _ = jobs[j]
                        if isinstance(outcome, SampleFailure):
                            failed += 1
                            continue  # not journaled: asked again on the next run
                        answers[i] = str(outcome.value)
                        records[key] = {'answer': answers[i]}
                    if book and records:
                        book.append(records)
            except FatalApiError as e:
                raise TaskError(f'model_postprocessor: {e}') from None
            finally:
                client.close()
    finally:
        if book:
            book.close()
    if failed:
        get_logger().warning('model_postprocessor: %d of %d extraction requests failed; those '
                             'samples are scored wrong', failed, len(queries))
    return answers


def _client_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    keys = ('journal', 'api_key', 'temperature', 'max_tokens', 'retry', 'timeout')
    out = {k: kwargs[k] for k in keys if k in kwargs}
    if 'num_processes' in kwargs:
        out['max_workers'] = int(kwargs['num_processes'])
    return out


@TEXT_POSTPROCESSORS.register_module('naive')
def navie_model_postprocess(preds: list[dict[str, Any]], model_name: str = '',
                            custom_instruction: str = '', api_url: Any = None,
                            **kwargs: Any) -> list[str]:
    """One extracted answer per prediction record (``origin_prompt``, ``prediction``), asked of
    ``model_name`` at ``api_url`` (comma-separated URLs share the requests)."""
    queries = [GENERAL + str(custom_instruction or '') +
               f'Question: """{question_of(p.get("origin_prompt"))}"""\n\n'
               f'Output sentences: """{p.get("prediction") or ""}"""\n\n'
               'Key extracted answer: ' for p in preds]
    return extract_with_model(queries, model_name, api_url, **_client_options(kwargs))


naive_model_postprocess = navie_model_postprocess
TEXT_POSTPROCESSORS.register_module('naive_model_postprocess')(navie_model_postprocess)


def xfinder_range(question_type: str, item: dict[str, Any], question: str) -> str:
    """The answer range xFinder expects for ``question_type``, as text."""
    if question_type not in XFINDER_RANGES:
        raise TaskError(f'xfinder_postprocess: question_type {question_type!r} is not one of '
                        f"{', '.join(XFINDER_RANGES)}")
    fixed = XFINDER_RANGES[question_type]
    if fixed is not None:
        return fixed
    if question_type == 'alphabet_option':
        return str(parse_options(question))
    gold = item.get('gold')
    return str(gold if isinstance(gold, list) else [gold])


@TEXT_POSTPROCESSORS.register_module('xfinder')
def xfinder_postprocess(preds: list[dict[str, Any]], question_type: str = 'math',
                        model_name: str | None = None, api_url: Any = None,
                        xfinder_model_name: str | None = None, xfiner_api_url: Any = None,
                        xfinder_api_url: Any = None, **kwargs: Any) -> list[str]:
    """xFinder's extraction of each prediction; ``xfinder_model_name``/``xfiner_api_url``
    (the names OpenCompass's configs use) stand for ``model_name``/``api_url``."""
    name = model_name or xfinder_model_name or ''
    url = api_url or xfinder_api_url or xfiner_api_url
    queries = []
    for p in preds:
        question = question_of(p.get('origin_prompt'))
        queries.append(GENERAL + f'Question: """{question}"""\n\n'
                       f'Output sentences: """{p.get("prediction") or ""}"""\n\n'
                       f'Answer range: {xfinder_range(question_type, p, question)}\n\n'
                       'Key extracted answer: ')
    return extract_with_model(queries, name, url, stop=XFINDER_STOPS, **_client_options(kwargs))
