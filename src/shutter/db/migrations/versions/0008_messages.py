"""messages: conversations, each participant's side of one, and messages

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_low", sa.BigInteger(), nullable=False),
        sa.Column("user_high", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    op.create_index(
        "uq_conversations_pair", "conversations", ["user_low", "user_high"], unique=True
    )
    op.create_table(
        "conversation_members",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("other_id", sa.BigInteger(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("read_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sort_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "conversation_id", name=op.f("pk_conversation_members")),
    )
    op.create_index(
        "ix_conversation_members_inbox",
        "conversation_members",
        ["user_id", "accepted", "sort_id"],
        unique=False,
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("sender_id", sa.BigInteger(), nullable=False),
        sa.Column("client_message_id", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=True),
        sa.Column("story_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index(
        "uq_messages_conversation_id_seq", "messages", ["conversation_id", "seq"], unique=True
    )
    op.create_index(
        "uq_messages_sender_id_client_message_id",
        "messages",
        ["sender_id", "client_message_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_messages_sender_id_client_message_id", table_name="messages")
    op.drop_index("uq_messages_conversation_id_seq", table_name="messages")
    op.drop_table("messages")
    op.drop_index("ix_conversation_members_inbox", table_name="conversation_members")
    op.drop_table("conversation_members")
    op.drop_index("uq_conversations_pair", table_name="conversations")
    op.drop_table("conversations")
