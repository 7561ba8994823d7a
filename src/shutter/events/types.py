"""The event catalogue: facts in the past tense, written to the outbox with the change
they describe (`await uow.record(PostCreated(post_id=..., author_id=...))`).

Each event is a frozen dataclass with its topic (the outbox row's `topic`, the JetStream
subject's last part). Its fields are the JSON payload's keys, exactly as they have always
been, so outbox rows and JetStream messages written by an older release still decode:
`from_payload` converts each value to the field's type (`media.uploaded` carries its id
as a string: "42" and 42 both decode to 42).

`outbox_id` is not part of the payload: it is the id of the outbox row the event was read
from (unique, time-sortable), set when the event is delivered to a handler, for handlers
that de-duplicate. Events built by services carry 0 until recorded.

Adding an event: a dataclass here with a `topic`, listed in `CATALOGUE`; record it in the
service that makes the change; register handlers with `registry.on(TheEvent, handler)`.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Self


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    """The base of every event: a topic, a payload, and (once delivered) its outbox id."""

    topic: ClassVar[str]
    outbox_id: int = field(default=0, compare=False)

    def to_payload(self) -> dict[str, object]:
        """The JSON payload: every field but `outbox_id`."""
        return {
            item.name: getattr(self, item.name)
            for item in dataclasses.fields(self)
            if item.name != "outbox_id"
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, object], outbox_id: int = 0) -> Self:
        """Decode a payload (ints may come as strings; absent optional fields default)."""
        values: dict[str, object] = {}
        for name, kind in _field_kinds(cls).items():
            if name in payload:
                values[name] = _convert(kind, payload[name])
        return cls(outbox_id=outbox_id, **values)


_KINDS: dict[type[DomainEvent], dict[str, str]] = {}


def _field_kinds(cls: type[DomainEvent]) -> dict[str, str]:
    """Each payload field's conversion, by the field's declared type (worked out once)."""
    kinds = _KINDS.get(cls)
    if kinds is None:
        hints = typing.get_type_hints(cls)
        kinds = {
            item.name: _kind(hints[item.name])
            for item in dataclasses.fields(cls)
            if item.name != "outbox_id"
        }
        _KINDS[cls] = kinds
    return kinds


def _kind(hint: object) -> str:
    if hint is int:
        return "int"
    if hint is bool:
        return "bool"
    if hint == int | None:
        return "int?"
    if hint == tuple[int, ...]:
        return "ints"
    if hint is str:
        return "str"
    raise TypeError(f"unsupported event field type {hint!r}")


def _convert(kind: str, value: object) -> object:
    if kind == "str":
        return str(value)
    if kind == "bool":
        return bool(value)
    if kind == "str":
        return str(value)
    if kind == "int?" and value is None:
        return None
    if kind == "ints":
        assert isinstance(value, list | tuple)
        return tuple(int(item) for item in value)
    assert isinstance(value, int | str)
    return int(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class PostCreated(DomainEvent):
    topic: ClassVar[str] = "post.created"
    post_id: int
    author_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PostDeleted(DomainEvent):
    topic: ClassVar[str] = "post.deleted"
    post_id: int
    author_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PostEdited(DomainEvent):
    """The author changed what the post says; `version_id` is the post_versions row
    holding what it said before (the newly mentioned are told, once)."""

    topic: ClassVar[str] = "post.edited"
    post_id: int
    author_id: int
    version_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PostArchived(DomainEvent):
    """The author archived the post: hidden from everyone else at once (the visibility
    rule); the handlers take it out of the stored timelines."""

    topic: ClassVar[str] = "post.archived"
    post_id: int
    author_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PostUnarchived(DomainEvent):
    """The author restored an archived post: it goes back where it was."""

    topic: ClassVar[str] = "post.unarchived"
    post_id: int
    author_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class UserFollowed(DomainEvent):
    """`approved`: the follow is an approved request (the payload has the key only then)."""

    topic: ClassVar[str] = "user.followed"
    follower_id: int
    followee_id: int
    approved: bool = False

    def to_payload(self) -> dict[str, object]:
        payload: dict[str, object] = {
            "follower_id": self.follower_id,
            "followee_id": self.followee_id,
        }
        if self.approved:
            payload["approved"] = True
        return payload


@dataclass(frozen=True, slots=True, kw_only=True)
class UserUnfollowed(DomainEvent):
    topic: ClassVar[str] = "user.unfollowed"
    follower_id: int
    followee_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowRequested(DomainEvent):
    topic: ClassVar[str] = "user.follow_requested"
    follower_id: int
    followee_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PostLiked(DomainEvent):
    """`user_id` liked `post_id`, written by `author_id`."""

    topic: ClassVar[str] = "post.liked"
    post_id: int
    user_id: int
    author_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PostUnliked(DomainEvent):
    topic: ClassVar[str] = "post.unliked"
    post_id: int
    user_id: int
    author_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentCreated(DomainEvent):
    topic: ClassVar[str] = "comment.created"
    comment_id: int
    post_id: int
    author_id: int
    post_author_id: int
    parent_author_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentDeleted(DomainEvent):
    """A comment and, for a top-level one, its replies."""

    topic: ClassVar[str] = "comment.deleted"
    comment_ids: tuple[int, ...]
    post_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentLiked(DomainEvent):
    """`user_id` liked `comment_id` (on `post_id`), written by `author_id`."""

    topic: ClassVar[str] = "comment.liked"
    comment_id: int
    post_id: int
    user_id: int
    author_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentUnliked(DomainEvent):
    topic: ClassVar[str] = "comment.unliked"
    comment_id: int
    post_id: int
    user_id: int
    author_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StoryPosted(DomainEvent):
    """A new story: the author's bell subscribers are told (notifications)."""

    topic: ClassVar[str] = "story.posted"
    story_id: int
    author_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitsKeptHit(DomainEvent):
    """An account used up its allowance of rate-limit refusals (`rate_limit_refused`):
    trust and safety flags it into the queue (anti-spam)."""

    topic: ClassVar[str] = "moderation.limits_kept_hit"
    user_id: int
    action: str  # the limit of the refusal that used the allowance up


