"""How deep a JSON body may nest: checked on the raw bytes, before any decoder recurses.

A decoder recurses once per level: a body of ten thousand ``[`` makes it fail
deep inside (msgspec raises ``RecursionError``), which a web framework reports
as a ``500`` with a traceback. :func:`check_json_depth` refuses such a body
first, as :class:`~pa_core.errors.MalformedRequest`, in time linear in its size
and at C speed: the common body with few brackets costs two ``bytes.count`` calls.
"""

from __future__ import annotations

import re
from array import array
from itertools import accumulate

from pa_core.errors import MalformedRequest

__all__ = ["MAX_JSON_DEPTH", "check_json_depth", "json_depth"]

MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects accepted in a request body."""

# A string literal, escapes included; one left open runs to the end of the body.
# The possessive ``*+`` never backtracks, so every match is linear.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes
_OPEN = 1


def _steps(body: bytes) -> bytes:
    """One byte per bracket outside strings: 0x01 opens a level, 0xff closes one."""
    return _STRING.sub(b"", body).translate(_STEPS, _NOT_BRACKETS)


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in ``body`` (brackets inside strings ignored)."""
    return max(accumulate(array("b", _steps(body))), default=0)


def check_json_depth(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise :class:`MalformedRequest` when ``body`` nests deeper than ``max_depth``.

    Only the depth is checked: the decoder still rejects anything else malformed.
    """
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return  # not enough brackets to nest deeper, whatever the strings hold
    steps = _steps(body)
    if (
        bytes([_OPEN]) * (max_depth + 1) in steps
        or max(accumulate(array("b", steps)), default=0) > max_depth
    ):
        raise MalformedRequest(f"the request body nests deeper than {max_depth} levels")
