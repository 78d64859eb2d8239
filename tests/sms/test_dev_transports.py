"""The console and recording transports: what they log, record and let tests steer."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from pa_core.errors import ImproperlyConfigured, NotFound
from pa_sms.errors import RecipientOptedOut
from pa_sms.transports import ConsoleTransport, OutboundSms, RecordingTransport

pytestmark = pytest.mark.anyio

SENDER = "+15005550006"
RECIPIENT = "+15551234567"
MASKED_RECIPIENT = "+1******4567"
SECRET_BODY = "Your code is 918273"


def sms(to: str = RECIPIENT, body: str = SECRET_BODY) -> OutboundSms:
    return OutboundSms(to=to, from_=SENDER, body=body)


# --- console ------------------------------------------------------------------------


async def test_console_logs_the_masked_recipient_and_segments_but_not_the_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="pa_sms.console")
    await ConsoleTransport().send(sms())
    assert MASKED_RECIPIENT in caplog.text
    assert RECIPIENT not in caplog.text
    assert "1 segment" in caplog.text
    assert "918273" not in caplog.text


async def test_console_shows_the_body_only_when_asked_and_the_number_still_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="pa_sms.console")
    await ConsoleTransport(show_body=True).send(sms())
    assert "918273" in caplog.text
    assert RECIPIENT not in caplog.text


async def test_console_forgets_results_beyond_its_history() -> None:
    console = ConsoleTransport(history=2)
    first = await console.send(sms())
    await console.send(sms())
    await console.send(sms())
    with pytest.raises(NotFound):
        await console.fetch(first.sid)


# --- recording ----------------------------------------------------------------------


async def test_recording_keeps_every_message_in_order() -> None:
    recorder = RecordingTransport()
    await recorder.send(sms(body="one"))
    await recorder.send_text("+15557654321", "two")
    assert [m.body for m in recorder.sent] == ["one", "two"]


async def test_last_to_finds_the_latest_message_to_a_number() -> None:
    recorder = RecordingTransport()
    await recorder.send(sms(body="old"))
    await recorder.send(sms(to="+15557654321", body="other"))
    await recorder.send(sms(body="new"))
    latest = recorder.last_to(RECIPIENT)
    assert latest is not None
    assert latest.body == "new"
    assert recorder.last_to("+15550000000") is None


async def test_fail_next_raises_once_and_records_nothing() -> None:
    recorder = RecordingTransport()
    recorder.fail_next(RecipientOptedOut(provider_code=21610))
    with pytest.raises(RecipientOptedOut):
        await recorder.send(sms())
    assert recorder.sent == []
    await recorder.send(sms())
    assert len(recorder.sent) == 1


async def test_fail_next_can_fail_several_times() -> None:
    recorder = RecordingTransport()
    recorder.fail_next(RecipientOptedOut(), times=2)
    for _ in range(2):
        with pytest.raises(RecipientOptedOut):
            await recorder.send_text(RECIPIENT, "hi")


async def test_the_default_status_callback_is_recorded() -> None:
    recorder = RecordingTransport(status_callback="https://pa.example/status")
    await recorder.send(sms())
    assert recorder.sent[0].status_callback == "https://pa.example/status"


async def test_set_status_simulates_delivery_with_a_price() -> None:
    recorder = RecordingTransport()
    result = await recorder.send(sms())
    recorder.set_status(result.sid, "delivered", price=Decimal("0.0079"))
    fetched = await recorder.fetch(result.sid)
    assert (fetched.status, fetched.price, fetched.price_unit) == (
        "delivered",
        Decimal("0.0079"),
        "USD",
    )


async def test_clear_forgets_everything() -> None:
    recorder = RecordingTransport()
    result = await recorder.send(sms())
    recorder.fail_next(RecipientOptedOut())
    recorder.clear()
    assert recorder.sent == []
    with pytest.raises(NotFound):
        await recorder.fetch(result.sid)
    await recorder.send(sms())


async def test_send_text_without_a_sender_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured):
        await RecordingTransport(from_number=None).send_text(RECIPIENT, "hi")


def test_a_message_repr_hides_the_body_and_masks_the_numbers() -> None:
    assert "918273" not in repr(sms())
    assert RECIPIENT not in repr(sms())
    assert MASKED_RECIPIENT in repr(sms())
