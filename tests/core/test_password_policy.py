"""PasswordPolicy: NIST SP 800-63B length rules, NFKC, the common-password list, the email."""

from __future__ import annotations

import pytest

from pa_core.config import Settings
from pa_core.errors import ImproperlyConfigured, WeakPassword
from pa_core.password_policy import (
    DEFAULT_MAX_LENGTH,
    DEFAULT_MIN_LENGTH,
    PasswordPolicy,
    PasswordRule,
    load_common_passwords,
)

GOOD = "violet kettle on the moon"


def full_width(text: str) -> str:
    """``text`` as typed with a full-width (East Asian) keyboard layout."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


@pytest.fixture
def policy() -> PasswordPolicy:
    return PasswordPolicy()


def rule_of(policy: PasswordPolicy, password: str, email: str | None = None) -> str:
    with pytest.raises(WeakPassword) as caught:
        policy.check(password, email)
    assert caught.value.code == "weak_password"
    return caught.value.rule


def test_a_long_uncommon_password_is_accepted_and_returned(policy: PasswordPolicy) -> None:
    assert policy.check(GOOD, "ann@example.org") == GOOD


def test_the_defaults_are_twelve_and_128_characters() -> None:
    assert (DEFAULT_MIN_LENGTH, DEFAULT_MAX_LENGTH) == (12, 128)


def test_a_password_below_the_minimum_is_too_short(policy: PasswordPolicy) -> None:
    assert rule_of(policy, "x7#Kq!9zLm2") == PasswordRule.TOO_SHORT  # 11 characters


def test_an_empty_password_is_too_short(policy: PasswordPolicy) -> None:
    assert rule_of(policy, "") == PasswordRule.TOO_SHORT


def test_a_password_of_exactly_the_minimum_is_accepted(policy: PasswordPolicy) -> None:
    assert policy.check("x7#Kq!9zLm2p") == "x7#Kq!9zLm2p"


def test_a_password_of_exactly_the_maximum_is_accepted(policy: PasswordPolicy) -> None:
    password = "a quiet river " * 9 + "ab"
    assert len(password) == 128
    assert policy.check(password) == password


def test_a_password_above_the_maximum_is_too_long(policy: PasswordPolicy) -> None:
    assert rule_of(policy, "q" * 129) == PasswordRule.TOO_LONG


def test_no_composition_rules_apply(policy: PasswordPolicy) -> None:
    assert policy.check("all lower case words here")
    assert policy.check("   spaces count too   ")
    assert policy.check("émoji 🦊 and ünïcødé are fine")


def test_the_minimum_is_configurable() -> None:
    policy = PasswordPolicy(min_length=16)
    with pytest.raises(WeakPassword, match="at least 16 characters"):
        policy.check("fifteen chars!!")


def test_from_settings_takes_the_configured_minimum() -> None:
    policy = PasswordPolicy.from_settings(Settings(password_min_length=20))
    assert policy.min_length == 20


def test_a_minimum_below_nists_eight_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="PA_PASSWORD_MIN_LENGTH"):
        PasswordPolicy(min_length=6)


def test_a_maximum_below_the_minimum_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured):
        PasswordPolicy(min_length=20, max_length=16)


def test_the_password_is_nfkc_normalised(policy: PasswordPolicy) -> None:
    assert policy.check(full_width("violet kettle")) == "violet kettle"


def test_length_is_counted_after_normalisation(policy: PasswordPolicy) -> None:
    decomposed = "e\u0301" * 7  # 14 code points, 7 characters once composed
    assert rule_of(policy, decomposed) == PasswordRule.TOO_SHORT


@pytest.mark.parametrize("char", ["\x00", "\n", "\x1b", "\x7f"])
def test_a_control_character_is_refused(policy: PasswordPolicy, char: str) -> None:
    assert rule_of(policy, f"violet{char}kettle moon") == PasswordRule.CONTROL_CHARACTERS


def test_a_lone_surrogate_is_refused(policy: PasswordPolicy) -> None:
    assert rule_of(policy, "violet \ud800 kettle") == PasswordRule.CONTROL_CHARACTERS


def test_a_common_password_is_refused(policy: PasswordPolicy) -> None:
    assert rule_of(policy, "1q2w3e4r5t6y") == PasswordRule.COMMON


def test_the_common_list_is_compared_case_insensitively(policy: PasswordPolicy) -> None:
    assert rule_of(policy, "QwErTy123456") == PasswordRule.COMMON


def test_a_full_width_common_password_is_refused(policy: PasswordPolicy) -> None:
    assert rule_of(policy, full_width("1q2w3e4r5t6y")) == PasswordRule.COMMON


def test_the_bundled_list_holds_at_least_ten_thousand_passwords() -> None:
    common = load_common_passwords()
    assert isinstance(common, frozenset)  # O(1) membership
    assert len(common) >= 10_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= common
    assert all(entry == entry.casefold() and entry.strip() for entry in common)


def test_the_bundled_list_is_read_once() -> None:
    assert load_common_passwords() is load_common_passwords()


def test_a_custom_blocklist_replaces_the_bundled_one() -> None:
    policy = PasswordPolicy(blocklist=["Our Product Name 2026"])
    assert rule_of(policy, "our product name 2026") == PasswordRule.COMMON
    assert policy.check("1q2w3e4r5t6y") == "1q2w3e4r5t6y"


def test_a_password_holding_the_email_local_part_is_refused(policy: PasswordPolicy) -> None:
    assert (
        rule_of(policy, "my name is annabelle!", "annabelle@example.org")
        == PasswordRule.CONTAINS_EMAIL
    )


def test_the_email_check_ignores_case_and_sub_addresses(policy: PasswordPolicy) -> None:
    assert (
        rule_of(policy, "Hello ANNABELLE and friends", "Annabelle+shop@example.org")
        == PasswordRule.CONTAINS_EMAIL
    )


def test_a_very_short_local_part_is_not_searched(policy: PasswordPolicy) -> None:
    assert policy.check("all of the alphabet", "al@example.org")


def test_the_email_check_needs_an_email(policy: PasswordPolicy) -> None:
    assert policy.check("annabelle's long passphrase", None)


@pytest.mark.parametrize(
    ("password", "email", "says"),
    [
        ("short", None, "at least 12 characters"),
        ("q" * 129, None, "at most 128 characters"),
        ("1q2w3e4r5t6y", None, "too common"),
        ("secret annabelle words", "annabelle@example.org", "email address"),
        ("secret\x00words and more", None, "control characters"),
    ],
)
def test_an_error_says_which_rule_failed_but_never_echoes_the_password(
    policy: PasswordPolicy, password: str, email: str | None, says: str
) -> None:
    with pytest.raises(WeakPassword) as caught:
        policy.check(password, email)
    assert says in caught.value.detail
    assert password not in caught.value.detail