@dataclass(frozen=True, slots=True, kw_only=True)
class StoryExpired(DomainEvent):
    topic: ClassVar[str] = "story.expired"
    story_id: int
    author_id: int
    media_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaUploaded(DomainEvent):
    """The bytes are in; the media worker validates and renders them. The id goes out
    as a string, as it always has (workers of an older release read it so)."""

    topic: ClassVar[str] = "media.uploaded"
    media_id: int

    def to_payload(self) -> dict[str, object]:
        return {"media_id": str(self.media_id)}


# Account events (accounts/): each one ends in a mail (accounts/tasks.py). Payloads carry
# no secret: the one-time token of a link is made by the handler that sends the mail, so
# the outbox (and the event log) never holds a usable token.


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordResetRequested(DomainEvent):
    """Someone asked for a reset link for this address (which may belong to no account:
    recorded either way, so that the answer reveals nothing)."""

    topic: ClassVar[str] = "account.password_reset_requested"
    email: str
    base_url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordReset(DomainEvent):
    """The password was reset through a mailed link; the owner is told."""

    topic: ClassVar[str] = "account.password_reset"
    user_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationRequested(DomainEvent):
    """A verification link is due for this address (registration, resend, email change)."""

    topic: ClassVar[str] = "account.verification_requested"
    user_id: int
    email: str
    base_url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailChanged(DomainEvent):
    """The old address is told of the change."""

    topic: ClassVar[str] = "account.email_changed"
    user_id: int
    old_email: str
    new_email: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentRemoved(DomainEvent):
    """A moderator (or screening, `actor_id` null in the audit log) removed a post, comment
    or story of `author_id`. Read paths hide it at once (the visibility rule); the handlers
    tidy the stored timelines afterwards. `target_type`: post, comment or story."""

    topic: ClassVar[str] = "moderation.content_removed"
    target_type: str
    target_id: int
    author_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentRestored(DomainEvent):
    """Removed content put back (an upheld appeal, or a moderator's restore)."""

    topic: ClassVar[str] = "moderation.content_restored"
    target_type: str
    target_id: int
    author_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportRequested(DomainEvent):
    """An Instagram archive is to be imported (the `portability` lane). The id goes out
    as a string, as it always has."""

    topic: ClassVar[str] = "import.requested"
    import_id: int

    def to_payload(self) -> dict[str, object]:
        return {"import_id": str(self.import_id)}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportRequested(DomainEvent):
    """A user's export zip is to be built (the `portability` lane); the id as a string."""

    topic: ClassVar[str] = "export.requested"
    export_id: int

    def to_payload(self) -> dict[str, object]:
        return {"export_id": str(self.export_id)}


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageSent(DomainEvent):
    """A direct or group message was sent: the other members' browsers get a push
    (push/tasks.py; the live copy went over the socket at once)."""

    topic: ClassVar[str] = "message.sent"
    message_id: int
    conversation_id: int
    sender_id: int


CATALOGUE: tuple[type[DomainEvent], ...] = (
    PostCreated,
    PostDeleted,
    PostEdited,
    PostArchived,
    PostUnarchived,
    UserFollowed,
    UserUnfollowed,
    FollowRequested,
    PostLiked,
    PostUnliked,
    CommentCreated,
    CommentDeleted,
    CommentLiked,
    CommentUnliked,
    StoryPosted,
    StoryExpired,
    MediaUploaded,
    PasswordResetRequested,
    PasswordReset,
    VerificationRequested,
    EmailChanged,
    ContentRemoved,
    ContentRestored,
    LimitsKeptHit,
    ImportRequested,
    ExportRequested,
    MessageSent,
)
BY_TOPIC: dict[str, type[DomainEvent]] = {kind.topic: kind for kind in CATALOGUE}

# The topic strings under their old names (tests and the docs use them).
POST_CREATED = PostCreated.topic
POST_DELETED = PostDeleted.topic
USER_FOLLOWED = UserFollowed.topic
USER_UNFOLLOWED = UserUnfollowed.topic
FOLLOW_REQUESTED = FollowRequested.topic
POST_LIKED = PostLiked.topic
POST_UNLIKED = PostUnliked.topic
COMMENT_CREATED = CommentCreated.topic
COMMENT_DELETED = CommentDeleted.topic
COMMENT_LIKED = CommentLiked.topic
COMMENT_UNLIKED = CommentUnliked.topic
STORY_POSTED = StoryPosted.topic
STORY_EXPIRED = StoryExpired.topic
MEDIA_UPLOADED = MediaUploaded.topic
CONTENT_REMOVED = ContentRemoved.topic
CONTENT_RESTORED = ContentRestored.topic
IMPORT_REQUESTED = ImportRequested.topic
EXPORT_REQUESTED = ExportRequested.topic


@dataclass(frozen=True, slots=True)
class Event:
    """One outbox row as it travels (outbox → JetStream → consumer): `id` is unique and
    time-sortable, `payload` the JSON object. `decode()` gives the typed event."""

    id: int
    topic: str
    payload: dict[str, object]

    def decode(self) -> DomainEvent | None:
        """The catalogue's event for this row (None for a topic this release does not know)."""
        kind = BY_TOPIC.get(self.topic)
        return None if kind is None else kind.from_payload(self.payload, self.id)
