"""Secrets never leave: keys echoed back by servers, URL credentials, tokens under other names.

Real servers on 127.0.0.1 (tests/api_servers.py, tests/lark_receiver.py) and ``run.py`` in a
subprocess. Shown failing before the fix (``git stash`` of opencompass/ on this branch): the
echoed key was in the task log, status/tasks.json, the journal, the predictions, the console
and the Lark messages; the URL password was in the task file, and the ``extra_body`` token in
the task file and the echoed error.
"""
from __future__ import annotations

import base64
import json
import os
from urllib.parse import quote

from api_servers import FakeOpenAI
from helpers import dataset_entries, only_run, read_json, run_cli, write_config
from lark_receiver import LarkReceiver

REDACTED = '<redacted>'

KEY = 'sk-live-Q7f3a9c1e55d2b8XYZ'
WRONG_KEY = 'sk-wrong-A1b2C3d4E5f6G7h8'
TOKEN = 'tok-extra-9Z8y7X6w5V'
PASSWORD = 'pwS3cr3tZq9'
LARK_SECRET = 'lark-sign-K9j8H7g6'
LARK_TOKEN = 'TOKEN-abc123'
SECRETS = (KEY, WRONG_KEY, TOKEN, PASSWORD, LARK_SECRET, LARK_TOKEN)


def forms(secret: str) -> list[bytes]:
    """The secret as is, URL-encoded, base64 (any alignment: the middle of the encoding)."""
    out = {secret, quote(secret, safe='')}
    for pad in range(3):
        encoded = base64.b64encode(b'\0' * pad + secret.encode()).decode()
        out.add(encoded[4 if pad else 0:][:12])
    return [f.encode() for f in out]


def traces(blob: bytes) -> list[str]:
    found = [s for s in SECRETS for f in forms(s) if f in blob]
    if base64.b64encode(f'alice:{PASSWORD}'.encode()) in blob:
        found.append('basic-auth')
    return found


def gen_dataset(data_dir: str) -> str:
    return dataset_entries(data_dir).split("    dict(abbr='mc'")[0] + ']'


def api(abbr: str, base: str, **extra: object) -> str:
    opts = dict(abbr=abbr, path='fake', openai_api_base=base, key='EMPTY', max_out_len=6,
                retry=1, backoff=0.01, timeout=20, max_workers=1)
    opts.update(extra)
    return f"dict(type='OpenAISDK', **{opts!r})"


def test_echoed_keys_url_credentials_and_tokens_leave_no_trace(data_dir, tmp_path):
    check_no_trace(data_dir, tmp_path)


def test_no_trace_under_slurm_either(slurm, data_dir, tmp_path):
    """The same on the real Slurm cluster: task processes rebuild the registry from the
    environment srun hands them (OC_SECRET_*, OC_REDACT_ENV), not from any file."""
    check_no_trace(data_dir, tmp_path, ('-p', 'debug'), slurm.env)


def check_no_trace(data_dir, tmp_path, args: tuple = (), env: dict | None = None) -> None:
    echo = FakeOpenAI(key=KEY, echo_secrets=True, faults=['500', '500'])
    creds = FakeOpenAI(echo_secrets=True, fail_if=['What is'])
    with echo, creds, LarkReceiver(secret=LARK_SECRET) as rx:
        url_with_password = creds.base_url.replace('http://', f'http://alice:{PASSWORD}@')
        models = [api('good', echo.base_url, key=KEY, extra_body=dict(token=TOKEN)),
                  api('badkey', echo.base_url, key='$MY_LLM_CRED'),
                  api('urlcred', url_with_password, retry=0)]
        extra = f'lark_bot_url = {rx.url!r}\nlark_bot_secret = {LARK_SECRET!r}\n'
        cfg = write_config(str(tmp_path / 'cfg.py'), models, gen_dataset(data_dir), extra=extra)
        work = str(tmp_path / 'out')
        proc = run_cli(cfg, '-w', work, '-l', *args, env={**(env or {}), 'MY_LLM_CRED': WRONG_KEY})
        lark = b''.join(json.dumps(r['body']).encode() for r in rx.requests)
    # the servers did echo the secrets, and the run did what it should otherwise
    assert echo.statuses[401] and echo.statuses[500] == 2 and creds.statuses[500]
    assert proc.returncode == 1, proc.stdout + proc.stderr
    run = only_run(work)
    # ... and no secret is anywhere: every file of the work dir, the console, the Lark bot
    leaks = {}
    for path, _, files in os.walk(work):
        for name in files:
            with open(os.path.join(path, name), 'rb') as f:
                found = traces(f.read())
            if found:
                leaks[os.path.relpath(os.path.join(path, name), work)] = found
    console = traces((proc.stdout + proc.stderr).encode())
    assert (leaks, console, traces(lark)) == ({}, [], [])
    good = read_json(os.path.join(run, 'predictions', 'good', 'arith.json'))
    failed = [r for r in good.values() if r.get('failed')]
    assert len(failed) == 1 and REDACTED in failed[0]['error'], failed
    assert read_json(os.path.join(run, 'results', 'good', 'arith.json'))['num_failed'] == 1
    assert 'HTTP 401' in proc.stdout + proc.stderr and len(rx.requests) >= 3


