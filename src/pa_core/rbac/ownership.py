"""Ownership: the owner id type that repositories of user-owned data require, and owned resources.

Repositories of user-owned data take an :data:`OwnerId` as the first argument of
every method. ``OwnerId`` is a distinct type for the type checker: a bare ``str``
(a path parameter, a field of a request body) does not type-check where an
``OwnerId`` is expected, so the only way to get one is :func:`owner_of` on the
authenticated caller, or an explicit :func:`trusted_owner` for code that already
proved who the owner is (an administrator tool, a webhook routed by phone number).
A query cannot forget the owner because there is no method without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType, Protocol

__all__ = ["Owned", "OwnedResource", "OwnerId", "Subject", "owner_of", "trusted_owner"]

OwnerId = NewType("OwnerId", str)
"""The id of the user who owns a row; only :func:`owner_of` and :func:`trusted_owner` make one."""


class Subject(Protocol):
    """Whoever a permission is checked for: anything with a ``user_id`` (e.g. ``Principal``)."""

    @property
    def user_id(self) -> str:
        """The id of the user."""
        ...


class Owned(Protocol):
    """A resource that belongs to one user."""

    @property
    def owner_id(self) -> str:
        """The id of the owning user."""
        ...


@dataclass(frozen=True, slots=True)
class OwnedResource:
    """The smallest :class:`Owned`: enough to check a permission on a resource by its owner."""

    owner_id: str
    kind: str | None = None
    id: str | None = None


def owner_of(subject: Subject) -> OwnerId:
    """The owner id for queries made on behalf of ``subject`` (the authenticated caller)."""
    return OwnerId(subject.user_id)


def trusted_owner(user_id: str) -> OwnerId:
    """An owner id from a source the caller has already authorised (say so at the call site)."""
    return OwnerId(user_id)
