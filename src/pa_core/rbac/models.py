"""Typed models of the role tables: roles, their parents, permissions and role grants."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pa_core.database.schema import Base

__all__ = ["PermissionRow", "RoleParentRow", "RolePermissionRow", "RoleRow"]


class RoleRow(Base):
    """``roles``: one row per role."""

    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    description: Mapped[str] = mapped_column(String(255), default="")


class RoleParentRow(Base):
    """``role_parents``: ``role`` inherits every permission of ``parent``; gone with either."""

    __tablename__ = "role_parents"

    role: Mapped[str] = mapped_column(
        ForeignKey("roles.name", ondelete="CASCADE"), primary_key=True
    )
    parent: Mapped[str] = mapped_column(
        ForeignKey("roles.name", ondelete="CASCADE"), primary_key=True, index=True
    )


class PermissionRow(Base):
    """``permissions``: one row per ``resource:action`` permission."""

    __tablename__ = "permissions"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    description: Mapped[str] = mapped_column(String(255), default="")


class RolePermissionRow(Base):
    """``role_permissions``: the permissions a role holds itself; gone with either side."""

    __tablename__ = "role_permissions"

    role: Mapped[str] = mapped_column(
        ForeignKey("roles.name", ondelete="CASCADE"), primary_key=True
    )
    permission: Mapped[str] = mapped_column(
        ForeignKey("permissions.name", ondelete="CASCADE"), primary_key=True, index=True
    )
