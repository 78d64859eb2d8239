"""Mail sent beside the request, never inside it: :class:`MailDispatcher`.

A flow that must not reveal whether an account exists (forgot-password,
resend-verification) cannot wait for the mail server: a slow server makes the
answer for a real account seconds slower, and a server that is down turns it
into an error, while a missing account answers at once. The dispatcher hands
each message to its sender in a task of its own and returns at once; the
request answers the same either way.

Each task is kept referenced until it ends (a bare ``create_task`` may be
collected mid-flight). A failure is logged with the message's kind and the
user's id only, never its address, subject, body, link or token, and never
reaches the request. :meth:`MailDispatcher.drain` waits for everything
submitted (tests, shutdown); :meth:`MailDispatcher.aclose` drains and refuses
new work. A later job queue can replace it behind the same ``submit``.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Final

from pa_core.email.base import EmailMessage, EmailSender

__all__ = ["DEFAULT_MAX_CONCURRENT", "DEFAULT_MAX_PENDING", "MailDispatcher"]

logger = logging.getLogger("pa_core.email.dispatcher")

DEFAULT_MAX_PENDING: Final = 1000
"""Messages waiting or in flight at most; beyond it new ones are dropped (and logged)."""

DEFAULT_MAX_CONCURRENT: Final = 4
"""Messages handed to the sender at the same time at most."""


class MailDispatcher:
    """Sends mail in background tasks that cannot fail, or slow down, the caller.

    Use one per process, on the event loop that serves requests; close it at
    shutdown (``await dispatcher.aclose()`` or ``async with dispatcher:``) so
    that pending mail goes out before the sender is closed.

    Args:
        sender: the backend that delivers (SMTP, console, memory).
        max_pending: messages waiting or in flight at most (a flood with a slow
            server must not grow memory without bound); beyond it a message is dropped.
        max_concurrent: messages handed to ``sender`` at the same time at most.
    """

    def __init__(
        self,
        sender: EmailSender,
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        max_concurrent: int = DEFAULT_MAX_CONCURRENT,
    ) -> None:
        if max_pending < 1 or max_concurrent < 1:
            raise ValueError("max_pending and max_concurrent must be at least 1")
        self.sender = sender
        self.max_pending = max_pending
        self.max_concurrent = max_concurrent
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots: asyncio.Semaphore | None = None
        self._closed = False

    @property
    def pending(self) -> int:
        """Messages submitted and not yet finished (sent or failed)."""
        return len(self._tasks)

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called: new messages are dropped."""
        return self._closed

    def submit(self, message: EmailMessage, *, kind: str, user_id: str | None = None) -> bool:
        """Start sending ``message`` in the background and return at once.

        Must be called on the running event loop. Never raises because of the
        mail: a closed or full dispatcher drops the message with a log line.

        Args:
            message: what to send.
            kind: what the mail is (``"password_reset"``, ``"verification"``, ...), for logs.
            user_id: whom it is for, for logs (the address is never logged).

        Returns:
            Whether the message was accepted (``False``: dropped, and logged).
        """
        who = user_id or "-"
        if self._closed:
            logger.warning("mail dispatcher closed: %s mail to user %s dropped", kind, who)
            return False
        if len(self._tasks) >= self.max_pending:
            logger.warning(
                "mail dispatcher full (%d pending): %s mail to user %s dropped",
                len(self._tasks),
                kind,
                who,
            )
            return False
        task = asyncio.get_running_loop().create_task(self._send(message, kind, who))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _send(self, message: EmailMessage, kind: str, who: str) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrent)
        try:
            async with self._slots:
                await self.sender.send(message)
        except Exception as exc:
            # The exception's text may quote the address or the server's reply: only its type.
            logger.warning("%s mail to user %s was not sent (%s)", kind, who, type(exc).__name__)

    async def drain(self) -> None:
        """Wait until every message submitted so far, and during the wait, has finished."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def aclose(self) -> None:
        """Refuse new messages and wait for the pending ones (call before closing the sender)."""
        self._closed = True
        await self.drain()

    async def __aenter__(self) -> MailDispatcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
