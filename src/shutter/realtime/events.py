"""The events the real-time bus carries, one `TypedDict` per kind, tagged by `type`.

They are plain dicts at run time: the bus encodes one once with orjson, so what a socket
receives is exactly the dict a caller built, key for key and in that order (the shapes are
documented in docs/messages.md and docs/mastodon.md). A reader narrows `RealtimeEvent`
by its `type` (`if event["type"] == "home_post": event["post_id"]`), and mypy checks
every key on both sides. `decode` reads one back from the bus's bytes.

Shutter's own gateway (http/websocket.py) forwards the events of a conversation, a
notification and a revocation; the Mastodon streaming API (mastodon/streaming.py) also
reads `home_post`, `posts_removed` and `oauth_revoked`, which Shutter's sockets skip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict, cast

import orjson

if TYPE_CHECKING:  # an annotation only: messages/ builds on realtime/, not the reverse
    from shutter.messages.presenters import MessageOutDict

SESSIONS_REVOKED = "sessions_revoked"
HOME_POST = "home_post"
POSTS_REMOVED = "posts_removed"
OAUTH_REVOKED = "oauth_revoked"


# -- a conversation's events (messages/service.py) ---------------------------------------


class MessageEvent(TypedDict):
    """A new message (or a group's notice), as its reader is allowed to see it."""

    type: Literal["message"]
    message: MessageOutDict


class ReadEvent(TypedDict):
    """A member read a conversation up to `up_to_seq`."""

    type: Literal["read"]
    conversation_id: str
    user_id: str
    up_to_seq: int


class MessageUnsentEvent(TypedDict):
    type: Literal["message_unsent"]
    conversation_id: str
    message_id: str
    seq: int


class ReactionEvent(TypedDict):
    """A member's reaction set (`emoji`) or taken back (None)."""

    type: Literal["reaction"]
    conversation_id: str
    message_id: str
    user_id: str
    emoji: str | None


class ConversationAddedEvent(TypedDict):
    type: Literal["conversation_added"]
    conversation_id: str


class ConversationLeftEvent(TypedDict):
    type: Literal["conversation_left"]
    conversation_id: str
    user_id: str


# -- notifications, revocations, timelines -----------------------------------------------


class NotificationEvent(TypedDict):
    """The user has a new notification (`kind`), with their unread count for the badge."""

    type: Literal["notification"]
    kind: str
    unread_count: int


class SessionsRevokedEvent(TypedDict):
    """Closes the user's sockets opened with tokens older than `token_version`, or (with
    `session_ids`; version -1) opened by these signed-out sessions."""

    type: Literal["sessions_revoked"]
    token_version: int
    session_ids: NotRequired[list[str]]


class HomePostEvent(TypedDict):
    type: Literal["home_post"]
    post_id: str
    author_id: str


class PostsRemovedEvent(TypedDict):
    type: Literal["posts_removed"]
    post_ids: list[str]


class OAuthRevokedEvent(TypedDict):
    type: Literal["oauth_revoked"]
    token_ids: list[str]
    app_ids: list[str]


ConversationEvent = (
    MessageEvent
    | ReadEvent
    | MessageUnsentEvent
    | ReactionEvent
    | ConversationAddedEvent
    | ConversationLeftEvent
)

# What `RealtimeBus.publish` accepts.
RealtimeEvent = (
    ConversationEvent
    | NotificationEvent
    | SessionsRevokedEvent
    | HomePostEvent
    | PostsRemovedEvent
    | OAuthRevokedEvent
)


def decode(data: bytes) -> RealtimeEvent:
    """An event as the bus delivered it (published by `RealtimeBus.publish`, so its shape
    is one of the above)."""
    return cast("RealtimeEvent", orjson.loads(data))


def home_post(post_id: int, author_id: int) -> HomePostEvent:
    """A post the fan-out put into the user's home timeline (or the author's own; a
    pulled author's followers' streams hear it there, see mastodon/streaming.py)."""
    return {"type": "home_post", "post_id": str(post_id), "author_id": str(author_id)}


def posts_removed(post_ids: Sequence[int]) -> PostsRemovedEvent:
    """Posts deleted: gone from the home timelines of their author's followers."""
    return {"type": "posts_removed", "post_ids": [str(post_id) for post_id in post_ids]}


def oauth_revoked(
    *, token_ids: Sequence[int] = (), app_ids: Sequence[int] = ()
) -> OAuthRevokedEvent:
    """OAuth tokens of the user revoked, one by one or every token of an app."""
    return {
        "type": "oauth_revoked",
        "token_ids": [str(token_id) for token_id in token_ids],
        "app_ids": [str(app_id) for app_id in app_ids],
    }


def sessions_revoked(
    token_version: int, session_ids: list[int] | None = None
) -> SessionsRevokedEvent:
    """The event that closes the user's sockets opened with tokens older than this
    version, or (`session_ids`; version -1) opened by these signed-out sessions."""
    event: SessionsRevokedEvent = {"type": "sessions_revoked", "token_version": token_version}
    if session_ids:
        event["session_ids"] = [str(session_id) for session_id in session_ids]
    return event


def notification(kind: str, unread_count: int) -> NotificationEvent:
    return {"type": "notification", "kind": kind, "unread_count": unread_count}
