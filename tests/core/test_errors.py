"""The error catalogue: stable codes, documented, with the tree's promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pa_core import errors

CATALOGUE = Path(__file__).parents[2] / "docs" / "reference" / "errors.md"


def all_error_classes() -> list[type[errors.PAError]]:
    found: list[type[errors.PAError]] = []
    pending = [errors.PAError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return [c for c in found if c is not errors.PAError]


def test_every_code_is_snake_case() -> None:
    for cls in all_error_classes():
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", cls.code), cls


def test_every_code_is_listed_in_the_catalogue() -> None:
    listed = set(re.findall(r"^\| `([a-z_]+)`", CATALOGUE.read_text(), re.M))
    missing = {cls.code for cls in all_error_classes()} - listed
    assert missing == set()


def test_expiry_is_still_an_invalid_token() -> None:
    assert issubclass(errors.TokenExpired, errors.InvalidToken)
    assert errors.TokenExpired.code == "invalid_token"


def test_the_detail_defaults_to_the_title() -> None:
    assert errors.NotFound().detail == "Not found"


def test_rate_limited_rounds_retry_after_up_to_whole_seconds() -> None:
    assert errors.RateLimited(0.2).retry_after == 1
    assert errors.RateLimited(61.5).retry_after == 62


def test_a_validation_error_for_one_field_names_it() -> None:
    error = errors.ValidationFailed.for_field("email", "is not an email address")
    assert error.errors == (errors.FieldError("email", "is not an email address"),)


@pytest.mark.parametrize("cls", [errors.ServiceUnavailable])
def test_service_unavailable_names_its_dependency(cls: type[errors.ServiceUnavailable]) -> None:
    assert cls("down", dependency="database").dependency == "database"
