"""Messages and conversations to the API's objects (messages/schemas.py): a message for
one reader, a conversation, the answer to a send, pages, read state and unread counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.media import repository as media_repo
from shutter.media.presenters import MediaOutDict, present_media, private_url_deadline, thumb_url
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


class SystemEventDict(TypedDict):
    """The wire shape of SystemEventOut."""

    action: str
    users: list[AuthorOutDict]
    name: str | None


class ReactionDict(TypedDict):
    user_id: str
    emoji: str


class MessageOutDict(TypedDict):
    """The wire shape of MessageOut."""

    id: str
    conversation_id: str
    seq: int
    sender_id: str
    sender: AuthorOutDict
    client_message_id: str
    content: str
    post: SharedPostDict | None
    story: StoryRefDict | None
    media: MediaOutDict | None
    system: SystemEventDict | None
    unsent: bool
    reactions: list[ReactionDict]
    sent_at: str


class MemberOutDict(TypedDict):
    """The wire shape of MemberOut."""

    user: AuthorOutDict
    role: str
    read_seq: int


class ConversationOutDict(TypedDict):
    """The wire shape of ConversationOut."""

    id: str
    kind: str
    name: str | None
    other_user: AuthorOutDict | None
    members: list[MemberOutDict]
    folder: str
    last_seq: int
    read_seq: int
    other_read_seq: int
    unread_count: int
    last_message: MessageOutDict | None


class ReactionsOutDict(TypedDict):
    message_id: str
    reactions: list[ReactionDict]


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


def stand_in(user_id: int) -> AuthorRow:
    """Who a deleted account's messages and membership show (portability/deletion.py
    gives them an id that names no account)."""
    return {"id": user_id, "username": "", "display_name": "Deleted account", "avatar_key": None}


def _author(authors: dict[int, AuthorRow], user_id: int, url_for: UrlFor) -> AuthorOutDict:
    return present_author(authors.get(user_id) or stand_in(user_id), url_for)


async def present_conversations(
    conn: AsyncConnection, user_id: int, rows: Sequence[MemberRow], url_for: UrlFor
) -> list[ConversationOutDict]:
    """Member rows to API objects: the members (and their authors) and the last messages
    of the whole page in one query each."""
    members = await repository.members_of(conn, [row["conversation_id"] for row in rows])
    authors = await users_repo.get_authors(
        conn, {member.user_id for group in members.values() for member in group}
    )
    last_rows = await repository.messages_by_ids(
        conn, [row["last_message_id"] for row in rows if row["last_message_id"] is not None]
    )
    last = {
        message["conversation_id"]: message
        for message in await present_messages(conn, user_id, last_rows, url_for)
    }
    result: list[ConversationOutDict] = []
    for row in rows:
        everyone = members.get(row["conversation_id"], [])
        others = [member for member in everyone if member.user_id != user_id]
        direct = row["kind"] == "direct"
        if direct:
            assert row["other_id"] is not None
            other_user: AuthorOutDict | None = _author(authors, row["other_id"], url_for)
        else:
            other_user = None
        result.append(
            {
                "id": str(row["conversation_id"]),
                "kind": row["kind"],
                "name": row["name"],
                "other_user": other_user,
                "members": [
                    {
                        "user": _author(authors, member.user_id, url_for),
                        "role": member.role if not direct else "member",
                        "read_seq": member.read_seq,
                    }
                    for member in everyone
                ],
                "folder": "inbox" if row["accepted"] else "requests",
                "last_seq": row["last_seq"],
                "read_seq": row["read_seq"],
                "other_read_seq": min((member.read_seq for member in others), default=0),
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
    shown only while the reader may see it (`available: false` otherwise); a photo or
    video by expiring links (the reader is a member: callers check). Posts, their authors
    and thumbnails, stories, media, senders and reactions are fetched for the whole list
    at once."""
    post_ids = sorted({row["post_id"] for row in rows if row["post_id"] is not None})
    story_ids = sorted({row["story_id"] for row in rows if row["story_id"] is not None})
    media_ids = sorted({row["media_id"] for row in rows if row["media_id"] is not None})
    events = {row["id"]: orjson.loads(row["system"]) for row in rows if row["system"]}
    readable_posts = await posts_repo.readable_live_among(conn, post_ids, reader_id)
    thumbs = await media_repo.for_posts(conn, list(readable_posts))
    media = await media_repo.for_messages(conn, media_ids)
    authors = await users_repo.get_authors(
        conn,
        {post["author_id"] for post in readable_posts.values()}
        | {row["sender_id"] for row in rows}
        | {int(user_id) for event in events.values() for user_id in event["user_ids"]},
    )
    stories = await stories_repo.readable_live_among(conn, story_ids, reader_id, utcnow())
    reactions = await repository.reactions_of(conn, [row["id"] for row in rows])
    deadline = private_url_deadline()

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

    def attached(media_id: int | None) -> MediaOutDict | None:
        row = media.get(media_id) if media_id is not None else None
        return None if row is None else present_media(row, url_for, until=deadline)

    def system(message_id: int) -> SystemEventDict | None:
        event = events.get(message_id)
        if event is None:
            return None
        return {
            "action": event["action"],
            "users": [_author(authors, int(user_id), url_for) for user_id in event["user_ids"]],
            "name": event.get("name"),
        }

    return [
        {
            "id": str(row["id"]),
            "conversation_id": str(row["conversation_id"]),
            "seq": row["seq"],
            "sender_id": str(row["sender_id"]),
            "sender": _author(authors, row["sender_id"], url_for),
            "client_message_id": row["client_message_id"],
            "content": row["content"],
            "post": shared_post(row["post_id"]),
            "story": story_ref(row["story_id"]),
            "media": attached(row["media_id"]),
            "system": system(row["id"]),
            "unsent": row["unsent_at"] is not None,
            "reactions": [
                {"user_id": str(user_id), "emoji": emoji}
                for user_id, emoji in reactions.get(row["id"], [])
            ],
            "sent_at": isoformat(row["created_at"]),
        }
        for row in sorted(rows, key=lambda row: row["seq"])
    ]


def present_reactions(message_id: int, reactions: list[tuple[int, str]]) -> ReactionsOutDict:
    return {
        "message_id": str(message_id),
        "reactions": [{"user_id": str(user_id), "emoji": emoji} for user_id, emoji in reactions],
    }
