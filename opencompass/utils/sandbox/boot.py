"""The code run *inside* the sandbox (stdlib only; given to ``python -I -S -c``).

Nothing here is trusted: the generated program runs in this interpreter and can
change anything in it. It exists only to give an honest program a way to be
called: it reads one JSON line (limits, program, entry point), lowers the
resource limits, runs the program, answers ``ready``, then answers every call
line with the function's return value encoded as plain data (see
``protocol.py``). The verdict is computed by the evaluator from those values.
"""
from __future__ import annotations

import json
import os
import resource
import sys
from typing import Any

_RLIMITS = {'as': resource.RLIMIT_AS, 'cpu': resource.RLIMIT_CPU, 'fsize': resource.RLIMIT_FSIZE,
            'nproc': resource.RLIMIT_NPROC, 'nofile': resource.RLIMIT_NOFILE,
            'core': resource.RLIMIT_CORE}


def _set_limits(table: dict[str, int]) -> None:
    for name, value in table.items():
        hard = value + 1 if name == 'cpu' else value  # SIGXCPU first, SIGKILL a second later
        resource.setrlimit(_RLIMITS[name], (value, hard))


def _encode(value: Any, depth: int = 0) -> Any:
    if depth > 64:
        raise ValueError('the value is nested too deeply')
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return {'f': float.hex(float(value))}
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        tag = {list: 'l', tuple: 't', set: 's', frozenset: 'z'}[
            next(t for t in (list, tuple, frozenset, set) if isinstance(value, t))]
        return {tag: [_encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {'d': [[_encode(k, depth + 1), _encode(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, (bytes, bytearray)):
        return {'b': bytes(value).hex()}
    if isinstance(value, complex):
        return {'c': [float.hex(value.real), float.hex(value.imag)]}
    raise TypeError(f'returned a {type(value).__name__}, which is not plain data')


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    (tag, body), = value.items()
    if tag == 'f':
        return float.fromhex(body)
    if tag == 'c':
        return complex(float.fromhex(body[0]), float.fromhex(body[1]))
    if tag == 'b':
        return bytes.fromhex(body)
    if tag == 'd':
        return {_decode(k): _decode(v) for k, v in body}
    items = [_decode(v) for v in body]
    kinds: dict[str, Any] = {'l': list, 't': tuple, 's': set, 'z': frozenset}
    return kinds[tag](items)


def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:  # a hostile __str__
        text = ''
    name = type(exc).__name__
    if isinstance(exc, MemoryError):
        return 'MemoryError (memory limit reached)'
    return f'{name}: {text}'[:300] if text else name


def main() -> None:
    reply_fd = os.dup(1)
    os.dup2(2, 1)  # the program's prints join its stderr; fd 1 no longer reaches the evaluator
    readline, write, dumps, loads = sys.stdin.buffer.readline, os.write, json.dumps, json.loads

    def send(message: dict[str, Any]) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - a closed or replaced stream
                pass
        data = (dumps(message, allow_nan=False) + '\n').encode('utf-8', 'surrogatepass')
        while data:
            data = data[write(reply_fd, data):]

    request = loads(readline())
    _set_limits(request['limits'])
    namespace: dict[str, Any] = {'__name__': '__main__'}
    try:
        exec(compile(request['program'], 'program.py', 'exec'), namespace)
        function = namespace[request['entry']]
    except BaseException as e:  # noqa: BLE001 - the program's failure is its result
        send({'error': _describe(e)})
        return
    send({'ready': True})
    while True:
        line = readline()
        if not line:
            return
        call = loads(line)
        try:
            value = function(*_decode(call['args']), **_decode(call['kwargs']))
            answer = {'value': _encode(value)}
        except BaseException as e:  # noqa: BLE001
            answer = {'raised': _describe(e)}
        try:
            send(answer)
        except (ValueError, TypeError, RecursionError) as e:
            send({'raised': _describe(e)})


if __name__ == '__main__':
    main()
