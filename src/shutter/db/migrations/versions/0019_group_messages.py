"""group messages: groups, system messages, unsend, reactions, media in messages

Revision ID: 0019_group_messages
Revises: 0015_withheld_media
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_group_messages"
down_revision = "0018_quiet_and_stories"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("kind", sa.String(8), server_default="direct", nullable=False))
        batch.add_column(sa.Column("name", sa.String(100), nullable=True))
        batch.alter_column("user_low", existing_type=sa.BigInteger(), nullable=True)
        batch.alter_column("user_high", existing_type=sa.BigInteger(), nullable=True)
    with op.batch_alter_table("conversation_members") as batch:
        batch.alter_column("other_id", existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column("role", sa.String(8), server_default="member", nullable=False))
        batch.add_column(
            sa.Column("joined_seq", sa.BigInteger(), server_default="0", nullable=False)
        )
    op.create_index(
        "ix_conversation_members_conversation_id", "conversation_members", ["conversation_id"]
    )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("media_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("system", sa.Text(), nullable=True))
        batch.add_column(sa.Column("unsent_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("message_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "message_reactions",
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("emoji", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", "user_id", name=op.f("pk_message_reactions")),
    )
    op.create_index("ix_message_reactions_user_id", "message_reactions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_message_reactions_user_id", table_name="message_reactions")
    op.drop_table("message_reactions")
    with op.batch_alter_table("media") as batch:
        batch.drop_column("message_id")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("unsent_at")
        batch.drop_column("system")
        batch.drop_column("media_id")
    op.drop_index("ix_conversation_members_conversation_id", table_name="conversation_members")
    # Groups have no pair and no other member: they cannot outlive this schema.
    op.execute("DELETE FROM conversation_members WHERE other_id IS NULL")
    op.execute(
        "DELETE FROM messages WHERE conversation_id IN "
        "(SELECT id FROM conversations WHERE kind = 'group')"
    )
    op.execute("DELETE FROM conversations WHERE kind = 'group'")
    with op.batch_alter_table("conversation_members") as batch:
        batch.drop_column("joined_seq")
        batch.drop_column("role")
        batch.alter_column("other_id", existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("user_high", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("user_low", existing_type=sa.BigInteger(), nullable=False)
        batch.drop_column("name")
        batch.drop_column("kind")
