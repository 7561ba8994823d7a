"""Direct-message use cases: send (also as a story reply), the inbox and its folders,
history, read receipts, accepting requests, unread counts. No HTTP here.

A conversation belongs to two people and exists once per pair. Each message takes the
conversation's next sequence number in the transaction that stores it, so the order is
total and gap-free; the client's own `client_message_id` makes a retry store nothing
twice. Live events go out after the commit (`RealtimeBus`); a client that missed some
asks for everything after the last seq it has (docs/messages.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.errors import Forbidden, InvalidInput, NotFound
from shutter.media import repository as media_repo
from shutter.media.presenters import thumb_url
from shutter.media.repository import media_row
from shutter.messages import repository
from shutter.pagination import page_tail
from shutter.posts import repository as posts_repo
from shutter.posts.service import readable_post
from shutter.privacy.visibility import block_directions, is_approved_follower
from shutter.stories import repository as stories_repo
from shutter.stories.service import visible_story
from shutter.timeutil import isoformat, utcnow
from shutter.users import repository as users_repo
from shutter.users.presenters import present_author
from shutter.users.repository import AuthorRow
from shutter.users.service import UrlFor


@dataclass(frozen=True, slots=True)
class SendMessage:
    """A command: what the sender asked to send."""

    sender_id: int
    recipient_id: int | None  # None for a story reply: the story's author
    content: str
    client_message_id: str
    post_id: int | None = None
    story_id: int | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    answer: dict[str, Any]
    created: bool  # False: a retry, answered with what the first attempt stored


class _LostRace(Exception):
    """A concurrent request with the same client_message_id stored it first."""


async def send_message(context: AppContext, command: SendMessage, url_for: UrlFor) -> Sent:
    """Store a message (once per client_message_id) and push it to both participants."""
    for _ in range(2):
        try:
            async with context.db.write() as uow:
                previous = await repository.by_client_id(
                    uow.conn, command.sender_id, command.client_message_id
                )
                if previous is not None:
                    return Sent(_replay(previous, command), created=False)
                row, recipient_id = await _store(context, uow.conn, command)
                # Each participant's copy: a shared post shows only to whom may see it.
                events = {}
                for reader in (command.sender_id, recipient_id):
                    (message,) = await present_messages(uow.conn, reader, [row], url_for)
                    events[reader] = {"type": "message", "message": message}
        except _LostRace:
            continue  # the winner has committed: the next pass answers with its message
        for reader, event in events.items():
            await context.realtime.publish([reader], event)
        return Sent(_sent(row), created=True)
    raise RuntimeError("client_message_id race not resolved")  # pragma: no cover


def _sent(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    return {
        "message_id": str(row["id"]),
        "conversation_id": str(row["conversation_id"]),
        "seq": row["seq"],
        "sent_at": isoformat(row["created_at"]),
    }


def _replay(previous: RowMapping, command: SendMessage) -> dict[str, Any]:
    """The first attempt's answer, if this is the same request again."""
    pair = {previous["user_low"], previous["user_high"]}
    same = (
        previous["content"] == command.content
        and previous["post_id"] == command.post_id
        and previous["story_id"] == command.story_id
        and (command.recipient_id is None or command.recipient_id in pair)
    )
    if not same:
        raise InvalidInput(
            "client_message_id was already used for another message; use a new one.",
            code="client_message_id_reused",
        )
    return _sent(previous)


async def _store(
    context: AppContext, conn: AsyncConnection, command: SendMessage
) -> tuple[dict[str, Any], int]:
    """Check the request, then store the message with the next seq; returns the stored
    row and the recipient."""
    sender_id = command.sender_id
    if command.story_id is not None:
        story = await visible_story(conn, sender_id, command.story_id)
        recipient_id = int(story["author_id"])
    else:
        assert command.recipient_id is not None
        recipient_id = command.recipient_id
    await _check_recipient(conn, sender_id, recipient_id)
    if command.post_id is not None:
        await readable_post(conn, sender_id, command.post_id)
    now = utcnow()
    message_id = context.ids.next_id()
    conversation_id = await _conversation(context, conn, sender_id, recipient_id, message_id)
    seq = await repository.next_seq(conn, conversation_id, message_id)
    row = {
        "id": message_id,
        "conversation_id": conversation_id,
        "seq": seq,
        "sender_id": sender_id,
        "client_message_id": command.client_message_id,
        "content": command.content,
        "post_id": command.post_id,
        "story_id": command.story_id,
        "created_at": now,
    }
    if not await repository.insert_message(conn, row):
        raise _LostRace  # rolls back the seq taken above
    await repository.record_sent(conn, conversation_id, sender_id, message_id, seq)
    return row, recipient_id


