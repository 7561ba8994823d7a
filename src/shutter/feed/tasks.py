"""Fan-out: event handlers that keep stored timelines in step with posts and follows.

Every handler is idempotent: timelines are sets, so adding or removing twice changes
nothing, and a redelivered event does exactly what its first delivery did.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Protocol, TypeVar

import structlog

from shutter.db.database import Database
from shutter.events.runtime import HandlerRegistry
from shutter.events.types import (
    PostCreated,
    PostDeleted,
    PostUnarchived,
    UserFollowed,
    UserUnfollowed,
)
from shutter.follows import repository as follows_repo
from shutter.ids import IdGenerator
from shutter.posts import repository as posts_repo
from shutter.realtime.bus import RealtimeBus
from shutter.realtime.events import home_post, posts_removed
from shutter.settings import Settings
from shutter.stores.timelines import AuthorLists, Timelines
from shutter.users import repository as users_repo

log = structlog.get_logger("shutter.fanout")


class FanOutStore(Timelines, AuthorLists, Protocol):
    """What fan-out uses of the timeline store: timelines and the authors' recent lists and
    push modes (never the ranked snapshots)."""


class FeedDeps(Protocol):
    """What the fan-out handlers use of the application context."""

    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def ids(self) -> IdGenerator: ...
    @property
    def timelines(self) -> FanOutStore: ...
    @property
    def realtime(self) -> RealtimeBus: ...


AnyFeedDeps = TypeVar("AnyFeedDeps", bound=FeedDeps)  # the app context, or a test's fake


async def on_post_created(context: FeedDeps, event: PostCreated) -> None:
    """Push the post to every active follower's timeline, unless the author is pulled,
    and tell their open streams (the Mastodon API's `update`)."""
    await _push_post(context, event, announce=True)


async def _push_post(context: FeedDeps, event: PostCreated, *, announce: bool) -> None:
    post_id, author_id = event.post_id, event.author_id
    store = context.timelines
    async with context.db.read() as conn:
        found = await posts_repo.author_of(conn, post_id)
    if found is None or not found[1]:
        return  # deleted before we got here: nothing to deliver
    await store.add_recent(author_id, post_id)
    await store.add(author_id, [post_id])
    announcement = home_post(post_id, author_id)
    if announce:
        await context.realtime.publish([author_id], announcement)
    if await store.push_stopped_since(author_id) is not None:
        return  # a celebrity: readers pull this post at read time
    delivered = 0
    async for followers in _prefetched(_follower_pages(context, author_id)):
        delivered += await store.fan_out(followers, post_id)
        if announce:
            await context.realtime.publish(followers, announcement)
    async with context.db.read() as conn:
        found = await posts_repo.author_of(conn, post_id)
    if found is not None and not found[1]:
        # Deleted while we were fanning out: the delete handler may have run first.
        await _remove_everywhere(context, author_id, [post_id])
    log.info("fanned_out", post_id=post_id, author_id=author_id, delivered=delivered)


async def on_post_deleted(context: FeedDeps, event: PostDeleted) -> None:
    post_id, author_id = event.post_id, event.author_id
    await _remove_everywhere(context, author_id, [post_id])


async def _remove_everywhere(context: FeedDeps, author_id: int, post_ids: list[int]) -> None:
    store = context.timelines
    await store.remove_recent(author_id, post_ids)
    await store.remove([author_id], post_ids)
    removed = posts_removed(post_ids)
    await context.realtime.publish([author_id], removed)
    async for followers in _follower_pages(context, author_id):
        await store.remove(followers, post_ids)
        await context.realtime.publish(followers, removed)


async def on_user_followed(context: FeedDeps, event: UserFollowed) -> None:
    """Merge the followee's recent posts into the follower's timeline; promote the followee
    to pulled (celebrity) when it crosses the threshold."""
    follower_id, followee_id = event.follower_id, event.followee_id
    store = context.timelines
    oldest, held = await store.oldest(follower_id)
    async with context.db.read() as conn:
        if await follows_repo.get_status(conn, follower_id, followee_id) == "accepted":
            # A full timeline only needs what is newer than its oldest entry; older
            # posts are reached by scrolling into the database.
            after = oldest if held >= context.settings.timeline_max else None
            post_ids = await posts_repo.live_ids_by_author(
                conn, followee_id, None, context.settings.timeline_max, after_id=after
            )
        else:
            post_ids = []  # unfollowed again since: nothing to backfill
        profile = await users_repo.get_profile(conn, followee_id)
    if post_ids:
        await store.add(follower_id, post_ids)
    if profile is not None:
        await _apply_threshold(context, followee_id, profile["follower_count"])


async def on_user_unfollowed(context: FeedDeps, event: UserUnfollowed) -> None:
    """Take the followee's posts out of the follower's timeline; demote a celebrity that
    fell below the threshold."""
    follower_id, followee_id = event.follower_id, event.followee_id
    async with context.db.read() as conn:
        if await follows_repo.get_status(conn, follower_id, followee_id) == "accepted":
            post_ids: list[int] = []  # followed again since: keep the posts
        else:
            post_ids = await posts_repo.live_ids_by_author(
                conn, followee_id, None, context.settings.timeline_max
            )
        profile = await users_repo.get_profile(conn, followee_id)
    if post_ids:
        await context.timelines.remove([follower_id], post_ids)
    if profile is not None:
        await _apply_threshold(context, followee_id, profile["follower_count"])


async def _apply_threshold(context: FeedDeps, author_id: int, followers: int) -> None:
    """Switch an author between pushed and pulled without a post ever going missing.

    Up: readers start pulling the author first, then fan-out stops. Down: fan-out resumes
    first, the posts made while it was stopped are pushed to the followers, and only then
    do readers stop pulling. Readers de-duplicate, so the overlap is harmless.
    """
    store = context.timelines
    threshold = context.settings.celebrity_threshold
    stopped_since = await store.push_stopped_since(author_id)
    if followers >= threshold and stopped_since is None:
        await store.set_pulled(author_id, True)
        await store.stop_push(author_id, context.ids.next_id())
        log.info("author_pulled", author_id=author_id, followers=followers)
    elif followers < threshold and stopped_since is not None:
        await store.resume_push(author_id)
        async with context.db.read() as conn:
            unpushed = await posts_repo.live_ids_by_author(
                conn, author_id, None, context.settings.timeline_max, after_id=stopped_since
            )
        async for followers_page in _follower_pages(context, author_id):
            for post_id in unpushed:
                await store.fan_out(followers_page, post_id)
        await store.set_pulled(author_id, False)
        log.info("author_pushed", author_id=author_id, followers=followers)


async def _follower_pages(context: FeedDeps, author_id: int) -> AsyncIterator[list[int]]:
    """Approved followers in pages, by keyset (each page its own short transaction)."""
    after: int | None = None
    size = context.settings.fanout_page_size
    while True:
        async with context.db.read() as conn:
            page = await follows_repo.follower_ids_after(conn, author_id, after, size)
        if not page:
            return
        yield [follower for _, follower in page]
        if len(page) < size:
            return
        after = page[-1][0]


async def _prefetched(pages: AsyncIterator[list[int]]) -> AsyncIterator[list[int]]:
    """Read the next page from the database while the caller writes the current one."""
    queue: asyncio.Queue[list[int] | None] = asyncio.Queue(maxsize=2)

    async def produce() -> None:
        try:
            async for page in pages:
                await queue.put(page)
        finally:
            await queue.put(None)

    producer = asyncio.create_task(produce())
    try:
        while (page := await queue.get()) is not None:
            yield page
        await producer  # surfaces a database error
    finally:
        producer.cancel()


async def on_post_unarchived(context: FeedDeps, event: PostUnarchived) -> None:
    """A restored post goes back where it was (timelines are ordered by post id), also in
    timelines rebuilt while it was archived. Archiving needs no handler: the timelines
    keep the post and the visibility rule hides it from all but its author when read."""
    created = PostCreated(
        post_id=event.post_id, author_id=event.author_id, outbox_id=event.outbox_id
    )
    await _push_post(context, created, announce=False)


def register(registry: HandlerRegistry[AnyFeedDeps]) -> None:
    registry.on(PostCreated, on_post_created)
    registry.on(PostDeleted, on_post_deleted)
    registry.on(PostUnarchived, on_post_unarchived)
    registry.on(UserFollowed, on_user_followed)
    registry.on(UserUnfollowed, on_user_unfollowed)