def test_registry_scrubs_every_form_of_a_secret():
    from opencompass.utils.redaction import SecretRegistry
    reg = SecretRegistry()
    assert reg.add(f'Bearer {KEY}') and not reg.add('EMPTY') and not reg.add('abc')
    reg.add_url_credentials(f'https://bob:{PASSWORD}@host/v1')
    basic = base64.b64encode(f'bob:{PASSWORD}'.encode()).decode()
    embedded = base64.b64encode(f'{{"k": "{KEY}"}}'.encode()).decode()
    for text in (KEY, quote(KEY, safe=''), json.dumps(KEY), PASSWORD, basic, embedded):
        scrubbed = reg.scrub(f'x {text} y')
        assert not any(f.decode() in scrubbed for s in (KEY, PASSWORD) for f in forms(s)), text
        assert REDACTED in scrubbed
    assert reg.scrub('nothing here') == 'nothing here'


def test_secret_names_and_config_round_trip():
    from opencompass.utils.redaction import is_secret_name
    from opencompass.utils.serialize import externalize_secrets, internalize_secrets, redact
    for name in ('key', 'api_key', 'OPENAI_API_KEY', 'token', 'access_token', 'password',
                 'Authorization', 'x-api-key', 'lark_bot_secret', 'client_secret'):
        assert is_secret_name(name), name
    for name in ('abbr', 'path', 'eos_token', 'pad_token_id', 'output_column', 'max_out_len'):
        assert not is_secret_name(name), name
    cfg = {'key': 'ENV', 'extra_body': {'token': TOKEN}, 'headers': {'Authorization': 'Bearer x'},
           'openai_api_base': f'http://alice:{PASSWORD}@h/v1', 'path': 'm'}
    env: dict[str, str] = {}
    out = externalize_secrets(cfg, env)
    assert out['key'] == 'ENV' and out['path'] == 'm'
    assert TOKEN not in json.dumps(out) and PASSWORD not in json.dumps(out)
    os.environ.update(env)
    try:
        assert internalize_secrets(out) == cfg
    finally:
        for name in env:
            os.environ.pop(name)
    shown = json.dumps(redact(cfg))
    assert TOKEN not in shown and PASSWORD not in shown and 'alice:<redacted>@h' in shown


def test_a_secret_cut_by_a_length_limit_is_scrubbed_before_the_cut():
    """Messages cut long errors at 300 characters: a key straddling the cut must not leave
    its first half behind (failed before: the Lark message ended in 'sk-live-Q7f3a')."""
    from opencompass.notify.lark import LarkReporter
    from opencompass.notify.messages import RunNotifier
    from opencompass.utils.redaction import register
    register(KEY)
    with LarkReceiver() as rx:
        notifier = RunNotifier(LarkReporter(rx.url, timeout=2), 'run')
        notifier.finished(1.0, [], [], None, None, error='x' * 280 + f' key {KEY} rejected')
        notifier.close()
        text = json.dumps([r['body'] for r in rx.requests])
    assert rx.requests and KEY[:8] not in text and 'run stopped' in text
