"""Twilio webhook signatures: ours match twilio's RequestValidator and refuse every forgery."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from pa_core.errors import MalformedRequest
from pa_sms.config import SmsSettings
from pa_sms.errors import InvalidWebhookSignature
from pa_sms.webhooks import (
    TwilioSignatureVerifier,
    check_sids,
    compute_signature,
    parse_inbound,
    webhook_auth_token,
)
from tests.sms.fake_twilio import DEFAULT_ACCOUNT_SID, FakeTwilioState, re_split_message_sid

URL = "https://pa.example/sms/inbound?tenant=1"
TOKEN = "fake-twilio-auth-token"
SMS_SID = "SM" + "0123456789abcdef" * 2


@pytest.fixture
def state() -> FakeTwilioState:
    return FakeTwilioState()


@pytest.fixture
def verifier() -> TwilioSignatureVerifier:
    return TwilioSignatureVerifier(TOKEN, account_sid=DEFAULT_ACCOUNT_SID)


def signed(state: FakeTwilioState, url: str = URL) -> tuple[list[tuple[str, str]], str]:
    form, signature = state.inbound(url, to="+14155550100", from_="+15557654321", body="hi")
    return list(form.items()), signature


def test_our_signature_equals_twilios_own() -> None:
    params = {"Body": "héllo & ✓", "To": "+14155550100", "From": "+15557654321"}
    ours = compute_signature(TOKEN, URL, params.items())
    assert ours == RequestValidator(TOKEN).compute_signature(URL, params)


def test_repeated_parameters_count_every_value_like_twilio() -> None:
    pairs = [("MediaUrl", "b"), ("MediaUrl", "a"), ("To", "+1")]

    class Multi(dict[str, str]):
        def getall(self, name: str) -> list[str]:
            return [v for k, v in pairs if k == name]

    expected = RequestValidator(TOKEN).compute_signature(URL, Multi(pairs))
    assert compute_signature(TOKEN, URL, pairs) == expected


def test_a_webhook_signed_by_twilio_for_the_configured_url_is_accepted(
    state: FakeTwilioState, verifier: TwilioSignatureVerifier
) -> None:
    params, signature = signed(state)
    verifier.verify(URL, params, signature)


def test_a_missing_signature_is_refused(
    state: FakeTwilioState, verifier: TwilioSignatureVerifier
) -> None:
    params, _ = signed(state)
    for signature in (None, ""):
        with pytest.raises(InvalidWebhookSignature):
            verifier.verify(URL, params, signature)


def test_a_forged_signature_is_refused(
    state: FakeTwilioState, verifier: TwilioSignatureVerifier
) -> None:
    params, _ = signed(state)
    forged = TwilioSignatureVerifier("not-the-token").sign(URL, params)
    with pytest.raises(InvalidWebhookSignature):
        verifier.verify(URL, params, forged)
    with pytest.raises(InvalidWebhookSignature):
        verifier.verify(URL, params, "x" * 1000)


def test_a_tampered_parameter_is_refused(
    state: FakeTwilioState, verifier: TwilioSignatureVerifier
) -> None:
    params, signature = signed(state)
    tampered = [(k, "+19999999999" if k == "To" else v) for k, v in params]
    with pytest.raises(InvalidWebhookSignature):
        verifier.verify(URL, tampered, signature)
    with pytest.raises(InvalidWebhookSignature):
        verifier.verify(URL, [*params, ("Extra", "1")], signature)


def test_a_signature_for_another_url_is_refused(
    state: FakeTwilioState, verifier: TwilioSignatureVerifier
) -> None:
    # What a proxy's internal address, or a dropped query string, would give.
    for other in ("http://10.0.0.5:8003/sms/inbound?tenant=1", "https://pa.example/sms/inbound"):
        params, signature = signed(state, other)
        with pytest.raises(InvalidWebhookSignature):
            verifier.verify(URL, params, signature)


def test_the_default_port_may_be_added_or_left_out_like_twilios_validator(
    state: FakeTwilioState, verifier: TwilioSignatureVerifier
) -> None:
    params, signature = signed(state, "https://pa.example:443/sms/inbound?tenant=1")
    verifier.verify(URL, params, signature)
    params, signature = signed(state, URL)
    verifier.verify("https://pa.example:443/sms/inbound?tenant=1", params, signature)
    plain = "http://127.0.0.1:8003/sms/inbound"
    params, signature = signed(state, plain)
    verifier.verify(plain, params, signature)


def test_another_account_is_refused_even_with_a_valid_signature() -> None:
    other = FakeTwilioState(account_sid="AC" + "f" * 32, auth_token=TOKEN)
    params, signature = signed(other)
    with pytest.raises(InvalidWebhookSignature):
        TwilioSignatureVerifier(TOKEN, account_sid=DEFAULT_ACCOUNT_SID).verify(
            URL, params, signature
        )
    TwilioSignatureVerifier(TOKEN).verify(URL, params, signature)


def test_a_verifier_needs_a_token() -> None:
    with pytest.raises(ValueError, match="auth token"):
        TwilioSignatureVerifier("")


def test_the_webhook_token_is_the_twilio_token_or_a_development_key(tmp_path: Path) -> None:
    with_token = SmsSettings(_env_file=None, data_dir=tmp_path, twilio_auth_token="tok")  # type: ignore[call-arg]
    assert webhook_auth_token(with_token) == "tok"
    dev = SmsSettings(_env_file=None, data_dir=tmp_path, secret_key="s" * 40)  # type: ignore[call-arg]
    token = webhook_auth_token(dev)
    assert len(token) == 64
    assert token == webhook_auth_token(dev)
    other = SmsSettings(_env_file=None, data_dir=tmp_path, secret_key="t" * 40)  # type: ignore[call-arg]
    assert webhook_auth_token(other) != token


def test_an_inbound_form_is_parsed() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    message = parse_inbound(
        [
            ("MessageSid", SMS_SID),
            ("AccountSid", DEFAULT_ACCOUNT_SID),
            ("From", "+15557654321"),
            ("To", "+14155550100"),
            ("Body", "secret words"),
            ("NumSegments", "2"),
            ("FromCountry", "US"),
        ],
        at,
    )
    assert (message.sid, message.from_number, message.to_number) == (
        SMS_SID,
        "+15557654321",
        "+14155550100",
    )
    assert (message.body, message.segments, message.received_at) == ("secret words", 2, at)
    assert message.params == {"NumSegments": "2", "FromCountry": "US"}
    assert "secret" not in repr(message)


def test_a_form_without_the_essentials_is_malformed() -> None:
    with pytest.raises(MalformedRequest):
        parse_inbound([("From", "+15557654321"), ("To", "+14155550100")], datetime.now(UTC))


def test_a_bad_segment_count_is_taken_as_one() -> None:
    message = parse_inbound(
        [("SmsSid", SMS_SID), ("From", "+1555"), ("To", "+1415"), ("NumSegments", "x")],
        datetime.now(UTC),
    )
    assert (message.sid, message.segments, message.body) == (SMS_SID, 1, "")


# --- Twilio sids in a signed form -------------------------------------------------------

MMS_SID = "MM" + "fedcba9876543210" * 2


def test_a_form_with_well_formed_sids_passes_the_check() -> None:
    check_sids(
        [
            ("MessageSid", SMS_SID),
            ("SmsSid", SMS_SID),
            ("SmsMessageSid", SMS_SID),
            ("AccountSid", DEFAULT_ACCOUNT_SID),
            ("MessagingServiceSid", "MG" + "a" * 32),
        ]
    )


def test_an_mms_message_sid_is_well_formed() -> None:
    check_sids([("MessageSid", MMS_SID), ("SmsSid", MMS_SID)])


def test_a_field_twilio_adds_later_is_not_checked() -> None:
    check_sids([("MessageSid", SMS_SID), ("SomeFutureSid", "anything"), ("NumMedia", "0")])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MessageSid", "SM1"),
        ("MessageSid", "SM" + "0123456789ABCDEF" * 2),
        ("MessageSid", SMS_SID + "\n"),
        ("MessageSid", SMS_SID + "NumMedia0"),
        ("MessageSid", "MG" + "a" * 32),
        ("SmsSid", "SM" + "a" * 31),
        ("SmsMessageSid", ""),
        ("AccountSid", "AC1"),
        ("AccountSid", SMS_SID),
        ("MessagingServiceSid", "MG" + "g" * 32),
    ],
)
def test_a_malformed_sid_is_refused(name: str, value: str) -> None:
    with pytest.raises(MalformedRequest):
        check_sids([(name, value)])


def test_message_sids_that_disagree_are_refused() -> None:
    with pytest.raises(MalformedRequest):
        check_sids([("MessageSid", SMS_SID), ("SmsSid", MMS_SID)])


def test_parsing_an_inbound_form_checks_its_sids() -> None:
    form = [("MessageSid", "SM1"), ("From", "+15557654321"), ("To", "+14155550100")]
    with pytest.raises(MalformedRequest):
        parse_inbound(form, datetime.now(UTC))


def test_a_re_split_form_keeps_its_signature_but_not_a_well_formed_sid(
    state: FakeTwilioState, verifier: TwilioSignatureVerifier
) -> None:
    params, signature = signed(state)
    resplit = re_split_message_sid(params)
    # Twilio's scheme cannot tell the two forms apart ...
    verifier.verify(URL, resplit, signature)
    # ... but the new "MessageSid" is no Twilio sid.
    with pytest.raises(MalformedRequest):
        check_sids(resplit)
