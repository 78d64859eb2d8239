"""The profile: only the given fields change, every bad field is named."""

from __future__ import annotations

import pytest

from pa_core.audit import AuditFilter, AuditRecorder, MemoryAuditLog
from pa_core.clock import FrozenClock
from pa_core.errors import NotFound, ValidationFailed
from pa_core.pagination import PageRequest
from pa_core.profiles import UserProfileService, normalize_locale
from pa_core.users import MemoryUserRepository, User

pytestmark = pytest.mark.anyio


@pytest.fixture
async def setup(clock: FrozenClock) -> tuple[UserProfileService, MemoryAuditLog, User]:
    users = MemoryUserRepository()
    now = clock.now()
    user = await users.add(User("u1", "ada@example.com", None, now, now, display_name="Ada"))
    log = MemoryAuditLog()
    return UserProfileService(users, clock, AuditRecorder(log, clock)), log, user


async def test_only_the_given_fields_change(
    setup: tuple[UserProfileService, MemoryAuditLog, User], clock: FrozenClock
) -> None:
    service, log, user = setup
    clock.advance(60)
    updated = await service.update(user.id, timezone="Europe/Lisbon")
    assert updated.timezone == "Europe/Lisbon"
    assert (updated.display_name, updated.locale) == ("Ada", "en")
    assert updated.updated_at == clock.now()
    assert (await service.users.get(user.id)) == updated
    events = await log.list(AuditFilter(action="account.profile_update"), PageRequest())
    assert [e.details["fields"] for e in events.items] == [["timezone"]]


async def test_a_blank_display_name_clears_it(
    setup: tuple[UserProfileService, MemoryAuditLog, User],
) -> None:
    service, _, user = setup
    assert (await service.update(user.id, display_name="  ")).display_name is None
    assert (await service.update(user.id, display_name=" Ada L. ")).display_name == "Ada L."


async def test_the_locale_is_stored_in_canonical_case(
    setup: tuple[UserProfileService, MemoryAuditLog, User],
) -> None:
    service, _, user = setup
    assert (await service.update(user.id, locale="pt_br")).locale == "pt-BR"


async def test_an_unchanged_profile_records_nothing(
    setup: tuple[UserProfileService, MemoryAuditLog, User],
) -> None:
    service, log, user = setup
    assert await service.update(user.id, display_name="Ada", locale="en") == user
    assert (await log.list(AuditFilter(), PageRequest())).items == []


async def test_every_bad_field_is_named(
    setup: tuple[UserProfileService, MemoryAuditLog, User],
) -> None:
    service, _, user = setup
    with pytest.raises(ValidationFailed) as caught:
        await service.update(
            user.id, display_name="x" * 101, timezone="Mars/Base", locale="english please"
        )
    assert [e.field for e in caught.value.errors] == ["display_name", "timezone", "locale"]
    assert await service.users.get(user.id) == user


async def test_a_multiline_display_name_is_refused(
    setup: tuple[UserProfileService, MemoryAuditLog, User],
) -> None:
    service, _, user = setup
    with pytest.raises(ValidationFailed):
        await service.update(user.id, display_name="two\nlines")


async def test_an_unknown_user_is_not_found(
    setup: tuple[UserProfileService, MemoryAuditLog, User],
) -> None:
    service, _, _ = setup
    with pytest.raises(NotFound):
        await service.update("nobody", locale="en")


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [
        ("en", "en"),
        ("EN-gb", "en-GB"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("de-CH-1996", "de-CH-1996"),
        ("sl-rozaj", "sl-rozaj"),
    ],
)
def test_language_tags_are_normalised(tag: str, canonical: str) -> None:
    assert normalize_locale(tag) == canonical


@pytest.mark.parametrize("tag", ["", "e", "english", "en-", "en--GB", "en GB", "x" * 40, "12"])
def test_malformed_language_tags_are_refused(tag: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_locale(tag)
    assert caught.value.errors[0].field == "locale"
