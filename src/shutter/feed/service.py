"""The home feed.

Hybrid read: the reader's stored timeline (pushed posts), merged with the recent posts of
pulled (celebrity) authors the reader follows, with the public posts under the hashtags
the reader follows (pulled too, in one query for all of them, never fanned out), and —
once the stored timeline runs out —
with the pull query over the database, which also serves whole pages when the timeline is
missing (it is then rebuilt in the background). Every candidate is checked against the
database at read time: deleted posts, authors the reader no longer follows, hashtags the
reader no longer follows and authors whose posts the reader muted are dropped and the page
is refilled, so unfollow, delete, mute and unmute take effect at once. A post that comes
from two sources (a followed author's, under a followed hashtag) is shown once.

The pull feed (`pull_feed`) stays as the fallback and the benchmark's baseline. It is
also what the reader gets while the timeline store (Redis) is down (`degraded_feed`):
the same posts in the same order, rationed per process (stores/degraded.py), and marked.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.errors import Unavailable
from shutter.feed import repository
from shutter.pagination import make_cursor
from shutter.posts import repository as posts_repo
from shutter.posts.presenters import PostPageDict, hydrate, page_of
from shutter.posts.repository import PostRow
from shutter.stores.breaker import StoreUnavailable
from shutter.stores.hydration import HydrationCache
from shutter.stores.timelines import AuthorLists, Timelines
from shutter.users.service import UrlFor

log = structlog.get_logger("shutter.feed")

MAX_ROUNDS = 6
_rebuilds: set[asyncio.Task[None]] = set()


@dataclass(frozen=True, slots=True)
class FeedPage:
    """A page of the home feed: `body` is `{posts, next_cursor}`; `degraded` says it was
    served from the database because the timeline store is down."""

    body: PostPageDict
    degraded: bool = False


async def pull_feed(
    conn: AsyncConnection,
    reader_id: int,
    before_id: int | None,
    limit: int,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> PostPageDict:
    """A page of the chronological feed straight from the database (the baseline)."""
    rows = await repository.pull_page(conn, reader_id, before_id, limit + 1)
    return await page_of(conn, rows, limit, reader_id, url_for, cache)


async def home_feed(
    context: AppContext,
    conn: AsyncConnection,
    reader_id: int,
    before_id: int | None,
    limit: int,
    url_for: UrlFor,
) -> FeedPage:
    """A page of the reader's chronological home feed; the cursor is the last post id.
    With the timeline store down, the same page from the database (`degraded_feed`)."""
    if context.settings.feed_read_path == "pull":
        return FeedPage(
            await pull_feed(conn, reader_id, before_id, limit, url_for, context.hydration)
        )
    try:
        rows, resume_below = await chronological_rows(context, conn, reader_id, before_id, limit)
    except StoreUnavailable:
        return await degraded_feed(context, conn, reader_id, before_id, limit, url_for)
    return FeedPage(
        {
            "posts": await hydrate(conn, rows, reader_id, url_for, context.hydration),
            "next_cursor": make_cursor(resume_below),
        }
    )


async def degraded_feed(
    context: AppContext,
    conn: AsyncConnection,
    reader_id: int,
    before_id: int | None,
    limit: int,
    url_for: UrlFor,
) -> FeedPage:
    """The pull feed, marked degraded, while the timeline store is down: the posts and
    cursor a hybrid read would give (the same visibility rule, the same order), within
    the process's ration of database reads. Raises `503 feed_unavailable` beyond it."""
    wait_s = context.degraded_reads.take()
    if wait_s > 0:
        raise Unavailable(
            "Your feed is temporarily served in a reduced mode and is busy; try again shortly.",
            code="feed_unavailable",
            retry_after=context.degraded_reads.retry_after_header(wait_s),
        )
    page = await pull_feed(conn, reader_id, before_id, limit, url_for, context.hydration)
    return FeedPage(page, degraded=True)


