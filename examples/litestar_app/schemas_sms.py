"""Request and response bodies of the SMS routes (``/api/v1/sms``, ``/api/v1/admin/sms``)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from examples.litestar_app.schemas import _In, rfc3339
from pa_sms.records.base import PhoneNumber

__all__ = ["AdminNumberOut", "CapabilitiesOut", "NumberOut", "NumbersOut", "ProvisionIn"]


class CapabilitiesOut(msgspec.Struct):
    """What a number can carry."""

    sms: bool
    mms: bool
    voice: bool


class NumberOut(msgspec.Struct):
    """A phone number of a user; ``created_at`` is when it was provisioned."""

    id: str
    phone_number: str
    status: str
    capabilities: CapabilitiesOut
    created_at: str | None

    @classmethod
    def of(cls, number: PhoneNumber) -> NumberOut:
        """The API's number object."""
        caps = number.capabilities
        return cls(
            id=number.id,
            phone_number=number.phone_number,
            status=number.status,
            capabilities=CapabilitiesOut(
                sms=bool(caps.get("sms")), mms=bool(caps.get("mms")), voice=bool(caps.get("voice"))
            ),
            created_at=rfc3339(number.provisioned_at),
        )


class AdminNumberOut(NumberOut):
    """The number object plus its owner, as the administrator's provisioning answers."""

    user_id: str | None = None

    @classmethod
    def of(cls, number: PhoneNumber) -> AdminNumberOut:
        """The number object with ``user_id``."""
        base = NumberOut.of(number)
        return cls(
            id=base.id,
            phone_number=base.phone_number,
            status=base.status,
            capabilities=base.capabilities,
            created_at=base.created_at,
            user_id=number.user_id,
        )


class NumbersOut(msgspec.Struct):
    """``GET /api/v1/sms/numbers``."""

    items: list[NumberOut]


class ProvisionIn(_In):
    """``POST /api/v1/admin/sms/numbers``."""

    user_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    country: Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$")] = "US"
    area_code: Annotated[str, msgspec.Meta(pattern="^[2-9][0-9]{2}$")] | None = None
