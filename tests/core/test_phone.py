"""Phone numbers: E.164 normalisation and masking."""

from __future__ import annotations

import pytest

from pa_core.errors import ValidationFailed
from pa_core.phones import mask_phone, normalize_phone


@pytest.mark.parametrize(
    "raw",
    ["+1 415 555 0123", "+1 (415) 555-0123", "+14155550123", "  +1.415.555.0123  "],
)
def test_a_number_with_country_code_is_normalised_to_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+14155550123"


def test_a_national_number_is_read_in_the_default_region() -> None:
    assert normalize_phone("020 7946 0958", default_region="GB") == "+442079460958"


def test_a_national_number_without_a_region_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_phone("415 555 0123")
    assert caught.value.errors[0].field == "phone"
    assert "+" in caught.value.errors[0].message


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "+",
        "+1",
        "not a number",
        "+1 415 555 01234567",
        "+1 000 000 0000",
        "+" + "1" * 70,
    ],
)
def test_an_invalid_number_is_refused_on_the_phone_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_phone(raw)
    assert [error.field for error in caught.value.errors] == ["phone"]


def test_normalising_is_idempotent() -> None:
    e164 = normalize_phone("+44 20 7946 0958")
    assert normalize_phone(e164) == e164


def test_a_masked_number_keeps_the_country_code_and_last_four_digits() -> None:
    assert mask_phone("+14155554567") == "+1******4567"
    assert mask_phone("+442079460958") == "+44******0958"


@pytest.mark.parametrize("value", ["", "garbage", "+1234"])
def test_masking_something_unreadable_hides_it_all(value: str) -> None:
    masked = mask_phone(value)
    assert masked == "+********"
