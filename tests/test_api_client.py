"""OpenAISDK against a real local HTTP server that injects failures (tests/api_servers.py)."""
from __future__ import annotations

import time

import pytest
from api_servers import FakeOpenAI
from helpers import free_port

from opencompass.errors import ModelError
from opencompass.models.api_client import AdaptiveLimiter
from opencompass.models.openai_api import OpenAISDK
from opencompass.utils.serialize import externalize_secrets

QUESTIONS = [f'Q: What is {a} + {a + 1}?\nA: ' for a in range(1, 5)]


def model(fake: FakeOpenAI, **kw) -> OpenAISDK:
    opts = dict(path='fake', key='EMPTY', openai_api_base=fake.base_url, retry=3, backoff=0.05,
                timeout=1.0, max_workers=8)
    opts.update(kw)
    return OpenAISDK(**opts)


def test_faults_are_retried_until_answered():
    faults = ['429', '500', 'garbage', 'slow', '502', 'empty']
    with FakeOpenAI(faults=faults, retry_after=1, slow_seconds=2) as fake:
        outs = model(fake).generate(QUESTIONS, max_out_len=8)
    assert [o['prediction'] for o in outs] == [f' {2 * a + 1}' for a in range(1, 5)]
    assert not any(o.get('failed') for o in outs)
    assert fake.requests == len(QUESTIONS) + len(faults)
    assert sum(o.get('attempts', 1) for o in outs) == fake.requests
    assert all(o['usage']['completion_tokens'] == 1 for o in outs)


def test_retry_after_is_honoured():
    """One 429 with ``Retry-After: 2``; the backoff alone would retry within 0.1 s.

    The server measures the gap between the refused request and the retry. Shown failing
    once: with ``parse_retry_after`` returning None the gap was 0.04 s (< 1.5 s).
    """
    with FakeOpenAI(faults=['429'], retry_after=2) as fake:
        outs = model(fake, backoff=0.05, timeout=30, max_workers=1).generate(QUESTIONS[:1],
                                                                            max_out_len=8)
    assert outs[0]['prediction'] == ' 3' and fake.requests == 2
    assert fake.arrivals[1] - fake.arrivals[0] >= 1.5  # a lower bound: load only adds to it


def test_persistent_failure_is_recorded_not_silent():
    with FakeOpenAI(fail_if=['What is 2 +']) as fake:
        outs = model(fake, retry=2).generate(QUESTIONS, max_out_len=8)
    bad = outs[1]
    assert bad['failed'] is True and bad['prediction'] == ''
    assert 'HTTP 500' in bad['error'] and 'gave up after 3 attempts' in bad['error']
    assert [o.get('failed', False) for o in outs] == [False, True, False, False]


def test_connection_refused_is_one_readable_error():
    port = free_port()  # nothing listens there
    m = OpenAISDK(path='x', key='EMPTY', openai_api_base=f'http://127.0.0.1:{port}/v1',
                  retry=2, backoff=0.01)
    with pytest.raises(ModelError, match=rf'cannot reach the API at http://127.0.0.1:{port}/v1'):
        m.generate(QUESTIONS, max_out_len=4)


def test_wrong_key_stops_the_task(monkeypatch):
    with FakeOpenAI(key='sk-right') as fake:
        with pytest.raises(ModelError, match='HTTP 401'):
            model(fake, key='sk-wrong').generate(QUESTIONS, max_out_len=4)
        monkeypatch.setenv('MY_TEST_KEY', 'sk-right')
        outs = model(fake, key='$MY_TEST_KEY').generate(QUESTIONS[:1], max_out_len=4)
        assert outs[0]['prediction'] == ' 3'
        monkeypatch.setenv('OPENAI_API_KEY', 'sk-right')
        assert model(fake, key='ENV').generate(QUESTIONS[:1], max_out_len=4)[0]['prediction']
    monkeypatch.delenv('MISSING_KEY_VAR', raising=False)
    with pytest.raises(ModelError, match='MISSING_KEY_VAR, which is not set'):
        OpenAISDK(path='x', key='$MISSING_KEY_VAR', openai_api_base='http://127.0.0.1:1/v1')


