"""The security header policy and the constant-time bearer check of operator endpoints."""

from __future__ import annotations

from pa_core.http_security import API_CSP, DOCS_CSP, bearer_token_matches, security_headers


def test_every_answer_forbids_sniffing_referrers_and_framing() -> None:
    headers = dict(security_headers())
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert headers["content-security-policy"] == API_CSP


def test_the_docs_csp_allows_only_the_services_own_scripts() -> None:
    headers = dict(security_headers(docs=True))
    assert headers["content-security-policy"] == DOCS_CSP
    assert "script-src 'self';" in DOCS_CSP
    assert "unsafe-eval" not in DOCS_CSP
    assert "frame-ancestors 'none'" in DOCS_CSP


def test_bearer_token_matches_only_the_exact_token() -> None:
    assert bearer_token_matches("Bearer s3cret-token", "s3cret-token")
    assert bearer_token_matches("bearer s3cret-token", "s3cret-token")
    assert not bearer_token_matches("Bearer s3cret-tokenX", "s3cret-token")
    assert not bearer_token_matches("Basic s3cret-token", "s3cret-token")
    assert not bearer_token_matches(None, "s3cret-token")
    assert not bearer_token_matches("Bearer ", "")
