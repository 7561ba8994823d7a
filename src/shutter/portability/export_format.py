"""The JSON shape of each file of an export (`shutter-export-1`, docs/data.md): what
`exporter.py` writes and what `instagram.py` reads back when a Shutter export is imported.
A file is a `*File` (or a list of `*Entry`). Keys that are Python keywords (`from`, `with`)
or file names make some of these functional `TypedDict`s. Ids are strings, times ISO 8601
(None where the row has none)."""

from __future__ import annotations

from typing import Literal, TypedDict

FORMAT = "shutter-export-1"


class ProfileEntry(TypedDict):
    id: str
    username: str
    email: str
    display_name: str
    bio: str
    is_private: bool
    follower_count: int
    following_count: int
    post_count: int
    created_at: str | None


class SettingsEntry(TypedDict):
    is_private: bool


class AccountFile(TypedDict):
    """`account.json`: the format, when, the profile and settings."""

    format: str
    exported_at: str
    profile: ProfileEntry
    settings: SettingsEntry


class LocationEntry(TypedDict):
    name: str
    lat: float | None
    lng: float | None


# An earlier version of an edited post: its caption and place, valid from .. until.
EarlierVersionEntry = TypedDict(
    "EarlierVersionEntry",
    {"caption": str, "location": str | None, "from": str | None, "until": str | None},
)


class MediaEntry(TypedDict):
    """A photo or video of a post or story: its file under `media/`."""

    file: str
    type: str
    width: int | None
    height: int | None
    duration_s: float | None


class PostEntry(TypedDict):
    """One of `posts.json`."""

    id: str
    caption: str
    created_at: str | None
    creation_timestamp: int
    location: LocationEntry | None
    like_count: int
    comment_count: int
    earlier_versions: list[EarlierVersionEntry]
    media: list[MediaEntry]


class CommentEntry(TypedDict):
    id: str
    post_id: str
    reply_to: str | None
    text: str
    created_at: str | None


class LikeEntry(TypedDict):
    post_id: str
    liked_at: str | None


class CommentLikeEntry(TypedDict):
    comment_id: str
    post_id: str
    liked_at: str | None


class CloseFriendEntry(TypedDict):
    id: str
    username: str
    since: str | None


class MuteEntry(TypedDict):
    id: str
    username: str
    posts: bool
    stories: bool
    since: str | None


class HighlightEntry(TypedDict):
    id: str
    title: str
    created_at: str | None
    story_ids: list[str]


class SavedPostEntry(TypedDict):
    post_id: str
    saved_at: str | None


class CollectionEntry(TypedDict):
    id: str
    name: str
    created_at: str | None
    post_ids: list[str]


class SavedFile(TypedDict):
    """`saved.json`: saved posts and collections."""

    saved: list[SavedPostEntry]
    collections: list[CollectionEntry]


class FollowedHashtagEntry(TypedDict):
    name: str
    followed_at: str | None


class PersonEntry(TypedDict):
    """One of `followers.json` or `following.json`."""

    id: str
    username: str
    status: str
    since: str | None


# A message of `messages.json`, from "me" or "them".
MessageEntry = TypedDict(
    "MessageEntry",
    {
        "seq": int,
        "from": Literal["me", "them"],
        "text": str,
        "shared_post_id": str | None,
        "had_media": bool,
        "notice": str | None,
        "unsent": bool,
        "sent_at": str | None,
    },
)


class OtherMemberEntry(TypedDict):
    id: str
    username: str


class GroupEntry(TypedDict):
    name: str | None


# A conversation of `messages.json`: with someone (direct) or a group.
ConversationEntry = TypedDict(
    "ConversationEntry",
    {
        "with": OtherMemberEntry | None,
        "group": GroupEntry | None,
        "accepted": bool,
        "messages": list[MessageEntry],
    },
)


class StoryEntry(TypedDict):
    """One of `stories.json`."""

    id: str
    created_at: str | None
    creation_timestamp: int
    expires_at: str | None
    archived: bool
    media: MediaEntry | None


# Every JSON file of an export, by name.
ExportDocuments = TypedDict(
    "ExportDocuments",
    {
        "account.json": AccountFile,
        "posts.json": list[PostEntry],
        "comments.json": list[CommentEntry],
        "likes.json": list[LikeEntry],
        "comment_likes.json": list[CommentLikeEntry],
        "close_friends.json": list[CloseFriendEntry],
        "mutes.json": list[MuteEntry],
        "highlights.json": list[HighlightEntry],
        "saved.json": SavedFile,
        "followed_hashtags.json": list[FollowedHashtagEntry],
        "followers.json": list[PersonEntry],
        "following.json": list[PersonEntry],
        "messages.json": list[ConversationEntry],
        "stories.json": list[StoryEntry],
    },
)
