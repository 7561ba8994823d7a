"""Post use cases: create (idempotently), read, delete, a profile's grid; hydration of
pages of post rows into API objects, batched."""

from __future__ import annotations

import hashlib

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Forbidden, InvalidInput, NotFound
from shutter.events.types import PostCreated, PostDeleted
from shutter.media import repository as media_repo
from shutter.media.service import unusable_media
from shutter.posts import repository
from shutter.posts.presenters import PostOutDict, PostPageDict, hydrate, page_of
from shutter.posts.repository import PostRow
from shutter.posts.schemas import PostCreate
from shutter.privacy.visibility import can_view_account_content, require_account_content
from shutter.stores.breaker import StoreUnavailable
from shutter.stores.hydration import HydrationCache
from shutter.tags import repository as tags_repo
from shutter.tags.entities import hashtags
from shutter.timeutil import utcnow
from shutter.users import repository as users_repo
from shutter.users.service import UrlFor

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
    uow: UnitOfWork,
    author_id: int,
    data: PostCreate,
    idempotency_key: str | None,
) -> tuple[int, bool]:
    """Create a post; returns (post id, replayed). With an idempotency key seen before,
    returns the post it created (replayed=True) instead of posting twice. After the
    commit the author sees the post in their own feed at once (`show_to_author`)."""
    conn = uow.conn
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
            replayed_id: int = earlier["resource_id"]
            uow.after_commit(lambda: show_to_author(context, author_id, replayed_id))
            return replayed_id, True
    location = data.location
    location_id = None
    if location is not None:
        location_id = await tags_repo.location_for(conn, context.ids.next_id(), location.name, now)
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
            "created_at": now,
        },
    )
    await tags_repo.attach_hashtags(conn, post_id, hashtags(data.caption), now)
    for position, media_id in enumerate(int(value) for value in data.media_ids):
        if not await media_repo.attach_to_post(conn, media_id, author_id, post_id, position):
            raise await unusable_media(conn, media_id, author_id, "can be posted")
    await users_repo.add_to_counter(conn, author_id, "post_count", 1)
    await uow.record(PostCreated(post_id=post_id, author_id=author_id))
    uow.after_commit(lambda: show_to_author(context, author_id, post_id))
    return post_id, False


async def delete_post(context: AppContext, uow: UnitOfWork, viewer_id: int, post_id: int) -> None:
    conn = uow.conn
    row = await repository.get_live(conn, post_id)
    if row is None:
        raise NotFound("No such post.", code="post_not_found")
    if row["author_id"] != viewer_id:
        raise Forbidden("You can only delete your own posts.", code="not_your_post")
    if await repository.mark_deleted(conn, post_id, utcnow()):
        await users_repo.add_to_counter(conn, viewer_id, "post_count", -1)
        await tags_repo.detach_hashtags(conn, post_id)
        if row["location_id"] is not None:
            await tags_repo.add_to_location_count(conn, row["location_id"], -1)
        await uow.record(PostDeleted(post_id=post_id, author_id=viewer_id))


async def get_post(
    conn: AsyncConnection,
    viewer_id: int | None,
    post_id: int,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> PostOutDict:
    """One post, if it exists and the viewer may see it (otherwise 404, revealing nothing)."""
    row = await readable_post(conn, viewer_id, post_id)
    (post,) = await hydrate(conn, [row], viewer_id, url_for, cache)
    return post


async def readable_post(conn: AsyncConnection, viewer_id: int | None, post_id: int) -> PostRow:
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
) -> PostPageDict:
    """A page of a profile's grid, newest first."""
    author = await users_repo.get_auth_row(conn, author_id)
    if author is None:
        raise NotFound("No such user.", code="user_not_found")
    await require_account_content(conn, viewer_id, author_id, author["is_private"])
    rows = await repository.page_by_author(conn, author_id, before_id, limit + 1)
    return await page_of(conn, rows, limit, viewer_id, url_for, cache)
