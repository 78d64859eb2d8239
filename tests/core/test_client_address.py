"""The client address: X-Forwarded-For believed only from trusted proxies, always a valid IP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pa_core.audit import AuditContext, AuditEvent, Outcome
from pa_core.client_address import TrustedProxies, valid_ip
from pa_core.sessions import Session

PROXIES = TrustedProxies.parse("10.0.0.0/8, 192.0.2.1")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert TrustedProxies().client_ip("198.51.100.7", ["203.0.113.9"]) == "198.51.100.7"


def test_a_header_from_an_untrusted_peer_is_ignored() -> None:
    assert PROXIES.client_ip("198.51.100.7", ["203.0.113.9"]) == "198.51.100.7"


def test_a_trusted_proxy_names_the_client() -> None:
    assert PROXIES.client_ip("192.0.2.1", ["203.0.113.9"]) == "203.0.113.9"


def test_the_client_is_the_right_most_address_that_is_not_a_proxy() -> None:
    # The client wrote the first two entries itself; nginx appended the real one.
    header = "6.6.6.6, 7.7.7.7, 203.0.113.9, 10.1.2.3"
    assert PROXIES.client_ip("192.0.2.1", [header]) == "203.0.113.9"


def test_repeated_headers_count_as_one_list_in_order() -> None:
    assert PROXIES.client_ip("192.0.2.1", ["6.6.6.6", "203.0.113.9, 10.1.2.3"]) == "203.0.113.9"


def test_when_every_hop_is_a_proxy_the_left_most_is_the_client() -> None:
    assert PROXIES.client_ip("192.0.2.1", ["10.9.9.9, 10.1.2.3"]) == "10.9.9.9"


@pytest.mark.parametrize(
    "header", ["<img src=x onerror=alert(1)>", "unknown", "example.com", "203.0.113.9:443", "[::1]"]
)
def test_a_forwarded_value_that_is_not_an_ip_leaves_the_peer(header: str) -> None:
    assert PROXIES.client_ip("192.0.2.1", [header]) == "192.0.2.1"
    assert PROXIES.client_ip("192.0.2.1", [f"203.0.113.9, {header}, 10.1.2.3"]) == "192.0.2.1"


def test_empty_entries_are_skipped() -> None:
    assert PROXIES.client_ip("192.0.2.1", ["203.0.113.9,, ", ""]) == "203.0.113.9"


def test_garbage_before_the_client_does_not_matter() -> None:
    assert PROXIES.client_ip("192.0.2.1", ["<script>, 203.0.113.9"]) == "203.0.113.9"


def test_ipv6_proxies_and_clients() -> None:
    proxies = TrustedProxies.parse("::1, fd00::/8")
    assert proxies.client_ip("::1", ["2001:DB8:0:0::7, fd00::2"]) == "2001:db8::7"
    assert proxies.client_ip("2001:db8::9", ["203.0.113.9"]) == "2001:db8::9"


def test_an_ipv4_mapped_peer_is_matched_as_ipv4() -> None:
    assert PROXIES.client_ip("::ffff:192.0.2.1", ["203.0.113.9"]) == "203.0.113.9"


def test_a_peer_that_is_not_an_ip_is_no_address() -> None:
    assert PROXIES.client_ip("testclient", ["203.0.113.9"]) is None
    assert PROXIES.client_ip(None, ["203.0.113.9"]) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        (" 203.0.113.9 ", "203.0.113.9"),
        ("2001:DB8::1", "2001:db8::1"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("<img src=x onerror=alert(1)>", None),
        ("203.0.113.9:80", None),
        ("999.1.1.1", None),
        ("", None),
        (None, None),
    ],
)
def test_valid_ip_keeps_only_ip_addresses(value: str | None, expected: str | None) -> None:
    assert valid_ip(value) == expected


def test_a_session_keeps_no_address_that_is_not_an_ip() -> None:
    session = Session("s", "u", NOW, NOW, NOW, ip="<img src=x onerror=alert(1)>")
    assert session.ip is None


def test_audit_records_keep_no_address_that_is_not_an_ip() -> None:
    assert AuditContext(ip="<script>").ip is None
    event = AuditEvent("e", NOW, "x", Outcome.SUCCESS, ip="not an ip")
    assert event.ip is None
    assert AuditContext(ip="2001:DB8::1").ip == "2001:db8::1"