async def chronological_rows(
    context: AppContext,
    conn: AsyncConnection,
    reader_id: int,
    before_id: int | None,
    limit: int,
) -> tuple[list[PostRow], int | None]:
    """Up to `limit` visible post rows below `before_id`, newest first, and the id to
    continue below (None at the end of the feed)."""
    store: Timelines = context.timelines
    window = limit + 10
    timeline = await store.page(reader_id, before_id, window)
    if timeline.ids is None:
        schedule_rebuild(context, reader_id)
        pulled_rows = await repository.pull_page(conn, reader_id, before_id, limit + 1)
        more = len(pulled_rows) > limit and limit > 0
        return pulled_rows[:limit], int(pulled_rows[limit - 1]["id"]) if more else None

    # The followed pulled authors and the first round's hashtag posts: one round trip.
    pulled, tag_ids = await repository.followed_and_tagged(
        conn, reader_id, timeline.pulled_authors, before_id, window
    )
    tagged = (tag_ids, len(tag_ids) < window)
    chosen: list[PostRow] = []
    cursor = before_id
    timeline_ids: list[int] = timeline.ids
    finished = False
    for round_number in range(MAX_ROUNDS):
        sources: list[tuple[list[int], bool]] = [(timeline_ids, len(timeline_ids) < window)]
        if pulled:
            sources += await _pulled_sources(context, conn, pulled, cursor, window)
        if round_number:
            tagged = await _tagged_source(conn, reader_id, cursor, window, tagged)
        sources.append(tagged)
        if sources[0][1]:
            # The stored timeline ends here: older posts come from the database.
            pull = await repository.pull_ids(conn, reader_id, cursor, window)
            sources.append((pull, len(pull) < window))
        # Ids down to the highest "last id" of any source that has more are complete.
        horizon = max((ids[-1] for ids, exhausted in sources if not exhausted and ids), default=0)
        candidates = sorted(
            {post_id for ids, _ in sources for post_id in ids if post_id >= horizon},
            reverse=True,
        )
        rows = await repository.visible_rows(conn, reader_id, candidates)
        for post_id in candidates:
            row = rows.get(post_id)
            if row is not None:
                chosen.append(row)
                if len(chosen) > limit:
                    break
        if len(chosen) > limit:
            return chosen[:limit], int(chosen[limit - 1]["id"])
        if all(exhausted for _, exhausted in sources):
            finished = True
            break
        cursor = candidates[-1] if candidates else cursor
        timeline_ids = (await store.page(reader_id, cursor, window)).ids or []
    # Out of rounds (a long run of invisible posts): the next page resumes where we stopped.
    return chosen, None if finished else cursor


async def _pulled_sources(
    context: AppContext,
    conn: AsyncConnection,
    authors: set[int],
    cursor: int | None,
    window: int,
) -> list[tuple[list[int], bool]]:
    """Recent posts of pulled authors; past the end of a capped list, the database."""
    sources = []
    authors_store: AuthorLists = context.timelines
    recent = await authors_store.recent(authors, cursor, window)
    for author_id, (ids, truncated) in recent.items():
        if truncated:
            below = ids[-1] if ids else cursor
            ids = ids + await posts_repo.live_ids_by_author(
                conn, author_id, below, window - len(ids)
            )
        sources.append((ids, len(ids) < window))
    return sources


async def _tagged_source(
    conn: AsyncConnection,
    reader_id: int,
    cursor: int | None,
    window: int,
    previous: tuple[list[int], bool],
) -> tuple[list[int], bool]:
    """Public posts under the hashtags the reader follows, below `cursor`. A source found
    exhausted in an earlier round is not asked again: what it has below the cursor is all."""
    if previous[1]:
        return [post_id for post_id in previous[0] if cursor is None or post_id < cursor], True
    ids = await repository.tagged_ids(conn, reader_id, cursor, window)
    return ids, len(ids) < window


def schedule_rebuild(context: AppContext, reader_id: int) -> None:
    """Rebuild a missing timeline in the background (one rebuild per reader at a time)."""
    task = asyncio.create_task(rebuild_timeline(context, reader_id))
    _rebuilds.add(task)
    task.add_done_callback(_rebuilds.discard)


async def rebuild_timeline(context: AppContext, reader_id: int) -> None:
    store: Timelines = context.timelines
    try:
        if not await store.begin_rebuild(reader_id):
            return  # someone else is on it
        # The primary: a replica's lag would leave out for good a post whose fan-out
        # passed this reader by while the timeline was missing.
        async with context.db.read(primary=True) as conn:
            post_ids = await repository.pull_ids(
                conn, reader_id, None, context.settings.timeline_max, for_timeline=True
            )
        await store.finish_rebuild(reader_id, post_ids)
        log.info("timeline_rebuilt", user_id=reader_id, posts=len(post_ids))
    except StoreUnavailable:
        pass  # the outage is logged once by the breaker; the next read schedules it again
    except Exception:
        log.exception("timeline_rebuild_failed", user_id=reader_id)
