"""The SMS store in dictionaries: the embedded default and the test double."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from pa_core.errors import Conflict, NotFound
from pa_sms.records.base import InboundRoute, PhoneNumber, SmsRecord, WebhookConfig
from pa_sms.records.statuses import TERMINAL_STATUSES, is_forward

__all__ = ["MemorySmsStore"]


class MemorySmsStore:
    """Implements :class:`~pa_sms.records.base.SmsStore` in one process's memory.

    Every method runs without awaiting anything in between, so each is atomic
    under asyncio.
    """

    def __init__(self) -> None:
        self.numbers: dict[str, PhoneNumber] = {}
        self.webhooks: dict[str, WebhookConfig] = {}
        self.messages: dict[str, SmsRecord] = {}
        self.opt_outs: dict[tuple[str, str], datetime] = {}

    async def add_number(self, number: PhoneNumber, webhook: WebhookConfig) -> None:
        """See :meth:`SmsStore.add_number`."""
        if any(n.provider_sid == number.provider_sid for n in self.numbers.values()):
            raise Conflict(f"number {number.provider_sid} is already stored")
        self.numbers[number.id] = number
        self.webhooks[number.id] = webhook

    async def get_number(self, number_id: str) -> PhoneNumber | None:
        """See :meth:`SmsStore.get_number`."""
        return self.numbers.get(number_id)

    async def active_number(self, phone_number: str) -> PhoneNumber | None:
        """See :meth:`SmsStore.active_number`."""
        return next(
            (n for n in self.numbers.values() if n.phone_number == phone_number and n.active),
            None,
        )

    async def active_numbers(self, phone_numbers: Sequence[str]) -> dict[str, PhoneNumber]:
        """See :meth:`SmsStore.active_numbers`."""
        wanted = set(phone_numbers)
        return {
            n.phone_number: n
            for n in self.numbers.values()
            if n.active and n.phone_number in wanted
        }

    async def list_numbers(
        self, *, user_id: str | None = None, active_only: bool = True
    ) -> list[PhoneNumber]:
        """See :meth:`SmsStore.list_numbers`."""
        found = [
            n
            for n in self.numbers.values()
            if (user_id is None or n.user_id == user_id) and (n.active or not active_only)
        ]
        return sorted(found, key=lambda n: (n.provisioned_at, n.id))

    async def release_number(self, number_id: str, at: datetime) -> PhoneNumber:
        """See :meth:`SmsStore.release_number`."""
        number = self.numbers.get(number_id)
        if number is None:
            raise NotFound(f"no number {number_id}")
        if not number.active:
            return number
        released = replace(number, status="released", released_at=at)
        self.numbers[number_id] = released
        self.webhooks.pop(number_id, None)
        for key in [k for k in self.opt_outs if k[0] == number.phone_number]:
            del self.opt_outs[key]
        return released

    async def get_webhook(self, number_id: str) -> WebhookConfig | None:
        """See :meth:`SmsStore.get_webhook`."""
        return self.webhooks.get(number_id)

    async def save_webhook(self, config: WebhookConfig) -> None:
        """See :meth:`SmsStore.save_webhook`."""
        self.webhooks[config.number_id] = config

    async def add_message(self, record: SmsRecord) -> bool:
        """See :meth:`SmsStore.add_message`."""
        if record.sid in self.messages:
            return False
        self.messages[record.sid] = record
        return True

    async def log_inbound(self, record: SmsRecord) -> InboundRoute:
        """See :meth:`SmsStore.log_inbound`."""
        active = {n.phone_number: n for n in self.numbers.values() if n.active}
        if record.from_number in active:
            return InboundRoute("own_number")
        number = active.get(record.to_number)
        if number is None or number.user_id is None:
            return InboundRoute("unrouted")
        if record.sid in self.messages:
            return InboundRoute("duplicate", number.id, number.user_id)
        self.messages[record.sid] = replace(record, user_id=number.user_id, number_id=number.id)
        return InboundRoute("logged", number.id, number.user_id)

    async def get_message(self, sid: str) -> SmsRecord | None:
        """See :meth:`SmsStore.get_message`."""
        return self.messages.get(sid)

    async def advance_status(
        self, sid: str, status: str, at: datetime, error_code: int | None = None
    ) -> bool:
        """See :meth:`SmsStore.advance_status`."""
        current = self.messages.get(sid)
        if current is None or not is_forward(current.status, status):
            return False
        self.messages[sid] = replace(
            current,
            status=status,
            error_code=error_code if error_code is not None else current.error_code,
            updated_at=at,
            completed_at=at if status in TERMINAL_STATUSES else current.completed_at,
        )
        return True

    async def set_price(self, sid: str, price: Decimal, unit: str | None, at: datetime) -> None:
        """See :meth:`SmsStore.set_price`."""
        current = self.messages.get(sid)
        if current is not None:
            self.messages[sid] = replace(current, price=price, price_unit=unit, updated_at=at)

    async def messages_without_price(
        self, *, after: datetime, before: datetime, limit: int
    ) -> list[SmsRecord]:
        """See :meth:`SmsStore.messages_without_price`."""
        found = [
            m
            for m in self.messages.values()
            if m.direction == "outbound" and m.price is None and after <= m.created_at < before
        ]
        return sorted(found, key=lambda m: (m.created_at, m.id))[:limit]

    async def set_opt_out(self, number: str, handset: str, at: datetime) -> None:
        """See :meth:`SmsStore.set_opt_out`."""
        self.opt_outs.setdefault((number, handset), at)

    async def clear_opt_out(self, number: str, handset: str) -> bool:
        """See :meth:`SmsStore.clear_opt_out`."""
        return self.opt_outs.pop((number, handset), None) is not None

    async def is_opted_out(self, number: str, handset: str) -> bool:
        """See :meth:`SmsStore.is_opted_out`."""
        return (number, handset) in self.opt_outs

    async def reply_context(self, number: str, handset: str) -> tuple[PhoneNumber | None, bool]:
        """See :meth:`SmsStore.reply_context`."""
        return await self.active_number(number), (number, handset) in self.opt_outs
