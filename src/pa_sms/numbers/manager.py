"""The number manager: a number per user, bought with its webhooks set, released, reconciled.

:class:`NumberManager` joins the provider (:class:`~pa_sms.numbers.base.NumberProvider`)
and our records (:class:`~pa_sms.records.base.SmsStore`):

- :meth:`~NumberManager.provision` buys an SMS-capable number for a user with
  ``sms_url``, ``sms_method`` and ``sms_fallback_url`` pointing at our public
  URL in the same call, and records it with its webhook settings;
- :meth:`~NumberManager.release` gives it back and clears its routing and its
  opt-outs;
- :meth:`~NumberManager.reconcile` compares the provider's numbers and webhook
  settings with ours, reports the drift and, when asked, repairs it.

Every provisioning and release is audited here (``sms.number.provisioned`` /
``sms.number.released``, the actor and the user whose number it is), so that
any wiring of the library keeps the trail, not only the reference app.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pa_core.audit import AuditContext, AuditRecorder, Outcome
from pa_core.clock import Clock
from pa_core.errors import NotFound
from pa_core.ids import new_id
from pa_core.users import UserRepository
from pa_sms.errors import NumberUnavailable
from pa_sms.logsafe import mask_phone
from pa_sms.numbers.base import AvailableNumber, NumberProvider, ProvisionedNumber, SmsMethod
from pa_sms.records.base import PhoneNumber, SmsStore, WebhookConfig

__all__ = [
    "PROVISION_CANDIDATES",
    "DriftItem",
    "DriftKind",
    "NumberManager",
    "ReconcileReport",
]

PROVISION_CANDIDATES = 5
"""Numbers tried, in turn, when another buyer takes the first one offered."""

DriftKind = Literal["missing_at_provider", "unknown_at_provider", "webhook_mismatch"]

_logger = logging.getLogger("pa_sms.numbers")


@dataclass(frozen=True, slots=True)
class DriftItem:
    """One difference between the provider and our records.

    - ``missing_at_provider``: we route a number the account no longer owns
      (repair: mark it released here);
    - ``unknown_at_provider``: the account owns a number we do not know (never
      repaired automatically: it may serve something else);
    - ``webhook_mismatch``: the number's SMS webhooks point elsewhere (repair:
      set them back).
    """

    kind: DriftKind
    phone_number: str
    provider_sid: str
    detail: str
    number_id: str | None = None
    repaired: bool = False


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What :meth:`NumberManager.reconcile` found (and repaired)."""

    checked_at: datetime
    checked: int
    items: list[DriftItem] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Whether the provider and our records agree entirely."""
        return not self.items


class NumberManager:
    """Provisions, releases and reconciles users' numbers.

    Args:
        provider: the provider's number API.
        store: our records.
        clock: times in the records.
        inbound_url: where the numbers' ``sms_url`` must point.
        status_url: the status callback set on each outbound message (recorded).
        fallback_url: the numbers' ``sms_fallback_url`` (``inbound_url`` by default).
        users: when given, provisioning for an unknown user raises ``NotFound``.
        audit: where provisioning and release are recorded (target: the number's user).
    """

    def __init__(
        self,
        provider: NumberProvider,
        store: SmsStore,
        clock: Clock,
        *,
        inbound_url: str,
        status_url: str,
        fallback_url: str | None = None,
        method: SmsMethod = "POST",
        users: UserRepository | None = None,
        audit: AuditRecorder,
    ) -> None:
        self.provider = provider
        self.store = store
        self.clock = clock
        self.inbound_url = inbound_url
        self.status_url = status_url
        self.fallback_url = fallback_url or inbound_url
        self.method: SmsMethod = method
        self.users = users
        self.audit = audit

    async def search(
        self, country: str = "US", area_code: str | None = None, limit: int = 20
    ) -> list[AvailableNumber]:
        """SMS-capable numbers for sale (see :meth:`NumberProvider.search`)."""
        return await self.provider.search(country, area_code, sms=True, limit=limit)

    async def provision(
        self,
        user_id: str,
        *,
        country: str = "US",
        area_code: str | None = None,
        actor_id: str | None = None,
        context: AuditContext | None = None,
    ) -> PhoneNumber:
        """Buy an SMS-capable number for ``user_id``, its webhooks set, record and audit it.

        ``actor_id`` (the administrator) and ``context`` go into the
        ``sms.number.provisioned`` audit event, whose target is the user.

        Raises:
            NotFound: no user ``user_id`` (when a user repository was given).
            ValidationFailed: a malformed country or area code.
            NumberUnavailable: nothing suitable is for sale.
            SmsRetryableError: the provider is down or rate limiting.
        """
        if self.users is not None and await self.users.get(user_id) is None:
            raise NotFound(f"no user {user_id}")
        bought = await self._buy(country, area_code)
        now = self.clock.now()
        number = PhoneNumber(
            id=new_id(now),
            user_id=user_id,
            phone_number=bought.phone_number,
            provider_sid=bought.sid,
            status="active",
            capabilities=dict(bought.capabilities),
            provisioned_at=now,
            monthly_price=bought.monthly_price,
            price_unit=bought.price_unit,
            friendly_name=bought.friendly_name,
        )
        try:
            await self.store.add_number(number, self._webhook(number, now))
        except BaseException:
            # Never keep paying for a number nobody can route to.
            await self.provider.release(bought.sid)
            raise
        _logger.info("number %s provisioned for user %s", mask_phone(number.phone_number), user_id)
        await self._record("sms.number.provisioned", number, actor_id, context)
        return number

    async def _buy(self, country: str, area_code: str | None) -> ProvisionedNumber:
        """The first of the offered numbers still for sale, bought with our webhooks set.

        Raises:
            NumberUnavailable: none of the candidates could be bought.
        """
        offers = await self.provider.search(
            country, area_code, sms=True, limit=PROVISION_CANDIDATES
        )
        for offer in offers:
            try:
                return await self.provider.provision(
                    offer.phone_number,
                    sms_url=self.inbound_url,
                    sms_fallback_url=self.fallback_url,
                    sms_method=self.method,
                )
            except NumberUnavailable:
                continue
        raise NumberUnavailable("no SMS-capable number is available there")

    async def _record(
        self,
        action: str,
        number: PhoneNumber,
        actor_id: str | None,
        context: AuditContext | None,
        reason: str | None = None,
    ) -> None:
        await self.audit.record(
            action,
            Outcome.SUCCESS,
            actor_id=actor_id,
            target_type="user",
            target_id=number.user_id,
            context=context,
            number_id=number.id,
            **({"reason": reason} if reason else {}),
        )

    def _webhook(
        self, number: PhoneNumber, verified_at: datetime | None, drift: str | None = None
    ) -> WebhookConfig:
        return WebhookConfig(
            number_id=number.id,
            phone_number=number.phone_number,
            sms_url=self.inbound_url,
            sms_fallback_url=self.fallback_url,
            status_callback_url=self.status_url,
            method=self.method,
            last_verified_at=verified_at,
            drift=drift,
        )

    async def numbers_of(self, user_id: str) -> list[PhoneNumber]:
        """The active numbers of ``user_id``, oldest first."""
        return await self.store.list_numbers(user_id=user_id)

    async def release(
        self,
        number_id: str,
        *,
        actor_id: str | None = None,
        context: AuditContext | None = None,
    ) -> PhoneNumber:
        """Give a number back to the provider; its routing and opt-outs are cleared.

        A number the provider no longer has is still released here. The
        ``sms.number.released`` audit event names ``actor_id`` and the number's user.

        Raises:
            NotFound: no active number ``number_id``.
        """
        number = await self.store.get_number(number_id)
        if number is None or not number.active:
            raise NotFound(f"no number {number_id}")
        try:
            await self.provider.release(number.provider_sid)
        except NotFound:
            _logger.warning(
                "number %s was already gone at the provider", mask_phone(number.phone_number)
            )
        released = await self.store.release_number(number_id, self.clock.now())
        _logger.info("number %s released", mask_phone(number.phone_number))
        await self._record("sms.number.released", number, actor_id, context)
        return released

    async def reconcile(self, *, repair: bool = False) -> ReconcileReport:
        """Compare the provider's numbers and webhooks with ours; repair the drift if asked.

        Every active number's webhook record gets ``last_verified_at`` and its
        ``drift`` (``None`` when clean or repaired).
        """
        now = self.clock.now()
        owned = {n.sid: n for n in await self.provider.list_owned()}
        ours = await self.store.list_numbers()
        items: list[DriftItem] = []
        for number in ours:
            remote = owned.get(number.provider_sid)
            if remote is None:
                items.append(await self._missing_at_provider(number, now, repair))
                continue
            mismatch = await self._check_webhooks(number, remote, now, repair)
            if mismatch is not None:
                items.append(mismatch)
        known = {n.provider_sid for n in ours}
        items.extend(
            DriftItem(
                "unknown_at_provider",
                remote.phone_number,
                remote.sid,
                "owned by the account but not assigned to any user",
            )
            for sid, remote in owned.items()
            if sid not in known
        )
        for item in items:
            _logger.warning(
                "number drift %s on %s%s",
                item.kind,
                mask_phone(item.phone_number),
                " (repaired)" * item.repaired,
            )
        return ReconcileReport(checked_at=now, checked=len(ours), items=items)

    async def _missing_at_provider(
        self, number: PhoneNumber, now: datetime, repair: bool
    ) -> DriftItem:
        """A number of ours the account no longer owns; released here when repairing."""
        if repair:
            await self.store.release_number(number.id, now)
            await self._record(
                "sms.number.released", number, None, None, reason="missing_at_provider"
            )
        return DriftItem(
            "missing_at_provider",
            number.phone_number,
            number.provider_sid,
            "the account no longer owns this number",
            number_id=number.id,
            repaired=repair,
        )

    async def _check_webhooks(
        self, number: PhoneNumber, remote: ProvisionedNumber, now: datetime, repair: bool
    ) -> DriftItem | None:
        """Record the check of the number's webhooks; the drift found (set right if repairing)."""
        detail = self._mismatch(remote)
        if detail is None:
            await self.store.save_webhook(self._webhook(number, now))
            return None
        if repair:
            await self.provider.update_webhooks(
                number.provider_sid,
                sms_url=self.inbound_url,
                sms_fallback_url=self.fallback_url,
                sms_method=self.method,
            )
        await self.store.save_webhook(self._webhook(number, now, None if repair else detail))
        return DriftItem(
            "webhook_mismatch",
            number.phone_number,
            number.provider_sid,
            detail,
            number_id=number.id,
            repaired=repair,
        )

    def _mismatch(self, remote: ProvisionedNumber) -> str | None:
        found = []
        for name, have, want in (
            ("sms_url", remote.sms_url, self.inbound_url),
            ("sms_fallback_url", remote.sms_fallback_url, self.fallback_url),
            ("sms_method", remote.sms_method.upper(), self.method),
        ):
            if have != want:
                found.append(f"{name} is {have!r}, expected {want!r}")
        return "; ".join(found) or None
