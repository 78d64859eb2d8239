"""Preferences: defaults, validation with field errors, quiet hours in the user's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from pa_core.audit import AuditFilter, AuditRecorder, MemoryAuditLog
from pa_core.clock import FrozenClock
from pa_core.errors import ValidationFailed
from pa_core.pagination import PageRequest
from pa_core.preferences import (
    Channel,
    MemoryPreferencesRepository,
    Preferences,
    PreferencesService,
    QuietHours,
    Tone,
)

DEFAULT_DOCUMENT = {
    "quiet_hours": {"start": "22:00", "end": "07:00"},
    "preferred_channel": "sms",
    "reminder_lead_minutes": 15,
    "daily_digest_time": "08:00",
    "nudge_max": 3,
    "tone": "brief",
}


def test_the_defaults_make_sense_without_any_setup() -> None:
    assert Preferences().to_document() == DEFAULT_DOCUMENT


def test_an_empty_document_gives_the_defaults() -> None:
    assert Preferences.from_document({}) == Preferences()


def test_a_document_round_trips() -> None:
    document = {
        "quiet_hours": None,
        "preferred_channel": "web",
        "reminder_lead_minutes": 0,
        "daily_digest_time": None,
        "nudge_max": 10,
        "tone": "detailed",
    }
    assert Preferences.from_document(document).to_document() == document


def test_left_out_fields_take_their_defaults() -> None:
    prefs = Preferences.from_document({"tone": "detailed"})
    assert prefs.tone is Tone.DETAILED
    assert prefs.preferred_channel is Channel.SMS
    assert prefs.quiet_hours == QuietHours(time(22), time(7))


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "22:00", "end": "7:00"}}, "quiet_hours.end"),
        ({"quiet_hours": {"start": "22:00"}}, "quiet_hours"),
        ({"quiet_hours": "22-07"}, "quiet_hours"),
        ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours"),
        ({"preferred_channel": "email"}, "preferred_channel"),
        ({"reminder_lead_minutes": -1}, "reminder_lead_minutes"),
        ({"reminder_lead_minutes": 1441}, "reminder_lead_minutes"),
        ({"reminder_lead_minutes": "15"}, "reminder_lead_minutes"),
        ({"reminder_lead_minutes": True}, "reminder_lead_minutes"),
        ({"daily_digest_time": "8am"}, "daily_digest_time"),
        ({"nudge_max": 0}, "nudge_max"),
        ({"nudge_max": 11}, "nudge_max"),
        ({"tone": "chatty"}, "tone"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_bad_value_is_named_in_the_error(document: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        Preferences.from_document(document)
    assert [e.field for e in caught.value.errors] == [field]


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Preferences.from_document(
            {"tone": "loud", "nudge_max": 99, "quiet_hours": {"start": "x", "end": "y"}}
        )
    assert {e.field for e in caught.value.errors} == {
        "tone",
        "nudge_max",
        "quiet_hours.start",
        "quiet_hours.end",
    }


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Preferences(nudge_max=0, reminder_lead_minutes=-5, tone="loud", preferred_channel="x")  # type: ignore[arg-type]
    assert {e.field for e in caught.value.errors} == {
        "nudge_max",
        "reminder_lead_minutes",
        "tone",
        "preferred_channel",
    }


def _at(hour: int, minute: int = 0, day: int = 15, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "zone", "quiet"),
    [
        (_at(21, 59), "UTC", False),
        (_at(22, 0), "UTC", True),
        (_at(23, 30), "UTC", True),
        (_at(3, 0), "UTC", True),
        (_at(6, 59), "UTC", True),
        (_at(7, 0), "UTC", False),
        (_at(12, 0), "UTC", False),
        # 04:00 UTC is 23:00 in New York (EST): quiet there, not in London
        (_at(4, 0), "America/New_York", True),
        (_at(4, 0), "Europe/London", True),
        (_at(8, 0), "Europe/London", False),
        (_at(8, 0), "America/New_York", True),
        (_at(11, 30), "America/New_York", True),
        (_at(12, 30), "Asia/Kolkata", False),
        # summer time: 21:30 UTC is 22:30 in London (BST)
        (_at(21, 30, day=15, month=7), "Europe/London", True),
        (_at(21, 30, day=15, month=1), "Europe/London", False),
    ],
)
def test_quiet_hours_follow_the_users_clock(now: datetime, zone: str, quiet: bool) -> None:
    prefs = Preferences()
    assert prefs.in_quiet_hours(now, zone) is quiet
    assert prefs.may_send_sms(now, zone) is not quiet


def test_a_daytime_window_does_not_cross_midnight() -> None:
    prefs = Preferences(quiet_hours=QuietHours(time(13), time(15)))
    assert prefs.in_quiet_hours(_at(14), "UTC")
    assert not prefs.in_quiet_hours(_at(15), "UTC")
    assert not prefs.in_quiet_hours(_at(2), "UTC")


def test_no_quiet_hours_means_never_quiet() -> None:
    assert not Preferences(quiet_hours=None).in_quiet_hours(_at(3), "UTC")


def test_quiet_hours_need_an_aware_time_and_a_real_zone() -> None:
    with pytest.raises(ValueError, match="aware"):
        Preferences().in_quiet_hours(datetime(2026, 1, 1, 3), "UTC")
    with pytest.raises(ValidationFailed):
        Preferences().in_quiet_hours(_at(3), "Mars/Olympus_Mons")


@pytest.mark.anyio
async def test_a_replaced_document_applies_to_the_next_read(clock: FrozenClock) -> None:
    log = MemoryAuditLog()
    service = PreferencesService(MemoryPreferencesRepository(), clock, AuditRecorder(log, clock))
    assert await service.get("u1") == Preferences()
    saved = await service.replace("u1", {"nudge_max": 5})
    assert saved.nudge_max == 5
    assert saved.updated_at == clock.now()
    assert (await service.get("u1")).nudge_max == 5
    # PUT semantics: what is left out goes back to its default
    await service.replace("u1", {"tone": "detailed"})
    current = await service.get("u1")
    assert (current.nudge_max, current.tone) == (3, Tone.DETAILED)
    events = await log.list(AuditFilter(action="preferences.update"), PageRequest())
    assert sorted(e.details["fields"] for e in events.items) == [["nudge_max"], ["tone"]]
