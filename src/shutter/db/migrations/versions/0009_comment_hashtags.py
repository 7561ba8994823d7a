"""comment hashtags; places lose the coordinates their first post gave them

Revision ID: 0009_comment_hashtags
Revises: 0008
Create Date: 2026-11-30 21:30:00.000000

Comment hashtags of comments written before this revision are indexed here, in batches.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009_comment_hashtags"
down_revision = "0008"
branch_labels = None
depends_on = None

_BATCH = 1000
# The parser of shutter/tags/entities.py (then shutter/social/entities.py) as of this revision (a migration must not
# change with the code).
_HASHTAG = re.compile(r"(?<![\w#&])#(\w{1,100})(?!\w)")


def parse_hashtags(text: str) -> list[str]:
    found: dict[str, None] = {}
    for match in _HASHTAG.finditer(text):
        if not match.group(1).isdigit():
            found.setdefault(match.group(1).casefold(), None)
    return list(found)


def upgrade() -> None:
    op.create_table(
        "comment_hashtags",
        sa.Column("comment_id", sa.BigInteger(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("comment_id", "tag", name=op.f("pk_comment_hashtags")),
    )
    op.create_index(
        "ix_comment_hashtags_tag_post_id", "comment_hashtags", ["tag", "post_id"], unique=False
    )
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("lat")
        batch.drop_column("lng")
    _index_existing_comments()


def _index_existing_comments() -> None:
    conn = op.get_bind()
    comments = sa.table(
        "comments",
        sa.column("id", sa.BigInteger),
        sa.column("post_id", sa.BigInteger),
        sa.column("author_id", sa.BigInteger),
        sa.column("text", sa.Text),
        sa.column("deleted_at", sa.DateTime),
    )
    tags_table = sa.table(
        "hashtags",
        sa.column("tag", sa.String),
        sa.column("post_count", sa.Integer),
        sa.column("created_at", sa.DateTime),
    )
    rows_table = sa.table(
        "comment_hashtags",
        sa.column("comment_id", sa.BigInteger),
        sa.column("tag", sa.String),
        sa.column("post_id", sa.BigInteger),
        sa.column("author_id", sa.BigInteger),
    )
    after, now = -1, datetime.now(UTC)
    while True:
        batch = conn.execute(
            sa.select(comments.c.id, comments.c.post_id, comments.c.author_id, comments.c.text)
            .where((comments.c.id > after) & comments.c.deleted_at.is_(None))
            .order_by(comments.c.id)
            .limit(_BATCH)
        ).all()
        if not batch:
            return
        after = batch[-1].id
        rows = [
            {"comment_id": row.id, "tag": tag, "post_id": row.post_id, "author_id": row.author_id}
            for row in batch
            for tag in parse_hashtags(row.text)
        ]
        if not rows:
            continue
        conn.execute(rows_table.insert(), rows)
        wanted = {row["tag"] for row in rows}
        known = set(
            conn.execute(sa.select(tags_table.c.tag).where(tags_table.c.tag.in_(wanted))).scalars()
        )
        missing = [
            {"tag": tag, "post_count": 0, "created_at": now} for tag in sorted(wanted - known)
        ]
        if missing:
            conn.execute(tags_table.insert(), missing)


def downgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("lng", sa.Float(), nullable=True))
    op.drop_index("ix_comment_hashtags_tag_post_id", table_name="comment_hashtags")
    op.drop_table("comment_hashtags")
