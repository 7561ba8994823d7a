"""Messages and conversations to the API's objects (messages/schemas.py): a message for
one reader, a conversation, the answer to a send, pages, read state and unread counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.media import repository as media_repo
from shutter.media.presenters import thumb_url
from shutter.messages import repository
from shutter.messages.repository import MemberRow, MessageRow
from shutter.posts import repository as posts_repo
from shutter.stores.objects import UrlFor
from shutter.stories import repository as stories_repo
from shutter.timeutil import isoformat, utcnow
from shutter.users import repository as users_repo
from shutter.users.presenters import AuthorOutDict, present_author
from shutter.users.repository import AuthorRow


class MessageSentDict(TypedDict):
    """The wire shape of MessageSent."""

    message_id: str
    conversation_id: str
    seq: int
    sent_at: str


class SharedPostDict(TypedDict, total=False):
    """The wire shape of SharedPostOut: `author` and `thumb_url` only when available."""

    id: str
    available: bool
    author: AuthorOutDict
    thumb_url: str | None


class StoryRefDict(TypedDict, total=False):
    """The wire shape of StoryRefOut: `thumb_url` only when available."""

    id: str
    available: bool
    thumb_url: str | None


class MessageOutDict(TypedDict):
    """The wire shape of MessageOut."""

    id: str
    conversation_id: str
    seq: int
    sender_id: str
    client_message_id: str
    content: str
    post: SharedPostDict | None
    story: StoryRefDict | None
    sent_at: str


class ConversationOutDict(TypedDict):
    """The wire shape of ConversationOut."""

    id: str
    other_user: AuthorOutDict
    folder: str
    last_seq: int
    read_seq: int
    other_read_seq: int
    unread_count: int
    last_message: MessageOutDict | None


class ConversationPageDict(TypedDict):
    conversations: list[ConversationOutDict]
    next_cursor: str | None


class MessagePageDict(TypedDict):
    messages: list[MessageOutDict]
    last_seq: int
    has_more: bool


class ReadStateDict(TypedDict):
    read_seq: int
    unread_count: int


class UnreadCountDict(TypedDict):
    unread_count: int
    unread_messages: int
    request_count: int


def present_sent(row: MessageRow) -> MessageSentDict:
    return {
        "message_id": str(row["id"]),
        "conversation_id": str(row["conversation_id"]),
        "seq": row["seq"],
        "sent_at": isoformat(row["created_at"]),
    }


async def present_conversations(
    conn: AsyncConnection, user_id: int, rows: Sequence[MemberRow], url_for: UrlFor
) -> list[ConversationOutDict]:
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
    result: list[ConversationOutDict] = []
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
    rows: Sequence[MessageRow],
    url_for: UrlFor,
) -> list[MessageOutDict]:
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

    def shared_post(post_id: int | None) -> SharedPostDict | None:
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

    def story_ref(story_id: int | None) -> StoryRefDict | None:
        if story_id is None:
            return None
        story = stories.get(story_id)
        if story is None:
            return {"id": str(story_id), "available": False}
        thumb = thumb_url(story["media"], url_for, until=story["expires_at"])
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