def test_window_adapts_to_a_concurrency_cap():
    """The endpoint accepts 4 at a time; a 32-wide client backs off and still answers all."""
    prompts = [f'What is {i} + 1?' for i in range(60)]
    with FakeOpenAI(latency=0.05, max_concurrent=4, retry_after=0) as fake:
        m = model(fake, max_workers=32, retry=8)
        outs = m.generate(prompts, max_out_len=4)
    assert [o['prediction'] for o in outs] == [f' {i + 1}' for i in range(60)]
    assert m.client.limiter.decreases >= 1 and fake.statuses[429] >= 1
    assert fake.statuses[200] == 60


def test_limiter_halves_once_per_window_and_recovers():
    lim = AdaptiveLimiter(16, recover_after=0.0)
    tickets = [lim.acquire() for _ in range(16)]
    for t in tickets:  # 16 overloaded answers of one window: one decrease
        lim.release(t, overloaded=True)
    assert lim.limit == 8 and lim.decreases == 1
    for _ in range(20):
        lim.release(lim.acquire())
    assert lim.limit == 16


def test_retry_after_pauses_everyone():
    lim = AdaptiveLimiter(4)
    lim.release(lim.acquire(), overloaded=True, retry_after=0.5)
    started = time.monotonic()
    lim.release(lim.acquire())
    assert time.monotonic() - started >= 0.45


def test_ppl_from_prompt_logprobs():
    texts = [f'Which letter is number 3?\nAnswer: {c}' for c in 'ABCD']
    with FakeOpenAI() as fake:
        losses = model(fake, api_mode='completions').get_ppl(texts)
    assert min(range(4), key=lambda i: losses[i]) == 2


def test_ppl_without_logprobs_is_a_clear_error():
    with FakeOpenAI(logprobs=False) as fake:
        with pytest.raises(ModelError, match="does not return prompt logprobs.*'fake' cannot "
                                             'run PPL datasets'):
            model(fake).get_ppl(['some text'])


def test_chat_rendering_honours_meta_template_and_system_prompt():
    meta = dict(round=[dict(role='HUMAN', api_role='HUMAN'),
                       dict(role='BOT', api_role='BOT', generate=True)],
                reserved_roles=[dict(role='SYSTEM', api_role='SYSTEM')])
    m = OpenAISDK(path='x', key='EMPTY', openai_api_base='http://127.0.0.1:1/v1',
                  meta_template=meta, system_prompt='Be brief.')
    prompt = [dict(role='HUMAN', prompt='hi'), dict(role='BOT', prompt='hello'),
              dict(role='HUMAN', prompt='2+2?'), dict(role='BOT', prompt='')]
    assert m.render_prompt(prompt) == [
        {'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'hi'},
        {'role': 'assistant', 'content': 'hello'}, {'role': 'user', 'content': '2+2?'}]
    base = OpenAISDK(path='x', key='EMPTY', openai_api_base='http://127.0.0.1:1/v1/completions',
                     api_mode='completions')
    assert base.base_url == 'http://127.0.0.1:1/v1'
    assert base.render_prompt(prompt) == 'hi\nhello\n2+2?'


def test_literal_keys_leave_task_files():
    env: dict = {}
    cfg = {'models': [{'key': 'sk-literal', 'path': 'm'}, {'key': 'ENV'}, {'key': '$X'}]}
    out = externalize_secrets(cfg, env)
    ref = out['models'][0]['key']
    assert ref.startswith('$OC_SECRET_') and env[ref[1:]] == 'sk-literal'
    assert out['models'][1:] == [{'key': 'ENV'}, {'key': '$X'}]
    assert 'sk-literal' not in repr(out)
