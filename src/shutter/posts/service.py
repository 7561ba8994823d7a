"""Post use cases: create (idempotently), read, delete, a profile's grid; hydration of
pages of post rows into API objects, batched."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson
import structlog
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.errors import Forbidden, InvalidInput, NotFound
from shutter.events import outbox
from shutter.events.types import POST_CREATED, POST_DELETED
from shutter.media import repository as media_repo
from shutter.media.service import present_media
from shutter.pagination import make_cursor
from shutter.posts import repository
from shutter.posts.schemas import PostCreate
from shutter.privacy.visibility import can_view_account_content, require_account_content
from shutter.social import repository as social_repo
from shutter.social.entities import hashtags
from shutter.stores.breaker import StoreUnavailable
from shutter.stores.hydration import HydrationCache
from shutter.timeutil import isoformat, utcnow
from shutter.users import repository as users_repo
from shutter.users.service import UrlFor, present_author

log = structlog.get_logger("shutter.posts")


async def show_to_author(context: AppContext, author_id: int, post_id: int) -> None:
    """Read-your-writes, after the commit: the author sees the new post in their own feed
    at once. With the timeline store down the post is committed all the same: the feed
    is then served from the database (which has it), and the fan-out event puts it in the
    author's timeline too once the store is back."""
    try:
        await context.timelines.add(author_id, [post_id])
    except StoreUnavailable:
        log.info("own_timeline_insert_skipped", post_id=post_id, author_id=author_id)