async def _check_recipient(conn: AsyncConnection, sender_id: int, recipient_id: int) -> None:
    if recipient_id == sender_id:
        raise InvalidInput("You cannot send a message to yourself.", code="cannot_message_self")
    status = await repository.recipient_status(conn, sender_id, recipient_id)
    if status is not None and status.sender_blocked:
        raise Forbidden(
            "You blocked this account; unblock it to message it.", code="messaging_blocked"
        )
    # Someone who blocked the sender must look nonexistent: the answer an unknown id gets.
    if status is None or status.recipient_blocked:
        raise NotFound("No such user.", code="user_not_found")


async def _conversation(
    context: AppContext, conn: AsyncConnection, sender_id: int, recipient_id: int, sort_id: int
) -> int:
    """The pair's conversation, created with both members on the first message. The
    recipient files it in the inbox if they follow the sender, else under requests."""
    low, high = sorted((sender_id, recipient_id))
    conversation_id = await repository.conversation_id_for_pair(conn, low, high)
    if conversation_id is not None:
        return conversation_id
    await repository.create_conversation(conn, context.ids.next_id(), low, high, utcnow())
    conversation_id = await repository.conversation_id_for_pair(conn, low, high)
    assert conversation_id is not None  # created above, or by a concurrent first message
    recipient_follows = await is_approved_follower(conn, recipient_id, sender_id)
    await repository.add_members(
        conn,
        [
            _member_row(conversation_id, sender_id, recipient_id, True, sort_id),
            _member_row(conversation_id, recipient_id, sender_id, recipient_follows, sort_id),
        ],
    )
    return conversation_id


def _member_row(
    conversation_id: int, user_id: int, other_id: int, accepted: bool, sort_id: int
) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "user_id": user_id,
        "other_id": other_id,
        "accepted": accepted,
        "read_seq": 0,
        "sort_id": sort_id,
    }


async def _member(conn: AsyncConnection, user_id: int, conversation_id: int) -> RowMapping:
    """The user's side of a conversation they are in and may see; 404 otherwise (the same
    answer for strangers and for a conversation a block hides, revealing nothing)."""
    row = await repository.member(conn, user_id, conversation_id)
    if row is not None:
        blocked = await block_directions(conn, user_id, row["other_id"])
        if not any(blocked):
            return row
    raise NotFound("No such conversation.", code="conversation_not_found")


async def list_conversations(
    conn: AsyncConnection,
    user_id: int,
    folder: str,
    before_sort: int | None,
    limit: int,
    url_for: UrlFor,
) -> dict[str, Any]:
    """`{conversations, next_cursor}`: a folder, most recent message first."""
    rows = await repository.page_members(conn, user_id, folder == "inbox", before_sort, limit + 1)
    page = page_tail(rows, limit, lambda row: int(row["sort_id"]))
    return {
        "conversations": await _present_conversations(conn, user_id, page.items, url_for),
        "next_cursor": page.next_cursor,
    }


async def get_conversation(
    conn: AsyncConnection, user_id: int, conversation_id: int, url_for: UrlFor
) -> dict[str, Any]:
    row = await _member(conn, user_id, conversation_id)
    (conversation,) = await _present_conversations(conn, user_id, [row], url_for)
    return conversation


async def history(
    conn: AsyncConnection,
    user_id: int,
    conversation_id: int,
    after_seq: int | None,
    before_seq: int | None,
    limit: int,
    url_for: UrlFor,
) -> dict[str, Any]:
    """`{messages, last_seq, has_more}`: ascending by seq, after `after_seq` or just
    before `before_seq` (the newest page when neither is given)."""
    member = await _member(conn, user_id, conversation_id)
    rows = await repository.page_messages(conn, conversation_id, after_seq, before_seq, limit)
    if after_seq is not None:
        has_more = bool(rows) and rows[-1]["seq"] < member["last_seq"]
    else:
        has_more = bool(rows) and rows[0]["seq"] > 1
    return {
        "messages": await present_messages(conn, user_id, rows, url_for),
        "last_seq": member["last_seq"],
        "has_more": has_more,
    }


async def mark_read(
    context: AppContext, user_id: int, conversation_id: int, up_to_seq: int
) -> dict[str, Any]:
    """Move the reader's position forward (clamped to the last seq, never backwards);
    tells both participants' sockets when it moved. Returns `{read_seq, unread_count}`."""
    async with context.db.write() as uow:
        member = await _member(uow.conn, user_id, conversation_id)
        target = min(up_to_seq, member["last_seq"])
        moved = await repository.advance_read(uow.conn, user_id, conversation_id, target)
    read_seq = max(member["read_seq"], target)
    if moved:
        event = {
            "type": "read",
            "conversation_id": str(conversation_id),
            "user_id": str(user_id),
            "up_to_seq": read_seq,
        }
        await context.realtime.publish([user_id, member["other_id"]], event)
    return {"read_seq": read_seq, "unread_count": member["last_seq"] - read_seq}


