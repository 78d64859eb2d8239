"""pa_core's public API: the main objects re-exported at the top, with a sorted ``__all__``."""

from __future__ import annotations

import pa_core


def test_all_is_sorted_without_duplicates() -> None:
    assert pa_core.__all__ == sorted(set(pa_core.__all__))


def test_every_exported_name_resolves() -> None:
    missing = [name for name in pa_core.__all__ if getattr(pa_core, name, None) is None]
    assert missing == []


def test_an_integrator_imports_the_main_objects_from_the_top() -> None:
    from pa_core import (  # noqa: F401
        AccountService,
        AuditRecorder,
        Authenticator,
        ConversationService,
        Database,
        MfaService,
        PermissionService,
        SessionService,
        Settings,
        TokenService,
    )
