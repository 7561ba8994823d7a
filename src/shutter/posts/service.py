"""Post use cases: create (idempotently), read, edit (keeping the history), delete, pin,
archive and restore, a profile's grid (pins first), the archive; hydration of pages of
post rows into API objects, batched."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TypedDict

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Conflict, Forbidden, InvalidInput, NotFound
from shutter.events.types import (
    PostArchived,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostUnarchived,
)
from shutter.media import repository as media_repo
from shutter.media.service import unusable_media
from shutter.posts import repository
from shutter.posts.presenters import PostOutDict, PostPageDict, hydrate, page_of
from shutter.posts.repository import PostRow, PostVersionRow
from shutter.posts.schemas import Location, PostCreate, PostPatch
from shutter.privacy.visibility import can_view_account_content, require_account_content
from shutter.stores.breaker import StoreUnavailable
from shutter.stores.hydration import HydrationCache
from shutter.stores.timelines import AuthorLists, Timelines
from shutter.tags import repository as tags_repo
from shutter.tags.entities import hashtags
from shutter.timeutil import isoformat, utcnow
from shutter.users import repository as users_repo
from shutter.users.service import UrlFor

log = structlog.get_logger("shutter.posts")

MAX_PINS = 3


async def show_to_author(context: AppContext, author_id: int, post_id: int) -> None:
    """Read-your-writes, after the commit: the author sees the new post in their own feed
    at once, and so does every follower of a pulled (celebrity) author on their next read
    (their feeds merge the author's recent list, written here before the answer, not
    only by the fan-out handler). With the timeline store down the post is committed all
    the same: the feed is then served from the database (which has it), and the fan-out
    event puts it in both lists too once the store is back."""
    try:
        timelines: Timelines = context.timelines
        authors: AuthorLists = context.timelines
        await timelines.add(author_id, [post_id])
        await authors.add_recent(author_id, post_id)
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
            if earlier is None or earlier.request_digest != digest:
                raise InvalidInput(
                    "This Idempotency-Key was used for a different request.",
                    code="idempotency_key_reused",
                )
            replayed_id = earlier.resource_id
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
            "sensitive": data.sensitive,
            "content_warning": data.content_warning or None,
            "comments_enabled": data.comments_enabled,
            "hide_like_count": data.hide_like_count,
            "created_at": now,
        },
    )
    await tags_repo.attach_hashtags(conn, post_id, hashtags(data.caption), now)
    for position, media_id in enumerate(int(value) for value in data.media_ids):
        if not await media_repo.attach_to_post(conn, media_id, author_id, post_id, position):
            raise await unusable_media(conn, media_id, author_id, "can be posted")
    if data.alt_texts:
        alts = {int(media_id): text or None for media_id, text in data.alt_texts.items()}
        await media_repo.set_post_alts(conn, post_id, alts)
    await users_repo.add_to_counter(conn, author_id, "post_count", 1)
    await uow.record(PostCreated(post_id=post_id, author_id=author_id))
    for check in context.new_post_checks:  # screening's verdicts, repeated content
        await check(context, uow, post_id, author_id)
    uow.after_commit(lambda: show_to_author(context, author_id, post_id))
    return post_id, False


async def delete_post(context: AppContext, uow: UnitOfWork, viewer_id: int, post_id: int) -> None:
    conn = uow.conn
    row = await own_post(conn, viewer_id, post_id, "delete")
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


async def created_post(
    conn: AsyncConnection,
    author_id: int,
    post_id: int,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> PostOutDict:
    """The post just created, as its author gets it back (the post object of GET): shown
    even when screening removed it at once, then with `removed: true` (nobody else sees
    it)."""
    row = await repository.get_own_new(conn, post_id)
    if row is None or row["author_id"] != author_id:
        raise NotFound("No such post.", code="post_not_found")
    (post,) = await hydrate(conn, [row], author_id, url_for, cache)
    if row.get("removed"):
        post["removed"] = True
    return post


async def readable_post(conn: AsyncConnection, viewer_id: int | None, post_id: int) -> PostRow:
    """The post's row if it is live and the viewer may see it; 404 otherwise (the same
    answer whether it never existed, was deleted or is hidden, revealing nothing)."""
    row = await repository.get_live(conn, post_id, viewer_id)
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
    """A page of a profile's grid: the first page starts with the pinned posts (newest pin
    first, beyond `limit`), then every page has the other posts, newest first."""
    author = await users_repo.get_auth_row(conn, author_id)
    if author is None:
        raise NotFound("No such user.", code="user_not_found")
    await require_account_content(conn, viewer_id, author_id, author["is_private"])
    rows = await repository.page_by_author(conn, author_id, viewer_id, before_id, limit + 1)
    page = await page_of(conn, rows, limit, viewer_id, url_for, cache)
    if before_id is None:
        pinned = await repository.pinned_by_author(conn, author_id, viewer_id)
        page["posts"] = await hydrate(conn, pinned, viewer_id, url_for, cache) + page["posts"]
    return page


async def own_post(conn: AsyncConnection, viewer_id: int, post_id: int, verb: str) -> PostRow:
    """The viewer's own live post (archived included), to `verb` it: 404 when the viewer
    cannot see it, 403 `not_your_post` when they can but it is someone else's."""
    row = await readable_post(conn, viewer_id, post_id)
    if row["author_id"] != viewer_id:
        raise Forbidden(f"You can only {verb} your own posts.", code="not_your_post")
    return row


