"""Shutter's rows and wire dicts to Mastodon's JSON entities (Account, Status,
MediaAttachment, Relationship, Notification, ...), each a `TypedDict` named as Mastodon's
documentation names it, with the fields Shutter sends (plain dicts at run time, encoded
once by orjson like every other answer).

Ids: Shutter's ids are 64-bit time-sortable integers, sent as decimal strings. Clients
compare Mastodon ids as strings, which orders decimal numbers correctly only at equal
length; so every id crossing this API is zero-padded to 19 digits (`mid`), the width of
the largest signed 64-bit value, and parsed back with `parse_id` (padded or not).
Equal-length decimal strings sort as their numbers do.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from shutter.errors import InvalidInput
from shutter.mastodon.repository import AccountRow
from shutter.media.presenters import MediaOutDict
from shutter.pagination import MAX_ID
from shutter.posts.presenters import PostOutDict
from shutter.timeutil import isoformat

ID_WIDTH = 19


def mid(value: int | str) -> str:
    """A Shutter id as a Mastodon id: 19 digits, zero-padded, so ids sort as strings."""
    return str(int(value)).zfill(ID_WIDTH)


def parse_id(value: str, what: str = "id") -> int:
    """A Mastodon id (padded or not) back to Shutter's; 404-style InvalidInput if not one."""
    if not value.isdigit() or len(value) > ID_WIDTH or int(value) > MAX_ID:
        raise InvalidInput(f"{what}: not an id of this server", code="invalid_id")
    return int(value)


# -- the entities (https://docs.joinmastodon.org/entities/), as far as Shutter fills them ---


class CustomEmoji(TypedDict):
    shortcode: str
    url: str
    static_url: str
    visible_in_picker: bool


class AccountField(TypedDict):
    name: str
    value: str
    verified_at: str | None


class AccountSource(TypedDict):
    """`source`: on the signed-in user's own Account (verify_credentials and
    update_credentials) only."""

    privacy: str
    sensitive: bool
    language: None
    note: str
    fields: list[AccountField]
    follow_requests_count: NotRequired[int]


class Account(TypedDict):
    id: str
    username: str
    acct: str
    display_name: str
    locked: bool
    bot: bool
    discoverable: bool
    group: bool
    created_at: str
    note: str
    url: str
    uri: str
    avatar: str
    avatar_static: str
    header: str
    header_static: str
    followers_count: int
    following_count: int
    statuses_count: int
    last_status_at: str | None
    emojis: list[CustomEmoji]
    fields: list[AccountField]
    source: NotRequired[AccountSource]


class MediaSize(TypedDict):
    width: int
    height: int
    size: str
    aspect: float


class MediaMeta(TypedDict, total=False):
    original: MediaSize
    small: MediaSize


class MediaAttachment(TypedDict):
    id: str
    type: str  # "image" | "video"
    url: str | None
    preview_url: str | None
    remote_url: str | None
    meta: MediaMeta
    description: str | None
    blurhash: str | None


class StatusMention(TypedDict):
    id: str
    username: str
    url: str
    acct: str


class StatusTag(TypedDict):
    name: str
    url: str


class Status(TypedDict):
    id: str
    uri: str
    url: str
    created_at: str
    account: Account
    content: str
    visibility: str
    sensitive: bool
    spoiler_text: str
    media_attachments: list[MediaAttachment]
    application: None
    mentions: list[StatusMention]
    tags: list[StatusTag]
    emojis: list[CustomEmoji]
    reblogs_count: int
    favourites_count: int
    replies_count: int
    in_reply_to_id: str | None
    in_reply_to_account_id: str | None
    reblog: None
    poll: None
    card: None
    language: None
    text: str | None  # the source text: only in DELETE's answer
    edited_at: str | None
    favourited: bool
    reblogged: bool
    muted: bool
    bookmarked: bool
    pinned: bool


class Relationship(TypedDict):
    id: str
    following: bool
    showing_reblogs: bool
    notifying: bool
    languages: list[str] | None
    followed_by: bool
    blocking: bool
    blocked_by: bool
    muting: bool
    muting_notifications: bool
    requested: bool
    requested_by: bool
    domain_blocking: bool
    endorsed: bool
    note: str


class Notification(TypedDict):
    id: str
    type: str
    created_at: str
    account: Account
    status: Status | None


class TagHistory(TypedDict):
    day: str
    uses: str
    accounts: str


class Tag(TypedDict):
    name: str
    url: str
    history: list[TagHistory]
    following: bool


class Marker(TypedDict):
    last_read_id: str
    version: int
    updated_at: str


class Context(TypedDict):
    ancestors: list[Status]
    descendants: list[Status]


class SearchResults(TypedDict):
    accounts: list[Account]
    statuses: list[Status]
    hashtags: list[Tag]


def account(row: AccountRow, base_url: str) -> Account:
    """A Mastodon Account from a users row (with the avatar URL already resolved)."""
    avatar = row.get("avatar_url") or f"{base_url}/static/favicon.svg"
    created: datetime = row["created_at"]
    return {
        "id": mid(row["id"]),
        "username": row["username"],
        "acct": row["username"],
        "display_name": row["display_name"],
        "locked": bool(row["is_private"]),
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": isoformat(created.replace(hour=0, minute=0, second=0, microsecond=0)),
        "note": f"<p>{html.escape(row['bio'])}</p>" if row["bio"] else "",
        "url": f"{base_url}/u/{row['username']}",
        "uri": f"{base_url}/u/{row['username']}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": f"{base_url}/static/favicon.svg",
        "header_static": f"{base_url}/static/favicon.svg",
        "followers_count": row["follower_count"],
        "following_count": row["following_count"],
        "statuses_count": row["post_count"],
        "last_status_at": None,
        "emojis": [],
        "fields": [],
    }


