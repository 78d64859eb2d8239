"""Look-alike email addresses are refused or folded; display names lose invisible characters.

Characters are written as escapes so that what each test feeds is unambiguous.
"""

from __future__ import annotations

import pytest

from pa_core.accounts import normalize_email
from pa_core.clock import FrozenClock
from pa_core.errors import EmailTaken, ValidationFailed
from pa_core.names import INVISIBLE, mixes_scripts, normalize_display_name
from pa_core.profiles import UserProfileService
from tests.core.test_mfa_service import PASSWORD, build

pytestmark = pytest.mark.anyio

CYRILLIC_A = "\u0430"
GREEK_O = "\u03bf"
FULLWIDTH_ADA = "\uff41\uff44\uff41"  # "ada" in fullwidth letters
RLO = "\u202e"
ZWSP = "\u200b"


def field_of(error: ValidationFailed) -> list[str]:
    return [e.field for e in error.errors]


# --- email addresses ------------------------------------------------------------------


def test_an_address_is_nfkc_normalised_before_validation() -> None:
    assert normalize_email(f"{FULLWIDTH_ADA}@example.com") == "ada@example.com"


@pytest.mark.parametrize(
    "address",
    [
        pytest.param(f"p{CYRILLIC_A}ypal@example.com", id="cyrillic-in-local-part"),
        pytest.param(f"ada@p{CYRILLIC_A}ypal.com", id="cyrillic-in-domain-label"),
        pytest.param(f"ada@mail.g{GREEK_O}ogle.com", id="greek-in-a-subdomain"),
    ],
)
def test_an_address_mixing_scripts_is_a_validation_error_on_email(address: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_email(address)
    assert field_of(caught.value) == ["email"]


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("\u0438\u0432\u0430\u043d@example.com", id="all-cyrillic-local-part"),
        pytest.param("ivan@\u043f\u0440\u0438\u043c\u0435\u0440.com", id="all-cyrillic-label"),
        pytest.param("\u7530\u4e2d\u305f\u308d\u3046@example.jp", id="han-with-hiragana"),
        pytest.param("ada.lovelace+pa-1@example.com", id="plain-ascii"),
    ],
)
def test_an_address_in_one_script_per_part_is_accepted(address: str) -> None:
    assert normalize_email(address)


def test_scripts_written_together_do_not_count_as_mixed() -> None:
    assert not mixes_scripts("tanaka\u7530\u4e2d\u30bf\u30ca\u30ab")
    assert mixes_scripts(f"tan{CYRILLIC_A}ka")


async def test_a_look_alike_of_a_taken_address_is_the_same_address(clock: FrozenClock) -> None:
    world = build(clock)
    await world.accounts.register("ada@example.com", PASSWORD)
    with pytest.raises(EmailTaken):
        await world.accounts.register(f"{FULLWIDTH_ADA}@example.com", PASSWORD)


async def test_registration_refuses_a_mixed_script_address(clock: FrozenClock) -> None:
    world = build(clock)
    with pytest.raises(ValidationFailed) as caught:
        await world.accounts.register(f"{CYRILLIC_A}da@example.com", PASSWORD)
    assert field_of(caught.value) == ["email"]


# --- display names ---------------------------------------------------------------------


@pytest.mark.parametrize("invisible", sorted(INVISIBLE), ids=lambda ch: f"U+{ord(ch):04X}")
def test_bidi_and_zero_width_characters_are_removed_from_display_names(invisible: str) -> None:
    assert normalize_display_name(f"Ad{invisible}a") == "Ada"


def test_every_listed_control_is_invisible() -> None:
    listed = {0x200E, 0x200F, 0x061C, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}
    listed |= set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
    assert {ord(ch) for ch in INVISIBLE} == listed


def test_a_display_name_is_nfkc_normalised() -> None:
    assert normalize_display_name(f" {FULLWIDTH_ADA} ") == "ada"


def test_a_display_name_of_only_invisible_characters_clears_it() -> None:
    assert normalize_display_name(f"{RLO}{ZWSP} ") is None


def test_a_display_name_on_two_lines_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_display_name("Ada\u2028Lovelace")
    assert field_of(caught.value) == ["display_name"]


async def test_registration_and_profile_updates_clean_names_the_same_way(
    clock: FrozenClock,
) -> None:
    world = build(clock)
    user = await world.accounts.register("ada@example.com", PASSWORD, f"Ada{RLO}exe.gpj")
    assert user.display_name == "Adaexe.gpj"
    profiles = UserProfileService(world.accounts.users, clock)
    updated = await profiles.update(user.id, display_name=f"{ZWSP}Ada {FULLWIDTH_ADA}")
    assert updated.display_name == "Ada ada"
