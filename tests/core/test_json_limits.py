"""JSON nesting depth, measured on the raw bytes before decoding."""

from __future__ import annotations

import pytest

from pa_core.errors import MalformedRequest
from pa_core.json_limits import MAX_JSON_DEPTH, check_json_depth, json_depth


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_the_limit_is_32_levels() -> None:
    assert MAX_JSON_DEPTH == 32
    check_json_depth(nested(32))
    with pytest.raises(MalformedRequest):
        check_json_depth(nested(33))


def test_arrays_and_objects_both_count() -> None:
    assert json_depth(b'{"a": [{"b": [1]}]}') == 4


def test_brackets_inside_strings_do_not_count() -> None:
    body = b'{"note": "' + b"[{" * 100 + b'"}'
    assert json_depth(body) == 1
    check_json_depth(body)


def test_escaped_quotes_do_not_end_a_string() -> None:
    assert json_depth(b'["\\"[[[[", "\\\\", [[]]]') == 3


def test_siblings_do_not_add_up() -> None:
    check_json_depth(b"[" + b",".join([nested(31)] * 1000) + b"]")


def test_a_deep_body_hidden_after_strings_is_found() -> None:
    with pytest.raises(MalformedRequest):
        check_json_depth(b'["x", "]]]]", ' + nested(40) + b"]")


def test_an_unterminated_string_takes_the_rest_of_the_body() -> None:
    assert json_depth(b'[["abc' + b"[" * 100) == 2


def test_mixed_nesting_beyond_the_limit_is_refused() -> None:
    with pytest.raises(MalformedRequest):
        check_json_depth(b'{"a":[' * 17 + b"1" + b"]}" * 17)