def _size(width: int | None, height: int | None) -> MediaSize | None:
    if not width or not height:
        return None
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}


def media_attachment(item: MediaOutDict) -> MediaAttachment:
    urls = item.get("urls") or {}
    large = urls.get("large") or urls.get("medium") or next(iter(urls.values()), None)
    preview = urls.get("small") or urls.get("thumb") or large
    width, height = item["width"], item["height"]
    meta: MediaMeta = {}
    original = _size(width, height)
    if original is not None and width and height:
        scale = min(1.0, 640 / max(width, height))
        small = _size(max(1, round(width * scale)), max(1, round(height * scale)))
        assert small is not None  # both at least 1
        meta = {"original": original, "small": small}
    kind = "video" if item["type"] == "video" else "image"
    return {
        "id": mid(item["id"]),
        "type": kind,
        "url": large,
        "preview_url": item.get("poster_url") or preview if kind == "video" else preview,
        "remote_url": None,
        "meta": meta,
        "description": item.get("alt"),
        "blurhash": item["blurhash"],
    }


def status(post: PostOutDict, author: Account, base_url: str) -> Status:
    """A Mastodon Status from a post as Shutter presents it (visibility checked there)."""
    caption = html.escape(post["caption"]).replace("\n", "<br>")
    return {
        "id": mid(post["id"]),
        "uri": f"{base_url}/p/{post['id']}",
        "url": f"{base_url}/p/{post['id']}",
        "created_at": post["created_at"],
        "account": author,
        "content": f"<p>{caption}</p>" if caption else "",
        "visibility": "private" if author["locked"] else "public",
        "sensitive": bool(post["sensitive"]),
        "spoiler_text": post["content_warning"] or "",
        "media_attachments": [media_attachment(item) for item in post["media"]],
        "application": None,
        "mentions": [],
        "tags": [],
        "emojis": [],
        "reblogs_count": 0,
        "favourites_count": post["like_count"] or 0,  # 0 when the author hides it
        "replies_count": post["comment_count"],
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "reblog": None,
        "poll": None,
        "card": None,
        "language": None,
        "text": None,
        "edited_at": post["edited_at"],
        "favourited": post["liked_by_me"],
        "reblogged": False,
        "muted": False,
        "bookmarked": post.get("saved_by_me", False),
        "pinned": False,
    }


def relationship(user_id: int, found: Mapping[str, object] | None) -> Relationship:
    rel = {key: bool(value) for key, value in (found or {}).items() if key != "muting"}
    muting = (found or {}).get("muting")
    muted_posts = bool(muting.get("posts")) if isinstance(muting, dict) else False
    return {
        "id": mid(user_id),
        "following": rel.get("following", False),
        "showing_reblogs": rel.get("following", False),
        "notifying": rel.get("notify", False),
        "languages": None,
        "followed_by": rel.get("followed_by", False),
        "blocking": rel.get("blocking", False),
        "blocked_by": rel.get("blocked_by", False),
        "muting": muted_posts,
        "muting_notifications": False,
        "requested": rel.get("follow_requested", False),
        "requested_by": False,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }


def comment_status(
    comment: Mapping[str, Any],
    author: Account,
    reply_to: tuple[int, int | None],
    base_url: str,
) -> Status:
    """A comment (or a reply to one) as a Mastodon Status: `reply_to` is the (id, author
    id) of the post or comment it answers. It has no media; its URL is its post's."""
    post_url = f"{base_url}/p/{comment['post_id']}"
    in_reply_to, reply_to_author = reply_to
    return {
        "id": mid(comment["id"]),
        "uri": f"{post_url}#c{comment['id']}",
        "url": post_url,
        "created_at": comment["created_at"],
        "account": author,
        "content": f"<p>{html.escape(comment['text'])}</p>",
        "visibility": "private" if author["locked"] else "public",
        "sensitive": False,
        "spoiler_text": "",
        "media_attachments": [],
        "application": None,
        "mentions": [],
        "tags": [],
        "emojis": [],
        "reblogs_count": 0,
        "favourites_count": comment.get("like_count", 0),
        "replies_count": comment.get("reply_count", 0),
        "in_reply_to_id": mid(in_reply_to),
        "in_reply_to_account_id": mid(reply_to_author) if reply_to_author else None,
        "reblog": None,
        "poll": None,
        "card": None,
        "language": None,
        "text": None,
        "edited_at": None,
        "favourited": bool(comment.get("liked_by_me", False)),
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
        "pinned": False,
    }


def notification(
    item_id: int,
    kind: str,
    created_at: str,
    actor: Account,
    about: Status | None,
) -> Notification:
    """A Mastodon Notification: one actor's part of a Shutter notification."""
    return {
        "id": mid(item_id),
        "type": kind,
        "created_at": created_at,
        "account": actor,
        "status": about,
    }
