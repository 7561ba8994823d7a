"""Post rows to the post objects of the API (PostOut), a page at a time: the authors,
media, liked and saved state of the whole page are loaded at once (from the hydration cache where
it has them, in one query each for the rest), then each post is presented. The home feed,
the ranked feed, explore, hashtag and location pages and a profile's grid all present
their posts here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NotRequired, TypedDict

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.media import repository as media_repo
from shutter.media.presenters import MediaOutDict, present_media
from shutter.media.repository import MediaRow
from shutter.pagination import page_tail
from shutter.posts import viewer_likes
from shutter.posts.repository import PostRow
from shutter.stores.hydration import HydrationCache
from shutter.stores.objects import UrlFor
from shutter.timeutil import isoformat
from shutter.users import repository as users_repo
from shutter.users.presenters import AuthorOutDict, present_author
from shutter.users.repository import AuthorRow


class LocationOutDict(TypedDict):
    id: str | None
    name: str
    lat: float | None
    lng: float | None


class PostOutDict(TypedDict):
    """The wire shape of PostOut (posts/schemas.py)."""

    id: str
    author: AuthorOutDict
    caption: str
    location: LocationOutDict | None
    media: list[MediaOutDict]
    like_count: int | None
    liked_by_me: bool
    saved_by_me: bool
    comment_count: int
    sensitive: bool
    content_warning: str | None
    comments_enabled: bool
    hide_like_count: bool
    pinned: bool
    archived: bool
    edited_at: str | None
    created_at: str
    removed: NotRequired[bool]  # in POST /posts's answer, when screening took it down


class PostPageDict(TypedDict):
    """The wire shape of PostPage: `{posts, next_cursor}`."""

    posts: list[PostOutDict]
    next_cursor: str | None


def present_post(
    row: PostRow,
    author: AuthorRow,
    media: Sequence[MediaRow],
    liked_by_me: bool,
    url_for: UrlFor,
    saved_by_me: bool = False,
    viewer_id: int | None = None,
) -> PostOutDict:
    """One post, its author and media already loaded. A hidden like count is shown to
    the post's author alone."""
    like_count_shown = not row["hide_like_count"] or viewer_id == row["author_id"]
    return {
        "id": str(row["id"]),
        "author": present_author(author, url_for),
        "caption": row["caption"],
        "location": (
            {
                "id": str(row["location_id"]) if row["location_id"] else None,
                "name": row["location_name"],
                "lat": row["location_lat"],
                "lng": row["location_lng"],
            }
            if row["location_name"]
            else None
        ),
        "media": [present_media(item, url_for) for item in media],
        "like_count": row["like_count"] if like_count_shown else None,
        "liked_by_me": liked_by_me,
        "saved_by_me": saved_by_me,
        "comment_count": row["comment_count"],
        "sensitive": row["sensitive"],
        "content_warning": row["content_warning"],
        "comments_enabled": row["comments_enabled"],
        "hide_like_count": row["hide_like_count"],
        "pinned": row["pinned_at"] is not None,
        "archived": row["archived_at"] is not None,
        "edited_at": isoformat(row["edited_at"]) if row["edited_at"] else None,
        "created_at": isoformat(row["created_at"]),
    }


async def hydrate(
    conn: AsyncConnection,
    rows: Sequence[PostRow],
    viewer_id: int | None,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> list[PostOutDict]:
    """Post rows to API objects: authors and media for the whole page at once, from the
    cache where it has them and in one query each for the rest. Posts whose author is
    gone are left out."""
    if not rows:
        return []
    cache = cache or HydrationCache(0, 0)
    saved: set[int] = set()
    if viewer_id is None:
        liked: set[int] = set()
    elif "liked_by_reader" in rows[0]:  # the query that found the rows said so
        liked = {row["id"] for row in rows if row.get("liked_by_reader")}
    else:
        liked = await viewer_likes.liked_among(conn, viewer_id, [row["id"] for row in rows])
    if viewer_id is not None and "saved_by_reader" in rows[0]:  # the query said so
        saved = {row["id"] for row in rows if row.get("saved_by_reader")}
    elif viewer_id is not None:
        saved = await viewer_likes.saved_among(conn, viewer_id, [row["id"] for row in rows])
    authors, missing_authors = cache.authors.get_many({row["author_id"] for row in rows})
    if missing_authors:
        fetched = await users_repo.get_authors(conn, missing_authors)
        cache.keep_authors(fetched)
        authors.update(fetched.items())
    versions = {row["id"]: row["edited_at"] for row in rows}
    media, missing_media = cache.media_of(versions)
    if missing_media:
        fetched_media = await media_repo.for_posts(conn, missing_media)
        fetched_media = {post_id: fetched_media.get(post_id, []) for post_id in missing_media}
        cache.keep_media(fetched_media, versions)
        media.update(fetched_media.items())
    posts = []
    for row in rows:
        author = authors.get(row["author_id"])
        if author is not None:
            posts.append(
                present_post(
                    row,
                    author,
                    media.get(row["id"], ()),
                    row["id"] in liked,
                    url_for,
                    saved_by_me=row["id"] in saved,
                    viewer_id=viewer_id,
                )
            )
    return posts


async def page_of(
    conn: AsyncConnection,
    rows: Sequence[PostRow],
    limit: int,
    viewer_id: int | None,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> PostPageDict:
    """`{posts, next_cursor}` from up to limit+1 rows (the extra one says there is more)."""
    page = page_tail(rows, limit, lambda row: row["id"])
    return {
        "posts": await hydrate(conn, page.items, viewer_id, url_for, cache),
        "next_cursor": page.next_cursor,
    }