async def create_post(
    context: AppContext,
    conn: AsyncConnection,
    author_id: int,
    data: PostCreate,
    idempotency_key: str | None,
) -> tuple[int, bool]:
    """Create a post; returns (post id, replayed). With an idempotency key seen before,
    returns the post it created (replayed=True) instead of posting twice."""
    post_id = context.ids.next_id()
    now = utcnow()
    if idempotency_key is not None:
        digest = hashlib.sha256(
            orjson.dumps(data.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
        ).hexdigest()
        claimed = await repository.claim_idempotency_key(
            conn, author_id, idempotency_key, digest, post_id, now
        )
        if not claimed:
            earlier = await repository.get_idempotency_key(conn, author_id, idempotency_key)
            if earlier is None or earlier["request_digest"] != digest:
                raise InvalidInput(
                    "This Idempotency-Key was used for a different request.",
                    code="idempotency_key_reused",
                )
            return earlier["resource_id"], True
    location = data.location
    location_id = None
    if location is not None:
        location_id = await social_repo.location_for(
            conn, context.ids.next_id(), location.name, now
        )
    await repository.insert(
        conn,
        {
            "id": post_id,
            "author_id": author_id,
            "caption": data.caption,
            "location_name": location.name if location else None,
            "location_lat": location.lat if location else None,
            "location_lng": location.lng if location else None,
            "location_id": location_id,
            "sensitive": data.sensitive,
            "created_at": now,
        },
    )
    await social_repo.attach_hashtags(conn, post_id, hashtags(data.caption), now)
    for position, media_id in enumerate(int(value) for value in data.media_ids):
        if not await media_repo.attach_to_post(conn, media_id, author_id, post_id, position):
            raise await _unusable_media(conn, media_id, author_id)
    await users_repo.add_to_counter(conn, author_id, "post_count", 1)
    await outbox.record(
        conn, context.ids, POST_CREATED, {"post_id": post_id, "author_id": author_id}
    )
    return post_id, False


async def _unusable_media(conn: AsyncConnection, media_id: int, author_id: int) -> Exception:
    row = await media_repo.get(conn, media_id)
    if row is None or row["owner_id"] != author_id:
        return NotFound(f"Media {media_id} does not exist.", code="media_not_found")
    if row["post_id"] is not None or row["story_id"] is not None:
        return InvalidInput(
            f"Media {media_id} already belongs to a post or a story.", code="media_in_use"
        )
    return InvalidInput(
        f"Media {media_id} is {row['status']}; only ready media can be posted.",
        code="media_not_ready",
    )


async def delete_post(
    context: AppContext, conn: AsyncConnection, viewer_id: int, post_id: int
) -> None:
    row = await repository.get_live(conn, post_id)
    if row is None:
        raise NotFound("No such post.", code="post_not_found")
    if row["author_id"] != viewer_id:
        raise Forbidden("You can only delete your own posts.", code="not_your_post")
    if await repository.mark_deleted(conn, post_id, utcnow()):
        await users_repo.add_to_counter(conn, viewer_id, "post_count", -1)
        await social_repo.detach_hashtags(conn, post_id)
        if row["location_id"] is not None:
            await social_repo.add_to_location_count(conn, row["location_id"], -1)
        await outbox.record(
            conn, context.ids, POST_DELETED, {"post_id": post_id, "author_id": viewer_id}
        )


async def get_post(
    conn: AsyncConnection,
    viewer_id: int | None,
    post_id: int,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> dict[str, Any]:
    """One post, if it exists and the viewer may see it (otherwise 404, revealing nothing)."""
    row = await readable_post(conn, viewer_id, post_id)
    (post,) = await hydrate(conn, [row], viewer_id, url_for, cache)
    return post


async def created_post(
    conn: AsyncConnection,
    author_id: int,
    post_id: int,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> dict[str, Any]:
    """The post just created, as its author gets it back (the post object of GET): shown
    even when screening removed it at once, then with `removed: true` (nobody else sees
    it)."""
    row = await repository.get_own_new(conn, post_id)
    if row is None or row["author_id"] != author_id:
        raise NotFound("No such post.", code="post_not_found")
    (post,) = await hydrate(conn, [row], author_id, url_for, cache)
    if row["removed_at"] is not None:
        post["removed"] = True
    return post


async def readable_post(conn: AsyncConnection, viewer_id: int | None, post_id: int) -> RowMapping:
    """The post's row if it is live and the viewer may see it; 404 otherwise (the same
    answer whether it never existed, was deleted or is hidden, revealing nothing)."""
    row = await repository.get_live(conn, post_id)
    if row is None:
        raise NotFound("No such post.", code="post_not_found")
    author = await users_repo.get_auth_row(conn, row["author_id"])
    if author is None or not await can_view_account_content(
        conn, viewer_id, row["author_id"], author["is_private"]
    ):
        raise NotFound("No such post.", code="post_not_found")
    return row


async def list_by_author(
    conn: AsyncConnection,
    viewer_id: int | None,
    author_id: int,
    before_id: int | None,
    limit: int,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> dict[str, Any]:
    """A page of a profile's grid, newest first."""
    author = await users_repo.get_auth_row(conn, author_id)
    if author is None:
        raise NotFound("No such user.", code="user_not_found")
    await require_account_content(conn, viewer_id, author_id, author["is_private"])
    rows = await repository.page_by_author(conn, author_id, before_id, limit + 1)
    return await page_of(conn, rows, limit, viewer_id, url_for, cache)


async def page_of(
    conn: AsyncConnection,
    rows: Sequence[RowMapping],
    limit: int,
    viewer_id: int | None,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> dict[str, Any]:
    """`{posts, next_cursor}` from up to limit+1 rows (the extra one says there is more)."""
    page = rows[:limit]
    return {
        "posts": await hydrate(conn, page, viewer_id, url_for, cache),
        "next_cursor": make_cursor(page[-1]["id"]) if len(rows) > limit and page else None,
    }


async def hydrate(
    conn: AsyncConnection,
    rows: Sequence[RowMapping],
    viewer_id: int | None,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> list[dict[str, Any]]:
    """Post rows to API objects: authors and media for the whole page at once, from the
    cache where it has them and in one query each for the rest."""
    if not rows:
        return []
    cache = cache or HydrationCache(0, 0)
    if viewer_id is None:
        liked: set[int] = set()
    elif repository.LIKED_BY_READER in rows[0]:  # the query that found the rows said so
        liked = {row["id"] for row in rows if row[repository.LIKED_BY_READER]}
    else:
        liked = await social_repo.liked_among(conn, viewer_id, [row["id"] for row in rows])
    authors, missing_authors = cache.authors.get_many({row["author_id"] for row in rows})
    if missing_authors:
        fetched = await users_repo.get_authors(conn, missing_authors)
        cache.keep_authors(fetched)
        authors.update(fetched.items())
    media, missing_media = cache.media.get_many(row["id"] for row in rows)
    if missing_media:
        fetched_media = await media_repo.for_posts(conn, missing_media)
        fetched_media = {post_id: fetched_media.get(post_id, []) for post_id in missing_media}
        cache.keep_media(fetched_media)
        media.update(fetched_media.items())
    posts = []
    for row in rows:
        author = authors.get(row["author_id"])
        if author is None:
            continue
        posts.append(
            {
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
                "media": [present_media(item, url_for) for item in media.get(row["id"], [])],
                "like_count": row["like_count"],
                "liked_by_me": row["id"] in liked,
                "comment_count": row["comment_count"],
                "sensitive": bool(row.get("sensitive", False)),
                "created_at": isoformat(row["created_at"]),
            }
        )
    return posts
