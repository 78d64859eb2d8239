"""roles and permissions

Revision ID: 0003
Revises: 0002

Creates the role tables and seeds them from the registry in code
(``pa_core.rbac.registry.DEFAULT_REGISTRY``). Later changes to the registry reach
existing databases through ``pa_core.rbac.sync_registry`` (run at start-up by the
reference app and by its ``migrate`` command), which is idempotent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pa_core.rbac.registry import DEFAULT_REGISTRY
from pa_core.rbac.sqlalchemy import registry_rows

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    permissions = op.create_table(
        "permissions",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_permissions")),
    )
    roles = op.create_table(
        "roles",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_roles")),
    )
    role_parents = op.create_table(
        "role_parents",
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("parent", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent"],
            ["roles.name"],
            name=op.f("fk_role_parents_parent_roles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role"], ["roles.name"], name=op.f("fk_role_parents_role_roles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("role", "parent", name=op.f("pk_role_parents")),
    )
    with op.batch_alter_table("role_parents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_parents_parent"), ["parent"], unique=False)

    role_permissions = op.create_table(
        "role_permissions",
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("permission", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["permission"],
            ["permissions.name"],
            name=op.f("fk_role_permissions_permission_permissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role"],
            ["roles.name"],
            name=op.f("fk_role_permissions_role_roles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("role", "permission", name=op.f("pk_role_permissions")),
    )
    with op.batch_alter_table("role_permissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_permissions_permission"), ["permission"], unique=False
        )

    rows = registry_rows(DEFAULT_REGISTRY)
    op.bulk_insert(permissions, rows["permissions"])
    op.bulk_insert(roles, rows["roles"])
    op.bulk_insert(role_parents, rows["role_parents"])
    op.bulk_insert(role_permissions, rows["role_permissions"])


def downgrade() -> None:
    with op.batch_alter_table("role_permissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_permissions_permission"))

    op.drop_table("role_permissions")
    with op.batch_alter_table("role_parents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_parents_parent"))

    op.drop_table("role_parents")
    op.drop_table("roles")
    op.drop_table("permissions")
