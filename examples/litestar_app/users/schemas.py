"""Bodies of the caller's account, profile and preferences routes (``/api/v1/users/me``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from examples.litestar_app.core.schemas import _In, rfc3339
from pa_core.users import User

__all__ = ["MfaOut", "PreferencesIO", "ProfilePatchIn", "QuietHoursIO", "UserOut"]


class MfaOut(msgspec.Struct):
    """Which second factors are active."""

    totp: bool = False
    sms: bool = False
    backup_codes_remaining: int = 0


class UserOut(msgspec.Struct):
    """A user as the API shows it."""

    id: str
    email: str
    email_verified: bool
    display_name: str | None
    timezone: str
    locale: str
    roles: list[str]
    mfa: MfaOut
    created_at: str

    @classmethod
    def of(cls, user: User, mfa: MfaOut | None = None) -> UserOut:
        """From the library's user."""
        return cls(
            id=user.id,
            email=user.email,
            email_verified=user.email_verified,
            display_name=user.display_name,
            timezone=user.timezone,
            locale=user.locale,
            roles=list(user.roles),
            mfa=mfa or MfaOut(),
            created_at=rfc3339(user.created_at) or "",
        )


class ProfilePatchIn(_In):
    """``PATCH /users/me``: only the fields given change."""

    display_name: Annotated[str, msgspec.Meta(max_length=200)] | UnsetType | None = UNSET
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | UnsetType = UNSET
    locale: Annotated[str, msgspec.Meta(max_length=64)] | UnsetType = UNSET


class QuietHoursIO(msgspec.Struct, forbid_unknown_fields=True):
    """A daily window in the user's local time, ``HH:MM``; may cross midnight."""

    start: str
    end: str


class PreferencesIO(msgspec.Struct, forbid_unknown_fields=True):
    """``GET``/``PUT /users/me/preferences``; a PUT fills left-out fields with defaults."""

    quiet_hours: QuietHoursIO | UnsetType | None = UNSET
    preferred_channel: Literal["sms", "web"] | UnsetType = UNSET
    reminder_lead_minutes: int | UnsetType = UNSET
    daily_digest_time: str | UnsetType | None = UNSET
    nudge_max: int | UnsetType = UNSET
    tone: Literal["brief", "detailed"] | UnsetType = UNSET

    def document(self) -> dict[str, Any]:
        """The fields that were given, as the library's document."""
        given: dict[str, Any] = {
            f: getattr(self, f) for f in self.__struct_fields__ if getattr(self, f) is not UNSET
        }
        if isinstance(given.get("quiet_hours"), QuietHoursIO):
            quiet = given["quiet_hours"]
            given["quiet_hours"] = {"start": quiet.start, "end": quiet.end}
        return given

    @classmethod
    def of(cls, document: dict[str, Any]) -> PreferencesIO:
        """From the library's document."""
        quiet = document["quiet_hours"]
        return cls(
            quiet_hours=None if quiet is None else QuietHoursIO(quiet["start"], quiet["end"]),
            preferred_channel=document["preferred_channel"],
            reminder_lead_minutes=document["reminder_lead_minutes"],
            daily_digest_time=document["daily_digest_time"],
            nudge_max=document["nudge_max"],
            tone=document["tone"],
        )
