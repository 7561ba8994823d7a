"""Shutter's rows and wire dicts to Mastodon's JSON entities (Account, Status,
MediaAttachment, Relationship).

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
from typing import Any

from shutter.errors import InvalidInput
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


def account(row: dict[str, Any], base_url: str) -> dict[str, Any]:
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


def _size(width: int | None, height: int | None) -> dict[str, Any]:
    if not width or not height:
        return {}
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}


def media_attachment(item: MediaOutDict) -> dict[str, Any]:
    urls = item.get("urls") or {}
    large = urls.get("large") or urls.get("medium") or next(iter(urls.values()), None)
    preview = urls.get("small") or urls.get("thumb") or large
    width, height = item["width"], item["height"]
    original = _size(width, height)
    small: dict[str, Any] = {}
    if width and height:
        scale = min(1.0, 640 / max(width, height))
        small = _size(max(1, round(width * scale)), max(1, round(height * scale)))
    kind = "video" if item["type"] == "video" else "image"
    return {
        "id": mid(item["id"]),
        "type": kind,
        "url": large,
        "preview_url": item.get("poster_url") or preview if kind == "video" else preview,
        "remote_url": None,
        "meta": {"original": original, "small": small} if original else {},
        "description": item.get("alt"),
        "blurhash": item["blurhash"],
    }


def status(post: PostOutDict, author: dict[str, Any], base_url: str) -> dict[str, Any]:
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


def relationship(user_id: int, found: Mapping[str, object] | None) -> dict[str, Any]:
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
    author: dict[str, Any],
    reply_to: tuple[int, int | None],
    base_url: str,
) -> dict[str, Any]:
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
    actor: dict[str, Any],
    about: dict[str, Any] | None,
) -> dict[str, Any]:
    """A Mastodon Notification: one actor's part of a Shutter notification."""
    return {
        "id": mid(item_id),
        "type": kind,
        "created_at": created_at,
        "account": actor,
        "status": about,
    }
