"""your data: Instagram imports, exports, the story archive

Revision ID: 0013_portability
Revises: 0012_web_push
Create Date: 2026-11-30 23:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_portability"
down_revision = "0012_web_push"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("media_id", sa.BigInteger(), nullable=False),
        sa.Column("archive_key", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("skipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("duplicates", sa.Integer(), server_default="0", nullable=False),
        sa.Column("errors", sa.Text(), server_default="[]", nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index("ix_imports_user_id_id", "imports", ["user_id", "id"], unique=False)
    op.create_table(
        "import_items",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("item_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=True),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "item_key", name=op.f("pk_import_items")),
    )
    op.create_table(
        "exports",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("object_key", sa.String(length=255), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error_message", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
    )
    op.create_index("ix_exports_user_id_id", "exports", ["user_id", "id"], unique=False)
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("archived", sa.Boolean(), server_default="0", nullable=False))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("purge_after", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_users_purge_after",
        "users",
        ["purge_after"],
        unique=False,
        postgresql_where=sa.text("purge_after IS NOT NULL"),
        sqlite_where=sa.text("purge_after IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_users_purge_after", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("purge_after")
        batch.drop_column("deactivated_at")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("archived")
    op.drop_index("ix_exports_user_id_id", table_name="exports")
    op.drop_table("exports")
    op.drop_table("import_items")
    op.drop_index("ix_imports_user_id_id", table_name="imports")
    op.drop_table("imports")
