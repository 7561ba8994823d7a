"""Queries on conversations, their members and messages. The only place that writes SQL
for direct messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Exists, RowMapping, and_, case, exists, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in, insert_or_ignore
from shutter.db.tables import blocks, conversation_members, conversations, messages, users
from shutter.privacy.visibility import blocked_either_way

mine = conversation_members.alias("mine")
theirs = conversation_members.alias("theirs")

# One member's view of a conversation: their side, the conversation, the other's side.
MEMBER_COLUMNS = (
    mine.c.conversation_id,
    mine.c.user_id,
    mine.c.other_id,
    mine.c.accepted,
    mine.c.read_seq,
    mine.c.sort_id,
    conversations.c.last_seq,
    conversations.c.last_message_id,
    theirs.c.read_seq.label("other_read_seq"),
)
MESSAGE_COLUMNS = (
    messages.c.id,
    messages.c.conversation_id,
    messages.c.seq,
    messages.c.sender_id,
    messages.c.client_message_id,
    messages.c.content,
    messages.c.post_id,
    messages.c.story_id,
    messages.c.created_at,
)


def _members() -> Any:
    return select(*MEMBER_COLUMNS).select_from(
        mine.join(conversations, conversations.c.id == mine.c.conversation_id).join(
            theirs,
            and_(
                theirs.c.conversation_id == mine.c.conversation_id,
                theirs.c.user_id == mine.c.other_id,
            ),
        )
    )


async def conversation_id_for_pair(conn: AsyncConnection, low: int, high: int) -> int | None:
    query = select(conversations.c.id).where(
        (conversations.c.user_low == low) & (conversations.c.user_high == high)
    )
    return (await conn.execute(query)).scalar_one_or_none()


async def create_conversation(
    conn: AsyncConnection, conversation_id: int, low: int, high: int, now: datetime
) -> None:
    """Create the pair's conversation unless a concurrent first message just did."""
    await conn.execute(
        insert_or_ignore(conn, conversations, ["user_low", "user_high"]).values(
            id=conversation_id, user_low=low, user_high=high, last_seq=0, created_at=now
        )
    )


