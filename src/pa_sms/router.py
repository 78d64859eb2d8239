"""Inbound routing and status callbacks: from a verified webhook to the right user's agent.

:meth:`SmsRouter.receive` handles one inbound webhook, in this order:

1. the signature is verified against the configured public URL (and the
   ``AccountSid`` against ours) before anything else is read, then every
   Twilio sid in the form must be well formed (:func:`~pa_sms.webhooks.check_sids`);
2. a message from one of our configured service numbers is ignored (loop guard);
3. the ``MessageSid`` is claimed with an atomic set-if-absent with a TTL (Redis
   ``SET NX PX`` in production): a retry or a concurrent duplicate stops here;
4. in one step of the store (one SQL statement on PostgreSQL) the ``To``
   number is looked up and the message logged (without its body) for its
   owner, under the unique ``sid``, the last guard against a duplicate that
   slipped past the claim. An unknown or released number (or one whose owner
   is gone) never reaches any agent, and a message from one of our users'
   numbers is ignored (loop guard): both are logged and answered like any
   other, so Twilio does not retry;
5. STOP-type and START-type keywords update the opt-out at once (they reach no
   agent: nothing more is queued for them);
6. the agent runs later, as a :class:`~pa_sms.jobs.Job` of kind
   :data:`INBOUND_JOB` (data, so it can wait in Redis for a worker process):
   the webhook answers straight away.

The job (:meth:`SmsRouter.run_job`) reads, in one lookup, that the number is
still active and still the same owner's (a number released meanwhile reaches
no agent) and whether the handset opted out; it asks the user's agent for a
reply and sends it through the :class:`~pa_sms.outbound.OutboundSender`
(paced, logged, billed, tracked). A HELP/INFO answer is sent even to an
opted-out handset; nothing else is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from pa_core.clock import Clock
from pa_core.ids import new_id
from pa_core.kv.base import KeyValueStore
from pa_sms.agents import AgentContext, AgentRegistry
from pa_sms.errors import SmsError
from pa_sms.jobs import Job, JobQueue
from pa_sms.keywords import DEFAULT_HELP_TEXT, Keyword, classify
from pa_sms.logsafe import mask_phone
from pa_sms.outbound import OutboundSender
from pa_sms.records.base import InboundRoute, PhoneNumber, SmsRecord, SmsStore
from pa_sms.segments import count_segments
from pa_sms.webhooks import InboundSms, TwilioSignatureVerifier, check_sids, parse_inbound

__all__ = [
    "DEFAULT_IDEMPOTENCY_TTL",
    "INBOUND_JOB",
    "OPTED_OUT_CODE",
    "InboundOutcome",
    "SmsRouter",
]

DEFAULT_IDEMPOTENCY_TTL = timedelta(days=1)
"""How long a ``MessageSid`` is remembered (Twilio retries within 15 seconds)."""

INBOUND_JOB = "sms.inbound"
"""The kind of job that runs a user's agent on an inbound message."""

OPTED_OUT_CODE = 21610
"""Twilio's error code for a recipient who replied STOP."""

_logger = logging.getLogger("pa_sms.router")


class InboundOutcome(StrEnum):
    """What became of one inbound webhook (all are answered ``200`` with empty TwiML)."""

    ACCEPTED = "accepted"
    """Logged and handed to the user's agent."""
    DUPLICATE = "duplicate"
    """This ``MessageSid`` was seen before: not processed again."""
    UNROUTED = "unrouted"
    """Sent to a number that is not (or no longer) a user's: dropped, logged."""
    IGNORED = "ignored"
    """Sent by one of our own numbers: dropped (loop guard)."""


