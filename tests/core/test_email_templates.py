"""EmailTemplates, EmailMessage, the console sender and the memory outbox."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from pa_core.config import Settings
from pa_core.email import ConsoleEmailSender, EmailMessage, EmailTemplates, MemoryOutbox
from pa_core.email.templates import describe_duration
from pa_core.errors import ImproperlyConfigured, ValidationFailed

pytestmark = pytest.mark.anyio

BASE = "https://assistant.example.org"
TOKEN = "a+b/c=d&e f"  # every character that must be URL-encoded


@pytest.fixture
def templates() -> EmailTemplates:
    return EmailTemplates(BASE, product_name="Helper")


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


# --- templates -------------------------------------------------------------------


def test_verification_links_to_verify_email_with_the_token(templates: EmailTemplates) -> None:
    message = templates.verification("ann@example.org", TOKEN)
    [link] = message.links()
    assert link.startswith(f"{BASE}/verify-email?token=")
    assert token_of(link) == TOKEN
    assert message.to == "ann@example.org"
    assert message.subject == "Confirm your email address for Helper"


def test_password_reset_links_to_reset_password_with_the_token(templates: EmailTemplates) -> None:
    message = templates.password_reset("ann@example.org", TOKEN)
    [link] = message.links()
    assert link.startswith(f"{BASE}/reset-password?token=")
    assert token_of(link) == TOKEN
    assert message.subject == "Reset your Helper password"


def test_each_message_has_a_text_and_an_html_part(templates: EmailTemplates) -> None:
    message = templates.verification("ann@example.org", "tok")
    assert message.html is not None
    assert message.html.startswith("<!DOCTYPE html>")
    assert f'href="{BASE}/verify-email?token=tok"' in message.html
    assert "<title>Confirm your email address for Helper</title>" in message.html


def test_the_token_is_escaped_in_the_html_part(templates: EmailTemplates) -> None:
    message = templates.password_reset("ann@example.org", "x\"'<>&")
    assert message.html is not None
    assert "x%22%27%3C%3E%26" in message.html
    assert "x\"'<>&" not in message.html


def test_the_product_name_is_html_escaped() -> None:
    message = EmailTemplates(BASE, product_name="A & <B>").verification("a@b.org", "t")
    assert message.html is not None
    assert "A &amp; &lt;B&gt;" in message.html
    assert "A & <B>" in message.text


def test_the_expiry_is_stated_when_given(templates: EmailTemplates) -> None:
    message = templates.verification("a@b.org", "t", expires_in=timedelta(hours=24))
    assert "This link expires in 1 day." in message.text
    reset = templates.password_reset("a@b.org", "t", expires_in=timedelta(minutes=30))
    assert "This link expires in 30 minutes." in reset.text


def test_without_an_expiry_no_empty_lines_pile_up(templates: EmailTemplates) -> None:
    assert "\n\n\n" not in templates.verification("a@b.org", "t").text


@pytest.mark.parametrize(
    ("duration", "said"),
    [
        (timedelta(days=2), "2 days"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=25), "25 hours"),
        (timedelta(minutes=90), "90 minutes"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(seconds=20), "1 minute"),
        (timedelta(hours=2, seconds=5), "2 hours"),
    ],
)
def test_describe_duration(duration: timedelta, said: str) -> None:
    assert describe_duration(duration) == said


def test_a_security_notice_names_a_known_event(templates: EmailTemplates) -> None:
    when = datetime(2026, 5, 6, 7, 8, tzinfo=UTC)
    message = templates.security_notice("ann@example.org", "password_changed", occurred_at=when)
    assert "The password of your account was changed." in message.text
    assert "2026-05-06 07:08 UTC" in message.text
    assert message.subject == "Security notice from Helper"
    assert message.links() == [f"{BASE}/"]


def test_a_security_notice_takes_a_sentence_of_its_own_and_shows_utc(
    templates: EmailTemplates,
) -> None:
    when = datetime(2026, 5, 6, 9, 8, tzinfo=timezone(timedelta(hours=2)))
    message = templates.security_notice("a@b.org", "A new <device> signed in.", occurred_at=when)
    assert "A new <device> signed in." in message.text
    assert message.html is not None
    assert "A new &lt;device&gt; signed in." in message.html
    assert "2026-05-06 07:08 UTC" in message.text


def test_a_security_notice_needs_an_aware_time(templates: EmailTemplates) -> None:
    with pytest.raises(ValidationFailed):
        templates.security_notice("a@b.org", "mfa_enabled", occurred_at=datetime(2026, 1, 1))


def test_no_template_leaves_a_placeholder_behind(templates: EmailTemplates) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    for message in (
        templates.verification("a@b.org", "t", expires_in=timedelta(hours=1)),
        templates.password_reset("a@b.org", "t", expires_in=timedelta(hours=1)),
        templates.security_notice("a@b.org", "mfa_disabled", occurred_at=when),
    ):
        assert message.html is not None
        assert "$" not in message.text
        assert "$" not in message.html


def test_links_come_from_the_public_base_url_setting() -> None:
    settings = Settings(public_base_url="https://pa.example.net/app/")
    message = EmailTemplates.from_settings(settings).verification("a@b.org", "t")
    assert message.links() == ["https://pa.example.net/app/verify-email?token=t"]


@pytest.mark.parametrize(
    "url", ["assistant.example.org", "ftp://x.org", "https://", "https://x.org/?a=1"]
)
def test_a_base_url_that_is_not_an_absolute_http_url_is_refused(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="PA_PUBLIC_BASE_URL"):
        EmailTemplates(url)


def test_a_directory_overrides_a_bundled_template(tmp_path: Path) -> None:
    (tmp_path / "verification.txt").write_text("Hi from $product: $link\n", encoding="utf-8")
    templates = EmailTemplates(BASE, "Helper", directory=tmp_path)
    message = templates.verification("a@b.org", "t")
    assert message.text == f"Hi from Helper: {BASE}/verify-email?token=t\n"
    assert message.html is not None
    assert "Confirm email address" in message.html  # the bundled HTML part


def test_an_override_with_an_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "password_reset.html").write_text("<p>$nonsense</p>", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=r"password_reset\.html"):
        EmailTemplates(BASE, directory=tmp_path)


# --- EmailMessage --------------------------------------------------------------------


def test_the_repr_of_a_message_leaves_the_bodies_out() -> None:
    message = EmailMessage("a@b.org", "Subject", "token 123", "<p>token 123</p>")
    assert "token 123" not in repr(message)
    assert "a@b.org" in repr(message)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"to": "a@b.org\r\nBcc: evil@x.org"},
        {"subject": "Hi\nBcc: evil@x.org"},
        {"headers": {"X-Tag": "a\r\nBcc: evil@x.org"}},
        {"headers": {"X-Tag\n": "a"}},
        {"to": "  "},
    ],
)
def test_header_injection_and_an_empty_recipient_are_refused(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {"to": "a@b.org", "subject": "Hi", "text": "body"} | kwargs
    with pytest.raises(ValidationFailed):
        EmailMessage(**fields)  # type: ignore[arg-type]


# --- console -----------------------------------------------------------------------------


async def test_the_console_prints_the_whole_message_including_the_link() -> None:
    stream = io.StringIO()
    message = EmailTemplates(BASE).verification("ann@example.org", "tok-123")
    await ConsoleEmailSender(stream).send(
        EmailMessage(message.to, message.subject, message.text, message.html, {"X-Id": "7"})
    )
    printed = stream.getvalue()
    assert "development only" in printed
    assert "To: ann@example.org" in printed
    assert "X-Id: 7" in printed
    assert f"{BASE}/verify-email?token=tok-123" in printed
    assert "HTML alternative" in printed


async def test_the_console_writes_to_standard_output_by_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    await ConsoleEmailSender().send(EmailMessage("a@b.org", "Hi", "hello there"))
    assert "hello there" in capsys.readouterr().out


# --- memory outbox -------------------------------------------------------------------------


async def test_the_outbox_finds_messages_by_recipient_ignoring_case() -> None:
    outbox = MemoryOutbox()
    await outbox.send(EmailMessage("Ann <Ann@Example.org>", "one", "1"))
    await outbox.send(EmailMessage("bob@example.org", "two", "2"))
    await outbox.send(EmailMessage("ann@example.org", "three", "3"))
    assert [m.subject for m in outbox.sent_to("ANN@example.org")] == ["one", "three"]
    assert outbox.last_to("ann@example.org").subject == "three"
    assert len(outbox) == 3
    assert [m.subject for m in outbox] == ["one", "two", "three"]


async def test_last_to_raises_lookup_error_when_nothing_was_sent() -> None:
    with pytest.raises(LookupError, match=r"nobody@example\.org"):
        MemoryOutbox().last_to("nobody@example.org")


async def test_clear_forgets_every_message() -> None:
    outbox = MemoryOutbox()
    await outbox.send(EmailMessage("a@b.org", "one", "1"))
    outbox.clear()
    assert len(outbox) == 0