async def add_members(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    await conn.execute(
        insert_or_ignore(conn, conversation_members, ["user_id", "conversation_id"]).values(
            list(rows)
        )
    )


async def next_seq(conn: AsyncConnection, conversation_id: int, message_id: int) -> int:
    """Take the conversation's next sequence number. On PostgreSQL the row stays locked
    until the transaction ends, so concurrent senders queue here and seqs never repeat or
    skip; SQLite has one writer at a time anyway."""
    statement = (
        update(conversations)
        .where(conversations.c.id == conversation_id)
        .values(last_seq=conversations.c.last_seq + 1, last_message_id=message_id)
        .returning(conversations.c.last_seq)
    )
    return int((await conn.execute(statement)).scalar_one())


async def insert_message(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """Store a message; False if the sender already used this client_message_id."""
    statement = (
        insert_or_ignore(conn, messages, ["sender_id", "client_message_id"])
        .values(**values)
        .returning(messages.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def record_sent(
    conn: AsyncConnection, conversation_id: int, sender_id: int, message_id: int, seq: int
) -> None:
    """Move the conversation to the top of both inboxes; the sender has read everything up
    to their own message, and writing back accepts a request."""
    is_sender = conversation_members.c.user_id == sender_id
    await conn.execute(
        update(conversation_members)
        .where(conversation_members.c.conversation_id == conversation_id)
        .values(
            sort_id=message_id,
            read_seq=case((is_sender, seq), else_=conversation_members.c.read_seq),
            accepted=case((is_sender, true()), else_=conversation_members.c.accepted),
        )
    )


class RecipientStatus(NamedTuple):
    sender_blocked: bool  # the sender blocked the recipient
    recipient_blocked: bool  # the recipient blocked the sender


def _blocks(blocker_id: int, blocked_id: int) -> Exists:
    return exists().where((blocks.c.blocker_id == blocker_id) & (blocks.c.blocked_id == blocked_id))


async def recipient_status(
    conn: AsyncConnection, sender_id: int, recipient_id: int
) -> RecipientStatus | None:
    """The blocks between sender and recipient, or None if there is no such recipient;
    in one query."""
    query = select(
        _blocks(sender_id, recipient_id).label("sender_blocked"),
        _blocks(recipient_id, sender_id).label("recipient_blocked"),
    ).where(users.c.id == recipient_id)
    row = (await conn.execute(query)).first()
    return None if row is None else RecipientStatus(bool(row[0]), bool(row[1]))


async def by_client_id(
    conn: AsyncConnection, sender_id: int, client_message_id: str
) -> RowMapping | None:
    """The sender's message with this client id, with the conversation's pair."""
    query = (
        select(*MESSAGE_COLUMNS, conversations.c.user_low, conversations.c.user_high)
        .select_from(messages.join(conversations, conversations.c.id == messages.c.conversation_id))
        .where(
            (messages.c.sender_id == sender_id)
            & (messages.c.client_message_id == client_message_id)
        )
    )
    return (await conn.execute(query)).mappings().first()


async def member(conn: AsyncConnection, user_id: int, conversation_id: int) -> RowMapping | None:
    """The user's view of a conversation, or None when they are not in it."""
    query = _members().where(
        (mine.c.user_id == user_id) & (mine.c.conversation_id == conversation_id)
    )
    return (await conn.execute(query)).mappings().first()


async def page_members(
    conn: AsyncConnection, user_id: int, accepted: bool, before_sort: int | None, limit: int
) -> list[RowMapping]:
    """A folder of the user's conversations, most recent message first; conversations
    with someone either of them blocked are left out."""
    query = _members().where(
        (mine.c.user_id == user_id)
        & (mine.c.accepted.is_(accepted))
        & ~blocked_either_way(user_id, mine.c.other_id)
    )
    if before_sort is not None:
        query = query.where(mine.c.sort_id < before_sort)
    query = query.order_by(mine.c.sort_id.desc()).limit(limit)
    return list((await conn.execute(query)).mappings())


async def messages_by_ids(conn: AsyncConnection, message_ids: Sequence[int]) -> list[RowMapping]:
    if not message_ids:
        return []
    query = select(*MESSAGE_COLUMNS).where(id_in(conn, messages.c.id, message_ids))
    return list((await conn.execute(query)).mappings())


async def page_messages(
    conn: AsyncConnection,
    conversation_id: int,
    after_seq: int | None,
    before_seq: int | None,
    limit: int,
) -> list[RowMapping]:
    """Up to `limit` messages ascending by seq: the first ones after `after_seq`, or the
    last ones before `before_seq` (the newest when neither is given)."""
    query = select(*MESSAGE_COLUMNS).where(messages.c.conversation_id == conversation_id)
    if after_seq is not None:
        query = query.where(messages.c.seq > after_seq).order_by(messages.c.seq)
        return list((await conn.execute(query.limit(limit))).mappings())
    if before_seq is not None:
        query = query.where(messages.c.seq < before_seq)
    rows = (await conn.execute(query.order_by(messages.c.seq.desc()).limit(limit))).mappings()
    return list(reversed(list(rows)))


async def advance_read(conn: AsyncConnection, user_id: int, conversation_id: int, seq: int) -> bool:
    """Move the user's read position forward to `seq`; never backwards."""
    statement = (
        update(conversation_members)
        .where(
            (conversation_members.c.user_id == user_id)
            & (conversation_members.c.conversation_id == conversation_id)
            & (conversation_members.c.read_seq < seq)
        )
        .values(read_seq=seq)
    )
    return (await conn.execute(statement)).rowcount == 1


async def accept(conn: AsyncConnection, user_id: int, conversation_id: int) -> None:
    await conn.execute(
        update(conversation_members)
        .where(
            (conversation_members.c.user_id == user_id)
            & (conversation_members.c.conversation_id == conversation_id)
        )
        .values(accepted=True)
    )


async def unread_totals(conn: AsyncConnection, user_id: int) -> RowMapping:
    """(inbox conversations with unread messages, unread messages in the inbox,
    requests with unread messages), blocked conversations left out, in one query."""
    unread = conversations.c.last_seq - mine.c.read_seq
    has_unread = unread > 0
    query = (
        select(
            func.count().filter(mine.c.accepted.is_(True) & has_unread).label("unread_count"),
            func.coalesce(func.sum(unread).filter(mine.c.accepted.is_(True)), 0).label(
                "unread_messages"
            ),
            func.count().filter(mine.c.accepted.is_(False) & has_unread).label("request_count"),
        )
        .select_from(mine.join(conversations, conversations.c.id == mine.c.conversation_id))
        .where((mine.c.user_id == user_id) & ~blocked_either_way(user_id, mine.c.other_id))
    )
    return (await conn.execute(query)).mappings().one()
