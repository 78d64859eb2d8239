"""Phone numbers in pa_sms's logs and error details are masked to their last 4 digits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from twilio.base.exceptions import TwilioRestException

from pa_sms.errors import InvalidPhoneNumber
from pa_sms.logsafe import mask_numbers_in, mask_phone
from pa_sms.transports.twilio import twilio_errors
from pa_sms.webhooks import InboundSms

SID = "SM" + "0123456789abcdef" * 2


def test_the_masking_rule_is_pa_cores_one() -> None:
    from pa_core.phones import mask_phone as core_mask_phone

    assert mask_phone is core_mask_phone


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("The 'To' number +15551234567 is invalid", "The 'To' number +1******4567 is invalid"),
        ("to 15551234567.", "to +1******4567."),
        ("(+442079460958)", "(+44******0958)"),
        ("To:+15551234567", "To:+1******4567"),
    ],
)
def test_numbers_in_free_text_are_masked(text: str, masked: str) -> None:
    assert mask_numbers_in(text) == masked


@pytest.mark.parametrize("text", [f"message {SID}", "error 21211", "in 2025", "user 01hx2"])
def test_sids_codes_and_years_are_left_alone(text: str) -> None:
    assert mask_numbers_in(text) == text


def test_a_twilio_error_detail_never_quotes_the_number() -> None:
    message = "The 'To' number +15551234567 is not a valid phone number."
    with pytest.raises(InvalidPhoneNumber) as caught, twilio_errors():
        raise TwilioRestException(400, "https://api.twilio.com", message, code=21211)
    assert "+15551234567" not in str(caught.value)
    assert "+1******4567" in str(caught.value)


def test_an_inbound_message_repr_masks_both_numbers() -> None:
    message = InboundSms(SID, "AC", "+15551234567", "+14155550100", "hi", datetime.now(UTC))
    assert "+15551234567" not in repr(message)
    assert "+14155550100" not in repr(message)
    assert "+1******4567" in repr(message)
