"""pa_sms's public API: the main objects re-exported at the top, with a sorted ``__all__``."""

from __future__ import annotations

import pa_sms


def test_all_is_sorted_without_duplicates() -> None:
    assert pa_sms.__all__ == sorted(set(pa_sms.__all__))


def test_every_exported_name_resolves() -> None:
    missing = [name for name in pa_sms.__all__ if getattr(pa_sms, name, None) is None]
    assert missing == []


def test_an_integrator_imports_the_main_objects_from_the_top() -> None:
    from pa_sms import (  # noqa: F401
        NumberManager,
        NumberProvider,
        OutboundSender,
        SmsRouter,
        SmsSettings,
        SmsStore,
        SmsTransport,
        TwilioSignatureVerifier,
        UsageAnalytics,
    )