class PostVersionDict(TypedDict):
    """The wire shape of PostVersionOut."""

    id: str
    caption: str
    location_name: str | None
    sensitive: bool
    content_warning: str | None
    alt_texts: dict[str, str | None]
    valid_from: str
    replaced_at: str


async def edit_post(
    context: AppContext, uow: UnitOfWork, viewer_id: int, post_id: int, patch: PostPatch
) -> None:
    """Change what was sent of a post of the viewer's. A change of what it says (caption,
    location, alt texts, sensitivity, content warning) keeps the previous version in the
    history, marks the post edited, re-indexes its hashtags and records PostEdited (the
    newly mentioned are told); comments and the like count are options, no edit."""
    conn = uow.conn
    row = await own_post(conn, viewer_id, post_id, "edit")
    sent = patch.model_fields_set
    now = utcnow()
    old_alts = await media_repo.alts_of_post(conn, post_id)
    values: dict[str, object] = {
        name: getattr(patch, name)
        for name in ("sensitive", "comments_enabled", "hide_like_count")
        if name in sent and getattr(patch, name) is not None
    }
    if "content_warning" in sent:
        values["content_warning"] = patch.content_warning or None
    if patch.caption is not None:
        values["caption"] = patch.caption
    if "location" in sent:
        values.update(await _moved(context, conn, row, patch.location, now))
    new_alts = await _described(conn, post_id, old_alts, patch.alt_texts)
    said_before = {
        "caption": row["caption"],
        "location_name": row["location_name"],
        "sensitive": row["sensitive"],
        "content_warning": row["content_warning"],
    }
    changed = any(values.get(name, value) != value for name, value in said_before.items())
    if not changed and new_alts == old_alts:
        if values:
            await repository.update_post(conn, post_id, values)
        return
    version_id = context.ids.next_id()
    await repository.insert_version(conn, post_id, _version_of(version_id, row, old_alts, now))
    values["edited_at"] = now
    await repository.update_post(conn, post_id, values)
    caption = values.get("caption", row["caption"])
    if caption != row["caption"]:
        await tags_repo.detach_hashtags(conn, post_id)
        await tags_repo.attach_hashtags(conn, post_id, hashtags(str(caption)), now)
    await uow.record(PostEdited(post_id=post_id, author_id=viewer_id, version_id=version_id))


async def _moved(
    context: AppContext,
    conn: AsyncConnection,
    row: PostRow,
    location: Location | None,
    now: datetime,
) -> dict[str, object]:
    """The post's new location columns (None: no location), the places' counts moved."""
    if location is not None and location.name == row["location_name"]:
        return {"location_lat": location.lat, "location_lng": location.lng}
    if row["location_id"] is not None:
        await tags_repo.add_to_location_count(conn, row["location_id"], -1)
    if location is None:
        return dict.fromkeys(("location_name", "location_lat", "location_lng", "location_id"), None)
    location_id = await tags_repo.location_for(conn, context.ids.next_id(), location.name, now)
    return {
        "location_name": location.name,
        "location_lat": location.lat,
        "location_lng": location.lng,
        "location_id": location_id,
    }


