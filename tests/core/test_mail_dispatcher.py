"""MailDispatcher, and forgot-password / resend answering before their mail is sent.

Wired directly, without the app: a sender that blocks until released stands
for a slow mail server, ``MemoryOutbox.failing`` for one that is down.
"""

from __future__ import annotations

import logging

import anyio
import anyio.lowlevel
import pytest

from pa_core.audit import AuditFilter
from pa_core.clock import FrozenClock
from pa_core.email import EmailMessage, MailDispatcher, MemoryOutbox
from pa_core.pagination import PageRequest
from tests.core.test_mfa_service import EMAIL, PASSWORD, World, build

pytestmark = pytest.mark.anyio

SECRET_LINK = "https://pa.example/reset-password?token=tok-SECRET-42"
MESSAGE = EmailMessage(to="ann@example.org", subject="Reset your password", text=SECRET_LINK)


class HeldSender:
    """A mail server that accepts nothing until :meth:`release` (a slow server)."""

    def __init__(self) -> None:
        self.outbox = MemoryOutbox()
        self.released = anyio.Event()
        self.started = 0

    async def send(self, message: EmailMessage) -> None:
        self.started += 1
        await self.released.wait()
        await self.outbox.send(message)

    def release(self) -> None:
        self.released.set()


async def test_submit_returns_before_the_sender_finishes_and_drain_waits_for_it() -> None:
    sender = HeldSender()
    dispatcher = MailDispatcher(sender)
    assert dispatcher.submit(MESSAGE, kind="password_reset", user_id="u1")
    await anyio.lowlevel.checkpoint()
    assert (sender.started, len(sender.outbox), dispatcher.pending) == (1, 0, 1)
    sender.release()
    await dispatcher.drain()
    assert [m.to for m in sender.outbox] == ["ann@example.org"]
    assert dispatcher.pending == 0


async def test_a_failing_send_is_logged_without_the_message_and_never_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outbox = MemoryOutbox()
    outbox.failing = True
    dispatcher = MailDispatcher(outbox)
    with caplog.at_level(logging.WARNING):
        dispatcher.submit(MESSAGE, kind="password_reset", user_id="u1")
        await dispatcher.drain()
    assert "tok-SECRET-42" not in caplog.text
    (line,) = [r.getMessage() for r in caplog.records if r.name == "pa_core.email.dispatcher"]
    assert "password_reset mail to user u1 was not sent" in line
    assert "ann@example.org" not in line


async def test_close_sends_what_is_pending_and_drops_what_comes_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sender = HeldSender()
    dispatcher = MailDispatcher(sender)
    dispatcher.submit(MESSAGE, kind="verification", user_id="u1")
    sender.release()
    async with dispatcher:
        pass
    assert len(sender.outbox) == 1
    with caplog.at_level(logging.WARNING):
        assert not dispatcher.submit(MESSAGE, kind="verification", user_id="u2")
    assert "dropped" in caplog.text
    assert len(sender.outbox) == 1


async def test_a_full_dispatcher_drops_new_mail_instead_of_growing() -> None:
    sender = HeldSender()
    dispatcher = MailDispatcher(sender, max_pending=2)
    accepted = [dispatcher.submit(MESSAGE, kind="verification") for _ in range(3)]
    assert accepted == [True, True, False]
    sender.release()
    await dispatcher.drain()
    assert len(sender.outbox) == 2


async def test_no_more_sends_run_at_once_than_allowed() -> None:
    sender = HeldSender()
    dispatcher = MailDispatcher(sender, max_concurrent=2)
    for _ in range(5):
        dispatcher.submit(MESSAGE, kind="verification")
    await anyio.sleep(0.01)
    assert sender.started == 2
    sender.release()
    await dispatcher.drain()
    assert len(sender.outbox) == 5


# --- the account flows ---------------------------------------------------------------


def world_mailing_through(clock: FrozenClock, sender: HeldSender | MemoryOutbox) -> World:
    return build(clock, mail=MailDispatcher(sender))


async def test_forgot_password_answers_before_a_slow_server_takes_the_mail(
    clock: FrozenClock,
) -> None:
    sender = HeldSender()
    world = world_mailing_through(clock, sender)
    await world.accounts.register(EMAIL, PASSWORD)
    with anyio.fail_after(1):
        await world.accounts.forgot_password(EMAIL)
    assert len(sender.outbox) == 0
    sender.release()
    await world.accounts.mail.drain()
    assert "reset" in sender.outbox.last_to(EMAIL).text.lower()


async def test_resend_answers_before_a_slow_server_takes_the_mail(clock: FrozenClock) -> None:
    sender = HeldSender()
    world = world_mailing_through(clock, sender)
    await world.accounts.register(EMAIL, PASSWORD)
    with anyio.fail_after(1):
        await world.accounts.resend_verification(EMAIL)
    sender.release()
    await world.accounts.mail.drain()
    assert len(sender.outbox.sent_to(EMAIL)) == 1


async def test_forgot_and_resend_do_not_fail_when_the_mail_server_is_down(
    clock: FrozenClock,
) -> None:
    world = build(clock)
    await world.accounts.register(EMAIL, PASSWORD)
    world.outbox.failing = True
    await world.accounts.forgot_password(EMAIL)
    await world.accounts.resend_verification(EMAIL)
    await world.accounts.mail.drain()


async def test_an_unknown_address_asking_for_a_reset_is_audited_like_a_known_one(
    clock: FrozenClock,
) -> None:
    world = build(clock)
    await world.accounts.register(EMAIL, PASSWORD)
    await world.accounts.forgot_password(EMAIL)
    await world.accounts.forgot_password("nobody@example.com")
    page = await world.audit.log.list(
        AuditFilter(action="account.password_reset_requested"), PageRequest(limit=10)
    )
    assert sorted(e.outcome.value for e in page.items) == ["failure", "success"]
    assert all("nobody" not in repr(e) for e in page.items)
