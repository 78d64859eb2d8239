"""``@requires(permission)``: guard an async service method or function, in any framework."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from pa_core.audit.base import AuditContext
from pa_core.rbac.service import PermissionService

__all__ = ["PRINCIPAL_ARGUMENT", "SERVICE_ATTRIBUTE", "requires"]

P = ParamSpec("P")
R = TypeVar("R")

PRINCIPAL_ARGUMENT = "principal"
"""Name of the argument holding the caller (anything with a ``user_id``)."""
SERVICE_ATTRIBUTE = "permissions"
"""Attribute of ``self`` holding the :class:`PermissionService` when none is given."""
CONTEXT_ARGUMENT = "context"


def requires(
    permission: str, *, service: PermissionService | None = None
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Refuse the call (``PermissionDenied``, audited) unless ``principal`` holds ``permission``.

    The decorated coroutine function must take an argument named ``principal``. The
    permission service is ``service`` if given, else ``self.permissions`` of the
    method's instance. An argument named ``context`` holding an
    :class:`~pa_core.audit.AuditContext` is recorded with a denial.

    Raises:
        TypeError: at decoration time, if the function takes no ``principal``.
    """

    def decorate(function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        signature = inspect.signature(function)
        if PRINCIPAL_ARGUMENT not in signature.parameters:
            raise TypeError(f"{function.__qualname__} takes no {PRINCIPAL_ARGUMENT!r} argument")

        @functools.wraps(function)
        async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            arguments: dict[str, Any] = bound.arguments
            checker = service
            if checker is None:
                owner = args[0] if args else None
                checker = getattr(owner, SERVICE_ATTRIBUTE, None)
                if not isinstance(checker, PermissionService):
                    raise TypeError(
                        f"{function.__qualname__}: no PermissionService given and "
                        f"self.{SERVICE_ATTRIBUTE} is not one"
                    )
            context = arguments.get(CONTEXT_ARGUMENT)
            await checker.require(
                arguments[PRINCIPAL_ARGUMENT],
                permission,
                context=context if isinstance(context, AuditContext) else None,
            )
            return await function(*args, **kwargs)

        return guarded

    return decorate