async def _described(
    conn: AsyncConnection,
    post_id: int,
    old_alts: dict[int, str | None],
    alt_texts: dict[str, str] | None,
) -> dict[int, str | None]:
    """Apply new alt texts to the post's media; the alt texts after. 422 for a media id
    that is not the post's."""
    if not alt_texts:
        return old_alts
    changes = {int(media_id): text or None for media_id, text in alt_texts.items()}
    if not set(changes) <= set(old_alts):
        raise InvalidInput(
            "alt_texts names media that is not in this post.", code="media_not_in_post"
        )
    await media_repo.set_post_alts(conn, post_id, changes)
    return {**old_alts, **changes}


def _version_of(
    version_id: int, row: PostRow, alts: dict[int, str | None], now: datetime
) -> PostVersionRow:
    return {
        "id": version_id,
        "caption": row["caption"],
        "location_name": row["location_name"],
        "sensitive": row["sensitive"],
        "content_warning": row["content_warning"],
        "alt_texts": orjson.dumps({str(key): value for key, value in alts.items()}).decode(),
        "valid_from": row["edited_at"] or row["created_at"],
        "replaced_at": now,
    }


async def describe_media(
    context: AppContext, uow: UnitOfWork, viewer_id: int, media_id: int, alt: str | None
) -> None:
    """Set the alt text of one of the viewer's media: directly before it is posted, as an
    edit of its post after (so the post's history keeps the earlier text). 404 for media
    that is not the viewer's, or in a story or message."""
    conn = uow.conn
    row = await media_repo.get(conn, media_id)
    if row is None or row["owner_id"] != viewer_id:
        raise NotFound("No such media.", code="media_not_found")
    if row["post_id"] is not None:
        patch = PostPatch(alt_texts={str(media_id): alt or ""})
        await edit_post(context, uow, viewer_id, row["post_id"], patch)
        return
    if not await media_repo.set_alt(conn, media_id, viewer_id, alt or None):
        raise NotFound("No such media.", code="media_not_found")


async def history(
    conn: AsyncConnection, viewer_id: int | None, post_id: int, limit: int
) -> list[PostVersionDict]:
    """The earlier versions of a post the viewer may see, newest first."""
    await readable_post(conn, viewer_id, post_id)
    return [
        {
            "id": str(version["id"]),
            "caption": version["caption"],
            "location_name": version["location_name"],
            "sensitive": version["sensitive"],
            "content_warning": version["content_warning"],
            "alt_texts": orjson.loads(version["alt_texts"]),
            "valid_from": isoformat(version["valid_from"]),
            "replaced_at": isoformat(version["replaced_at"]),
        }
        for version in await repository.versions_of(conn, post_id, limit)
    ]


async def pin_post(uow: UnitOfWork, viewer_id: int, post_id: int, pinned: bool) -> None:
    """Pin (at most MAX_PINS: 409 `too_many_pins`) or unpin one of the viewer's posts;
    doing it twice changes nothing."""
    conn = uow.conn
    row = await own_post(conn, viewer_id, post_id, "pin")
    if (row["pinned_at"] is not None) == pinned:
        return
    if pinned and await repository.count_pins(conn, viewer_id) >= MAX_PINS:
        raise Conflict(
            f"At most {MAX_PINS} posts can be pinned; unpin one first.", code="too_many_pins"
        )
    await repository.update_post(conn, post_id, {"pinned_at": utcnow() if pinned else None})


async def archive_post(uow: UnitOfWork, viewer_id: int, post_id: int, archived: bool) -> None:
    """Archive (hide from everyone else) or restore one of the viewer's posts; doing it
    twice changes nothing. Restoring puts it back where it was (PostUnarchived)."""
    conn = uow.conn
    await own_post(conn, viewer_id, post_id, "archive")
    if not await repository.set_archived(conn, post_id, utcnow() if archived else None):
        return
    event = PostArchived if archived else PostUnarchived
    await uow.record(event(post_id=post_id, author_id=viewer_id))


async def archived_posts(
    conn: AsyncConnection,
    viewer_id: int,
    before_id: int | None,
    limit: int,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> PostPageDict:
    """A page of the viewer's archived posts, newest first."""
    rows = await repository.archived_page(conn, viewer_id, before_id, limit + 1)
    return await page_of(conn, rows, limit, viewer_id, url_for, cache)
