"""Comment rows to the comment objects of the API (CommentOut), a page at a time: the
authors of the page in one query, the viewer's likes among them in one more."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.comments import repository
from shutter.comments.repository import CommentRow
from shutter.stores.objects import UrlFor
from shutter.tags.entities import hashtags, mentions
from shutter.timeutil import isoformat
from shutter.users import repository as users_repo
from shutter.users.presenters import AuthorOutDict, present_author


class CommentOutDict(TypedDict):
    """The wire shape of CommentOut (comments/schemas.py)."""

    id: str
    post_id: str
    parent_id: str | None
    author: AuthorOutDict
    text: str
    hashtags: list[str]
    mentions: list[str]
    reply_count: int
    created_at: str
    hidden: bool
    like_count: int
    liked_by_me: bool
    pinned: bool


class CommentPageDict(TypedDict):
    """The wire shape of CommentPage: `{comments, next_cursor}`."""

    comments: list[CommentOutDict]
    next_cursor: str | None


class CommentLikeStateDict(TypedDict):
    """The wire shape of CommentLikeState."""

    liked: bool
    like_count: int


class PinStateDict(TypedDict):
    """The wire shape of PinState."""

    pinned: bool


class CommentFiltersDict(TypedDict):
    """The wire shape of CommentFilters."""

    words: list[str]
    followers_only: bool


async def present_comments(
    conn: AsyncConnection,
    rows: Sequence[CommentRow],
    url_for: UrlFor,
    viewer_id: int | None = None,
    pinned_id: int | None = None,
) -> list[CommentOutDict]:
    """Comment rows to API objects, with their authors fetched in one query and the
    viewer's likes among them in one more. A comment the filter hid is marked `hidden`
    for the post's author; its own author is not told."""
    authors = await users_repo.get_authors(conn, {row["author_id"] for row in rows})
    liked = (
        await repository.liked_among(conn, viewer_id, [row["id"] for row in rows])
        if viewer_id is not None
        else set()
    )
    return [
        {
            "id": str(row["id"]),
            "post_id": str(row["post_id"]),
            "parent_id": str(row["parent_id"]) if row["parent_id"] else None,
            "author": present_author(authors[row["author_id"]], url_for),
            "text": row["text"],
            "hashtags": hashtags(row["text"]),
            "mentions": mentions(row["text"]),
            "reply_count": row["reply_count"],
            "created_at": isoformat(row["created_at"]),
            "hidden": bool(row["hidden_by_filter"]) and row["author_id"] != viewer_id,
            "like_count": row["like_count"],
            "liked_by_me": row["id"] in liked,
            "pinned": row["id"] == pinned_id,
        }
        for row in rows
        if row["author_id"] in authors
    ]
