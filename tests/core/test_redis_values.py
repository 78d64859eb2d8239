"""The one encoding every Redis store uses for text replies and instants."""

from __future__ import annotations

from datetime import UTC, datetime

from pa_core.redis_values import as_text, epoch_micros, from_epoch_micros


def test_an_instant_survives_the_round_trip_to_the_microsecond() -> None:
    at = datetime(2031, 5, 17, 8, 30, 1, 123456, tzinfo=UTC)
    assert from_epoch_micros(str(epoch_micros(at)).encode()) == at


def test_the_epoch_is_zero_microseconds() -> None:
    assert epoch_micros(datetime(1970, 1, 1, tzinfo=UTC)) == 0


def test_replies_are_text_whether_the_client_decodes_them_or_not() -> None:
    assert as_text(b"1-0") == as_text("1-0") == "1-0"