async def accept(
    conn: AsyncConnection, user_id: int, conversation_id: int, url_for: UrlFor
) -> dict[str, Any]:
    """Move a request to the inbox (accepting twice changes nothing)."""
    await _member(conn, user_id, conversation_id)
    await repository.accept(conn, user_id, conversation_id)
    return await get_conversation(conn, user_id, conversation_id, url_for)


async def unread_count(conn: AsyncConnection, user_id: int) -> dict[str, int]:
    totals = await repository.unread_totals(conn, user_id)
    return {
        "unread_count": int(totals["unread_count"]),
        "unread_messages": int(totals["unread_messages"]),
        "request_count": int(totals["request_count"]),
    }


async def _present_conversations(
    conn: AsyncConnection, user_id: int, rows: Sequence[RowMapping], url_for: UrlFor
) -> list[dict[str, Any]]:
    """Member rows to API objects: the other people and the last messages of the whole
    page in one query each."""
    authors = await users_repo.get_authors(conn, {row["other_id"] for row in rows})
    last_rows = await repository.messages_by_ids(
        conn, [row["last_message_id"] for row in rows if row["last_message_id"] is not None]
    )
    last = {
        message["conversation_id"]: message
        for message in await present_messages(conn, user_id, last_rows, url_for)
    }
    result = []
    for row in rows:
        other: AuthorRow | None = authors.get(row["other_id"])
        if other is None:  # a deleted account's stand-in (portability/deletion.py)
            other = {
                "id": row["other_id"],
                "username": "",
                "display_name": "Deleted account",
                "avatar_key": None,
            }
        result.append(
            {
                "id": str(row["conversation_id"]),
                "other_user": present_author(other, url_for),
                "folder": "inbox" if row["accepted"] else "requests",
                "last_seq": row["last_seq"],
                "read_seq": row["read_seq"],
                "other_read_seq": row["other_read_seq"],
                "unread_count": max(0, row["last_seq"] - row["read_seq"]),
                "last_message": last.get(str(row["conversation_id"])),
            }
        )
    return result


async def present_messages(
    conn: AsyncConnection,
    reader_id: int,
    rows: Sequence[RowMapping | dict[str, Any]],
    url_for: UrlFor,
) -> list[dict[str, Any]]:
    """Message rows to API objects for one reader. A shared post or a replied-to story is
    shown only while the reader may see it (`available: false` otherwise); posts, their
    authors and thumbnails, and stories are fetched for the whole list at once."""
    post_ids = sorted({row["post_id"] for row in rows if row["post_id"] is not None})
    story_ids = sorted({row["story_id"] for row in rows if row["story_id"] is not None})
    readable_posts = await posts_repo.readable_live_among(conn, post_ids, reader_id)
    thumbs = await media_repo.for_posts(conn, list(readable_posts))
    authors = await users_repo.get_authors(
        conn, {post["author_id"] for post in readable_posts.values()}
    )
    stories = await stories_repo.readable_live_among(conn, story_ids, reader_id, utcnow())

    def shared_post(post_id: int | None) -> dict[str, Any] | None:
        if post_id is None:
            return None
        post = readable_posts.get(post_id)
        if post is None or post["author_id"] not in authors:
            return {"id": str(post_id), "available": False}
        media = thumbs.get(post_id)
        return {
            "id": str(post_id),
            "available": True,
            "author": present_author(authors[post["author_id"]], url_for),
            "thumb_url": thumb_url(media[0], url_for) if media else None,
        }

    def story_ref(story_id: int | None) -> dict[str, Any] | None:
        if story_id is None:
            return None
        story = stories.get(story_id)
        if story is None:
            return {"id": str(story_id), "available": False}
        thumb = thumb_url(media_row(story), url_for, until=story["expires_at"])
        return {"id": str(story_id), "available": True, "thumb_url": thumb}

    return [
        {
            "id": str(row["id"]),
            "conversation_id": str(row["conversation_id"]),
            "seq": row["seq"],
            "sender_id": str(row["sender_id"]),
            "client_message_id": row["client_message_id"],
            "content": row["content"],
            "post": shared_post(row["post_id"]),
            "story": story_ref(row["story_id"]),
            "sent_at": isoformat(row["created_at"]),
        }
        for row in sorted(rows, key=lambda row: row["seq"])
    ]
