"""post options: content warnings, edits with their history, comments off, hidden like
counts, pins, the archive

Revision ID: 0023_post_options
Revises: 0022_hashtag_follows
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_post_options"
down_revision = "0022_hashtag_follows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("content_warning", sa.String(500), nullable=True))
        batch.add_column(
            sa.Column("comments_enabled", sa.Boolean(), nullable=False, server_default="1")
        )
        batch.add_column(
            sa.Column("hide_like_count", sa.Boolean(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_posts_author_id_pinned_at",
        "posts",
        ["author_id", "pinned_at"],
        unique=False,
        postgresql_where=sa.text("pinned_at IS NOT NULL"),
        sqlite_where=sa.text("pinned_at IS NOT NULL"),
    )
    op.create_table(
        "post_versions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("location_name", sa.String(length=100), nullable=True),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("content_warning", sa.String(length=500), nullable=True),
        sa.Column("alt_texts", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_versions")),
    )
    op.create_index("ix_post_versions_post_id_id", "post_versions", ["post_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_post_versions_post_id_id", table_name="post_versions")
    op.drop_table("post_versions")
    op.drop_index("ix_posts_author_id_pinned_at", table_name="posts")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("archived_at")
        batch.drop_column("pinned_at")
        batch.drop_column("edited_at")
        batch.drop_column("hide_like_count")
        batch.drop_column("comments_enabled")
        batch.drop_column("content_warning")
