"""Queries on conversations, their members, messages and reactions. The only place that
writes SQL for direct messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypedDict

import orjson
from sqlalchemy import Exists, RowMapping, case, delete, exists, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.rows import typed
from shutter.db.sql import dialect_insert, id_in, insert_or_ignore
from shutter.db.tables import (
    blocks,
    conversation_members,
    conversations,
    follows,
    message_reactions,
    messages,
    users,
)
from shutter.privacy.visibility import account_suspended, blocked_either_way

mine = conversation_members.alias("mine")

# One member's view of a conversation: their side and the conversation.
MEMBER_COLUMNS = (
    mine.c.conversation_id,
    mine.c.user_id,
    mine.c.other_id,
    mine.c.accepted,
    mine.c.read_seq,
    mine.c.sort_id,
    mine.c.role,
    mine.c.joined_seq,
    conversations.c.kind,
    conversations.c.name,
    conversations.c.last_seq,
    conversations.c.last_message_id,
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
    messages.c.media_id,
    messages.c.system,
    messages.c.unsent_at,
    messages.c.created_at,
)


class MemberRow(TypedDict):
    """One member's view of a conversation (MEMBER_COLUMNS)."""

    conversation_id: int
    user_id: int
    other_id: int | None  # None in a group
    accepted: bool
    read_seq: int
    sort_id: int
    role: str
    joined_seq: int
    kind: str  # "direct" | "group"
    name: str | None
    last_seq: int
    last_message_id: int | None


def member_row(row: RowMapping) -> MemberRow:
    return {
        "conversation_id": row["conversation_id"],
        "user_id": row["user_id"],
        "other_id": row["other_id"],
        "accepted": bool(row["accepted"]),
        "read_seq": row["read_seq"],
        "sort_id": row["sort_id"],
        "role": row["role"],
        "joined_seq": row["joined_seq"],
        "kind": row["kind"],
        "name": row["name"],
        "last_seq": row["last_seq"],
        "last_message_id": row["last_message_id"],
    }


class MessageRow(TypedDict):
    """A message (MESSAGE_COLUMNS)."""

    id: int
    conversation_id: int
    seq: int
    sender_id: int
    client_message_id: str
    content: str
    post_id: int | None
    story_id: int | None
    media_id: int | None
    system: str | None  # JSON, for a group's membership changes and renames
    unsent_at: datetime | None
    created_at: datetime


def message_row(row: RowMapping) -> MessageRow:
    return typed(row, MessageRow)


class PreviousMessage(NamedTuple):
    """A message found by its client id, with its conversation's kind and pair (None in
    a group)."""

    message: MessageRow
    kind: str
    user_low: int | None
    user_high: int | None


class UnreadTotals(NamedTuple):
    """Inbox conversations with unread messages, unread messages in the inbox, requests
    with unread messages."""

    unread_count: int
    unread_messages: int
    request_count: int


class MemberState(NamedTuple):
    """Another member of a conversation, as its JSON lists them."""

    user_id: int
    role: str
    read_seq: int
    joined_seq: int