class SmsRouter:
    """Verifies, deduplicates and routes inbound messages; applies status callbacks.

    Args:
        store: numbers, message log, opt-outs.
        verifier: checks Twilio's signatures.
        outbound: sends the agents' replies.
        agents: the agent of each user.
        jobs: runs the agent outside the webhook request (the router registers
            :meth:`run_job` on it for :data:`INBOUND_JOB`).
        idempotency: an atomic key-value store (Redis in production) for ``MessageSid`` claims.
        clock: times in the log.
        inbound_url: the public URL of the inbound webhook, exactly as set at Twilio.
        status_url: the public URL of the status callback, exactly as set on messages.
        own_numbers: senders besides our users' numbers to ignore (``PA_TWILIO_FROM_NUMBER``).
        help_text: the answer to HELP/INFO when the agent gives none.
    """

    def __init__(
        self,
        *,
        store: SmsStore,
        verifier: TwilioSignatureVerifier,
        outbound: OutboundSender,
        agents: AgentRegistry,
        jobs: JobQueue,
        idempotency: KeyValueStore,
        clock: Clock,
        inbound_url: str,
        status_url: str,
        own_numbers: Iterable[str] = (),
        help_text: str = DEFAULT_HELP_TEXT,
        idempotency_ttl: timedelta = DEFAULT_IDEMPOTENCY_TTL,
    ) -> None:
        self.store = store
        self.verifier = verifier
        self.outbound = outbound
        self.agents = agents
        self.jobs = jobs
        self.idempotency = idempotency
        self.clock = clock
        self.inbound_url = inbound_url
        self.status_url = status_url
        self.own_numbers = frozenset(n for n in own_numbers if n)
        self.help_text = help_text
        self.idempotency_ttl = idempotency_ttl
        jobs.register(INBOUND_JOB, self.run_job)

    async def receive(
        self, params: Sequence[tuple[str, str]], signature: str | None
    ) -> InboundOutcome:
        """Handle one inbound webhook; see the module docstring for the steps.

        Raises:
            InvalidWebhookSignature: a missing, forged or misaddressed signature.
            MalformedRequest: a signed form without ``MessageSid``, ``From`` or
                ``To``, or with a malformed sid.
            ServiceUnavailable: the claim store or the database is down (Twilio
                retries; the claim is released first).
        """
        self.verifier.verify(self.inbound_url, params, signature)
        message = parse_inbound(params, self.clock.now())
        if message.from_number in self.own_numbers:
            return self._ignored(message)
        key = f"sms:inbound:{message.sid}"
        if not await self.idempotency.set_if_absent(key, b"1", self.idempotency_ttl):
            _logger.debug("SMS %s is a repeat; not processed again", message.sid)
            return InboundOutcome.DUPLICATE
        logged = False
        try:
            route = await self.store.log_inbound(self._record(message))
            if route.outcome == "own_number":
                return self._ignored(message)
            if route.outcome == "unrouted":
                _logger.warning(
                    "SMS %s to %s: no active number there; dropped",
                    message.sid,
                    mask_phone(message.to_number),
                )
                return InboundOutcome.UNROUTED
            if route.outcome == "duplicate":
                return InboundOutcome.DUPLICATE
            logged = True
            keyword = classify(message.body)
            await self._apply_keyword(keyword, message)
            if keyword not in (Keyword.OPT_OUT, Keyword.OPT_IN):
                await self.jobs.submit(_inbound_job(message, route, keyword))
        except BaseException:
            if not logged:
                await self.idempotency.delete(key)
            raise
        return InboundOutcome.ACCEPTED

    @staticmethod
    def _ignored(message: InboundSms) -> InboundOutcome:
        _logger.warning(
            "SMS %s from our own number %s ignored", message.sid, mask_phone(message.from_number)
        )
        return InboundOutcome.IGNORED

    def _record(self, message: InboundSms) -> SmsRecord:
        """The log record; the store fills in the owner and number it routes to."""
        now = message.received_at
        info = count_segments(message.body)
        segments = max(message.segments, info.segments)
        return SmsRecord(
            id=new_id(now),
            sid=message.sid,
            direction="inbound",
            from_number=message.from_number,
            to_number=message.to_number,
            user_id=None,
            number_id=None,
            segments=segments,
            encoding=info.encoding,
            status="received",
            estimated_cost=self.outbound.estimate("inbound", message.to_number, segments),
            created_at=now,
            updated_at=now,
            completed_at=now,
        )

    async def _apply_keyword(self, keyword: Keyword | None, message: InboundSms) -> None:
        if keyword is Keyword.OPT_OUT:
            await self.store.set_opt_out(message.to_number, message.from_number, self.clock.now())
            _logger.info(
                "%s opted out of %s", mask_phone(message.from_number), mask_phone(message.to_number)
            )
        elif keyword is Keyword.OPT_IN:
            await self.store.clear_opt_out(message.to_number, message.from_number)
            _logger.info(
                "%s opted back in to %s",
                mask_phone(message.from_number),
                mask_phone(message.to_number),
            )

    async def run_job(self, job: Job) -> None:
        """Handle an :data:`INBOUND_JOB`: the number must still be active and the same owner's."""
        message, number_id, user_id, keyword = _from_job(job)
        number, opted_out = await self.store.reply_context(message.to_number, message.from_number)
        if number is None or number.id != number_id or number.user_id != user_id:
            _logger.warning(
                "SMS %s: %s was released meanwhile; reaches no agent",
                message.sid,
                mask_phone(message.to_number),
            )
            return
        await self.process(message, number, keyword, opted_out=opted_out)

    async def process(
        self,
        message: InboundSms,
        number: PhoneNumber,
        keyword: Keyword | None,
        *,
        opted_out: bool | None = None,
    ) -> None:
        """Ask the user's agent and send its reply (never to an opted-out pair but HELP).

        STOP-type and START-type keywords are compliance commands: they reach no
        agent and get no reply from us (the carrier confirms them). ``opted_out``
        is read from the store unless the caller just read it (it is read once).
        """
        if keyword in (Keyword.OPT_OUT, Keyword.OPT_IN) or number.user_id is None:
            return
        if opted_out is None:
            opted_out = await self.store.is_opted_out(number.phone_number, message.from_number)
        context = AgentContext(
            user_id=number.user_id, number=number, keyword=keyword, opted_out=opted_out
        )
        reply = await self.agents.for_user(number.user_id).handle(message, context)
        is_help = keyword is Keyword.HELP
        if is_help and not reply:
            reply = self.help_text
        if not reply:
            return
        if opted_out and not is_help:
            _logger.info(
                "reply to %s suppressed: opted out of %s",
                message.sid,
                mask_phone(number.phone_number),
            )
            return
        try:
            await self.outbound.send(
                from_number=number.phone_number,
                to=message.from_number,
                body=reply,
                user_id=number.user_id,
                number_id=number.id,
                allow_opted_out=is_help,
                opted_out=opted_out,
            )
        except SmsError as exc:
            _logger.warning("reply to %s not sent: %s", message.sid, getattr(exc, "code", exc))

    async def status_callback(
        self, params: Sequence[tuple[str, str]], signature: str | None
    ) -> bool:
        """Apply a message status callback; return whether the logged status moved.

        The status only moves forward (a late ``sent`` never overwrites
        ``delivered``); the error code is recorded; a 21610 marks the pair
        opted out. An unknown ``MessageSid`` changes nothing.

        Raises:
            InvalidWebhookSignature: a missing, forged or misaddressed signature.
            MalformedRequest: a signed form with a malformed sid.
        """
        self.verifier.verify(self.status_url, params, signature)
        check_sids(params)
        fields = dict(reversed(params))
        sid = fields.get("MessageSid") or fields.get("SmsSid") or ""
        status = (fields.get("MessageStatus") or fields.get("SmsStatus") or "").lower()
        if not sid or not status:
            return False
        try:
            error_code: int | None = int(fields["ErrorCode"]) if fields.get("ErrorCode") else None
        except ValueError:
            error_code = None
        changed = await self.store.advance_status(sid, status, self.clock.now(), error_code)
        if error_code == OPTED_OUT_CODE and fields.get("From") and fields.get("To"):
            await self.store.set_opt_out(fields["From"], fields["To"], self.clock.now())
        return changed


def _inbound_job(message: InboundSms, route: InboundRoute, keyword: Keyword | None) -> Job:
    """The agent's job as data (the body travels with it; it is never logged)."""
    return Job(
        INBOUND_JOB,
        {
            "sid": message.sid,
            "account_sid": message.account_sid,
            "from": message.from_number,
            "to": message.to_number,
            "body": message.body,
            "received_at": message.received_at.isoformat(),
            "segments": message.segments,
            "params": message.params,
            "number_id": route.number_id,
            "user_id": route.user_id,
            "keyword": keyword.value if keyword is not None else None,
        },
    )


def _from_job(job: Job) -> tuple[InboundSms, str, str, Keyword | None]:
    data = job.data
    message = InboundSms(
        sid=data["sid"],
        account_sid=data["account_sid"],
        from_number=data["from"],
        to_number=data["to"],
        body=data["body"],
        received_at=datetime.fromisoformat(data["received_at"]),
        segments=int(data["segments"]),
        params=dict(data["params"]),
    )
    keyword = Keyword(data["keyword"]) if data["keyword"] else None
    return message, data["number_id"], data["user_id"], keyword
