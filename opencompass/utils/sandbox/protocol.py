"""Plain data across the sandbox boundary, decoded by the trusted side with strict checks.

A value is JSON where ``None``, ``bool``, ``int`` and ``str`` stand for themselves and
every other type is a one-key object: ``{"f": hex float}``, ``{"c": [re, im]}``,
``{"b": hex bytes}``, ``{"l"|"t"|"s"|"z": [items]}`` (list, tuple, set, frozenset) and
``{"d": [[key, value], ...]}``. The decoder builds only these exact built-in types, so a
value from the sandbox cannot carry behaviour (no ``__eq__`` that always says yes).
The sandbox side of the same format is in ``boot.py``.
"""
from __future__ import annotations

import json
from typing import Any

from ...errors import OpenCompassError

MAX_DEPTH = 64
_SEQUENCES: dict[str, Any] = {'l': list, 't': tuple, 's': set, 'z': frozenset}


class ProtocolError(OpenCompassError):
    """A message from (or for) the sandbox is not well-formed plain data."""


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` (arguments from the trusted test) in the wire format."""
    if depth > MAX_DEPTH:
        raise ProtocolError('an argument is nested too deeply to pass to the sandbox')
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return {'f': float.hex(value)}
    if kind is complex:
        return {'c': [float.hex(value.real), float.hex(value.imag)]}
    if kind in (bytes, bytearray):
        return {'b': bytes(value).hex()}
    for tag, seq in _SEQUENCES.items():
        if kind is seq:
            return {tag: [encode(v, depth + 1) for v in value]}
    if kind is dict:
        return {'d': [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    raise ProtocolError(f'an argument of type {kind.__name__} cannot be passed to the sandbox')


def decode(value: Any, depth: int = 0) -> Any:
    """A value from the sandbox as built-in Python data; :class:`ProtocolError` if malformed."""
    if depth > MAX_DEPTH:
        raise ProtocolError('the value is nested too deeply')
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is not dict or len(value) != 1:
        raise ProtocolError('malformed value')
    (tag, body), = value.items()
    try:
        if tag == 'f' and type(body) is str:
            return float.fromhex(body)
        if tag == 'c' and type(body) is list and len(body) == 2:
            return complex(float.fromhex(body[0]), float.fromhex(body[1]))
        if tag == 'b' and type(body) is str:
            return bytes.fromhex(body)
        if tag == 'd' and type(body) is list:
            out = {}
            for pair in body:
                if type(pair) is not list or len(pair) != 2:
                    raise ProtocolError('malformed dict item')
                out[decode(pair[0], depth + 1)] = decode(pair[1], depth + 1)
            return out
        if tag in _SEQUENCES and type(body) is list:
            return _SEQUENCES[tag](decode(v, depth + 1) for v in body)
    except (TypeError, ValueError, OverflowError) as e:  # unhashable key, bad hex
        raise ProtocolError(f'malformed value ({type(e).__name__})') from None
    raise ProtocolError(f'malformed value (tag {str(tag)[:10]!r})')


def parse_line(line: bytes) -> dict[str, Any]:
    """One reply line as a dict; :class:`ProtocolError` when it is not a JSON object."""
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        raise ProtocolError('a reply from the sandbox is not valid JSON') from None
    if type(message) is not dict:
        raise ProtocolError('a reply from the sandbox is not a JSON object')
    return message


def dump_line(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, allow_nan=False) + '\n').encode('utf-8', 'surrogatepass')