def _members() -> Any:
    return select(*MEMBER_COLUMNS).select_from(
        mine.join(conversations, conversations.c.id == mine.c.conversation_id)
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


async def create_group(
    conn: AsyncConnection, conversation_id: int, name: str | None, now: datetime
) -> None:
    await conn.execute(
        conversations.insert().values(
            id=conversation_id, kind="group", name=name, last_seq=0, created_at=now
        )
    )


async def add_members(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    await conn.execute(
        insert_or_ignore(conn, conversation_members, ["user_id", "conversation_id"]).values(
            list(rows)
        )
    )


async def next_seq(conn: AsyncConnection, conversation_id: int, message_id: int) -> int | None:
    """Take the conversation's next sequence number (None: no such conversation). On
    PostgreSQL the row stays locked until the transaction ends, so concurrent senders (and
    membership changes, which write a message too) queue here and seqs never repeat or
    skip; SQLite has one writer at a time anyway."""
    statement = (
        update(conversations)
        .where(conversations.c.id == conversation_id)
        .values(last_seq=conversations.c.last_seq + 1, last_message_id=message_id)
        .returning(conversations.c.last_seq)
    )
    seq = (await conn.execute(statement)).scalar_one_or_none()
    return None if seq is None else int(seq)


async def lock(conn: AsyncConnection, conversation_id: int) -> None:
    """Hold the conversation's row until the transaction ends (PostgreSQL; SQLite has one
    writer at a time anyway): what `next_seq` does, without taking a seq."""
    query = select(conversations.c.id).where(conversations.c.id == conversation_id)
    await conn.execute(query.with_for_update())


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
    """Move the conversation to the top of every member's inbox; the sender has read
    everything up to their own message, and writing back accepts a request."""
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


def _blocks(blocker_id: Any, blocked_id: Any) -> Exists:
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


class Candidate(NamedTuple):
    """Someone an actor wants in a group, as the rules for messaging see them."""

    actor_blocked: bool  # the actor blocked them
    blocked_actor: bool  # they blocked the actor
    follows_actor: bool  # they follow the actor (approved): the group lands in their inbox


async def candidates(
    conn: AsyncConnection, actor_id: int, user_ids: Sequence[int]
) -> dict[int, Candidate]:
    """The accounts among `user_ids` that exist and may be reached (not deactivated, not
    suspended), with their blocks and follow towards the actor; in one query."""
    follows_actor = exists().where(
        (follows.c.follower_id == users.c.id)
        & (follows.c.followee_id == actor_id)
        & (follows.c.status == "accepted")
    )
    query = select(
        users.c.id,
        _blocks(actor_id, users.c.id).label("actor_blocked"),
        _blocks(users.c.id, actor_id).label("blocked_actor"),
        follows_actor.label("follows_actor"),
    ).where(
        id_in(conn, users.c.id, user_ids)
        & users.c.deactivated_at.is_(None)
        & ~account_suspended(users.c.id)
    )
    return {
        row.id: Candidate(bool(row.actor_blocked), bool(row.blocked_actor), bool(row.follows_actor))
        for row in await conn.execute(query)
    }


async def by_client_id(
    conn: AsyncConnection, sender_id: int, client_message_id: str
) -> PreviousMessage | None:
    """The sender's message with this client id, with its conversation's kind and pair."""
    query = (
        select(
            *MESSAGE_COLUMNS,
            conversations.c.kind,
            conversations.c.user_low,
            conversations.c.user_high,
        )
        .select_from(messages.join(conversations, conversations.c.id == messages.c.conversation_id))
        .where(
            (messages.c.sender_id == sender_id)
            & (messages.c.client_message_id == client_message_id)
        )
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return PreviousMessage(message_row(row), row["kind"], row["user_low"], row["user_high"])


async def member(conn: AsyncConnection, user_id: int, conversation_id: int) -> MemberRow | None:
    """The user's view of a conversation, or None when they are not in it."""
    query = _members().where(
        (mine.c.user_id == user_id) & (mine.c.conversation_id == conversation_id)
    )
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else member_row(row)


async def is_member(conn: AsyncConnection, user_id: int, conversation_id: int) -> bool:
    query = select(conversation_members.c.user_id).where(
        (conversation_members.c.user_id == user_id)
        & (conversation_members.c.conversation_id == conversation_id)
    )
    return (await conn.execute(query)).first() is not None


async def members_of(
    conn: AsyncConnection, conversation_ids: Sequence[int]
) -> dict[int, list[MemberState]]:
    """The members of many conversations in one query: {conversation id: [members in
    the order they joined]}."""
    if not conversation_ids:
        return {}
    query = (
        select(
            conversation_members.c.conversation_id,
            conversation_members.c.user_id,
            conversation_members.c.role,
            conversation_members.c.read_seq,
            conversation_members.c.joined_seq,
        )
        .where(id_in(conn, conversation_members.c.conversation_id, conversation_ids))
        .order_by(
            conversation_members.c.conversation_id,
            conversation_members.c.joined_seq,
            conversation_members.c.user_id,
        )
    )
    grouped: dict[int, list[MemberState]] = {}
    for row in await conn.execute(query):
        grouped.setdefault(row.conversation_id, []).append(
            MemberState(row.user_id, row.role, row.read_seq, row.joined_seq)
        )
    return grouped


async def member_ids(conn: AsyncConnection, conversation_id: int) -> list[int]:
    query = select(conversation_members.c.user_id).where(
        conversation_members.c.conversation_id == conversation_id
    )
    return list((await conn.execute(query)).scalars())


async def remove_member(conn: AsyncConnection, conversation_id: int, user_id: int) -> bool:
    """Take someone out of a conversation (leaving, or removed); False if not in it."""
    done = await conn.execute(
        delete(conversation_members).where(
            (conversation_members.c.conversation_id == conversation_id)
            & (conversation_members.c.user_id == user_id)
        )
    )
    return done.rowcount == 1


async def promote_oldest_member(conn: AsyncConnection, conversation_id: int) -> int | None:
    """Make the longest-standing member an admin (a group whose last admin left); returns
    who, or None for an empty group."""
    query = (
        select(conversation_members.c.user_id)
        .where(conversation_members.c.conversation_id == conversation_id)
        .order_by(conversation_members.c.joined_seq, conversation_members.c.user_id)
        .limit(1)
    )
    user_id = (await conn.execute(query)).scalar_one_or_none()
    if user_id is not None:
        await conn.execute(
            update(conversation_members)
            .where(
                (conversation_members.c.conversation_id == conversation_id)
                & (conversation_members.c.user_id == user_id)
            )
            .values(role="admin")
        )
    return user_id


async def has_admin(conn: AsyncConnection, conversation_id: int) -> bool:
    query = select(conversation_members.c.user_id).where(
        (conversation_members.c.conversation_id == conversation_id)
        & (conversation_members.c.role == "admin")
    )
    return (await conn.execute(query.limit(1))).first() is not None


async def rename(conn: AsyncConnection, conversation_id: int, name: str | None) -> None:
    await conn.execute(
        update(conversations).where(conversations.c.id == conversation_id).values(name=name)
    )


async def page_members(
    conn: AsyncConnection, user_id: int, accepted: bool, before_sort: int | None, limit: int
) -> list[MemberRow]:
    """A folder of the user's conversations, most recent message first; direct
    conversations with someone either of them blocked are left out (a group has no other
    person: `other_id` is null and no block matches it)."""
    query = _members().where(
        (mine.c.user_id == user_id)
        & (mine.c.accepted.is_(accepted))
        & ~blocked_either_way(user_id, mine.c.other_id)
    )
    if before_sort is not None:
        query = query.where(mine.c.sort_id < before_sort)
    query = query.order_by(mine.c.sort_id.desc()).limit(limit)
    return [member_row(row) for row in (await conn.execute(query)).mappings()]


async def message(conn: AsyncConnection, message_id: int) -> MessageRow | None:
    query = select(*MESSAGE_COLUMNS).where(messages.c.id == message_id)
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else message_row(row)


async def messages_by_ids(conn: AsyncConnection, message_ids: Sequence[int]) -> list[MessageRow]:
    if not message_ids:
        return []
    query = select(*MESSAGE_COLUMNS).where(id_in(conn, messages.c.id, message_ids))
    return [message_row(row) for row in (await conn.execute(query)).mappings()]


async def page_messages(
    conn: AsyncConnection,
    conversation_id: int,
    after_seq: int | None,
    before_seq: int | None,
    limit: int,
    from_seq: int = 0,
) -> list[MessageRow]:
    """Up to `limit` messages ascending by seq, none before `from_seq` (a group member
    reads from the message that added them): the first ones after `after_seq`, or the
    last ones before `before_seq` (the newest when neither is given)."""
    query = select(*MESSAGE_COLUMNS).where(
        (messages.c.conversation_id == conversation_id) & (messages.c.seq >= from_seq)
    )
    if after_seq is not None:
        query = query.where(messages.c.seq > after_seq).order_by(messages.c.seq)
        return [message_row(row) for row in (await conn.execute(query.limit(limit))).mappings()]
    if before_seq is not None:
        query = query.where(messages.c.seq < before_seq)
    rows = (await conn.execute(query.order_by(messages.c.seq.desc()).limit(limit))).mappings()
    return [message_row(row) for row in reversed(list(rows))]


async def unsend(conn: AsyncConnection, message_id: int, now: datetime) -> None:
    """Empty a message for everyone; its seq stays, as a tombstone."""
    await conn.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(content="", post_id=None, story_id=None, media_id=None, unsent_at=now)
    )
    await conn.execute(
        delete(message_reactions).where(message_reactions.c.message_id == message_id)
    )


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


async def unread_totals(conn: AsyncConnection, user_id: int) -> UnreadTotals:
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
    row = (await conn.execute(query)).one()
    return UnreadTotals(int(row[0]), int(row[1]), int(row[2]))


# -- reactions ---------------------------------------------------------------------------


async def set_reaction(
    conn: AsyncConnection, message_id: int, user_id: int, emoji: str, now: datetime
) -> bool:
    """The user's reaction to a message, replacing theirs; False if it was this already."""
    statement = (
        dialect_insert(conn, message_reactions)
        .values(message_id=message_id, user_id=user_id, emoji=emoji, created_at=now)
        .on_conflict_do_update(
            index_elements=["message_id", "user_id"],
            set_={"emoji": emoji, "created_at": now},
            where=message_reactions.c.emoji != emoji,
        )
    )
    return (await conn.execute(statement)).rowcount == 1


async def delete_reaction(conn: AsyncConnection, message_id: int, user_id: int) -> bool:
    done = await conn.execute(
        delete(message_reactions).where(
            (message_reactions.c.message_id == message_id)
            & (message_reactions.c.user_id == user_id)
        )
    )
    return done.rowcount == 1


async def reactions_of(
    conn: AsyncConnection, message_ids: Sequence[int]
) -> dict[int, list[tuple[int, str]]]:
    """{message id: [(user id, emoji) oldest first]} for many messages, in one query."""
    if not message_ids:
        return {}
    query = (
        select(
            message_reactions.c.message_id, message_reactions.c.user_id, message_reactions.c.emoji
        )
        .where(id_in(conn, message_reactions.c.message_id, message_ids))
        .order_by(message_reactions.c.created_at, message_reactions.c.user_id)
    )
    grouped: dict[int, list[tuple[int, str]]] = {}
    for row in await conn.execute(query):
        grouped.setdefault(row.message_id, []).append((row.user_id, row.emoji))
    return grouped


async def delete_reactions_by(conn: AsyncConnection, user_id: int) -> None:
    await conn.execute(delete(message_reactions).where(message_reactions.c.user_id == user_id))


# -- account purge -------------------------------------------------------------------------


async def groups_of(conn: AsyncConnection, user_id: int) -> list[int]:
    query = (
        select(conversation_members.c.conversation_id)
        .select_from(
            conversation_members.join(
                conversations, conversations.c.id == conversation_members.c.conversation_id
            )
        )
        .where((conversation_members.c.user_id == user_id) & (conversations.c.kind == "group"))
        .order_by(conversation_members.c.conversation_id)
    )
    return list((await conn.execute(query)).scalars())


async def hand_messages_to(
    conn: AsyncConnection, conversation_id: int, user_id: int, stand_in: int
) -> None:
    """A purged account's messages in a conversation: emptied, from a stand-in id."""
    await conn.execute(
        update(messages)
        .where((messages.c.conversation_id == conversation_id) & (messages.c.sender_id == user_id))
        .values(sender_id=stand_in, content="", post_id=None, story_id=None, media_id=None)
    )


async def rename_in_notices(
    conn: AsyncConnection, conversation_id: int, user_id: int, stand_in: int
) -> None:
    """Notices (system messages) of a conversation that name a purged account name its
    stand-in instead."""
    query = select(messages.c.id, messages.c.system).where(
        (messages.c.conversation_id == conversation_id) & messages.c.system.contains(f'"{user_id}"')
    )
    for row in (await conn.execute(query)).all():
        event = orjson.loads(row.system)
        event["user_ids"] = [
            str(stand_in) if value == str(user_id) else value for value in event["user_ids"]
        ]
        await conn.execute(
            update(messages)
            .where(messages.c.id == row.id)
            .values(system=orjson.dumps(event).decode())
        )
