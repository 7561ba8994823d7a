"""Ranked mode: a snapshot of the newest candidates, scored and de-clumped.

Scoring: a weighted sum of three signals, each in [0, 1]:

    score = 0.5 × recency + 0.3 × engagement + 0.2 × affinity

recency halves every HALF_LIFE_H hours; engagement is log(1 + likes + 3 × comments),
saturating (ENGAGEMENT_HALF: half way); affinity is the reader's with the author, from
their interactions (feed/affinity.py: likes, comments, messages, profile visits, decayed;
following back). The weights are settings (feed_rank_weight_*; these are the defaults).
No author fills more than MAX_RUN consecutive slots.

A ranked scroll pages through the snapshot by offset (the cursor names the snapshot), so
it never repeats or skips even while new posts arrive; after the snapshot it continues
chronologically below the oldest post the snapshot considered, which is exactly the set of
posts it did not contain.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.errors import InvalidInput
from shutter.feed import affinity, repository
from shutter.feed.service import FeedPage, chronological_rows, degraded_feed
from shutter.ids import id_timestamp_ms
from shutter.pagination import make_cursor, parse_snapshot_cursor, snapshot_cursor
from shutter.posts.presenters import hydrate
from shutter.posts.repository import PostRow
from shutter.stores.breaker import StoreUnavailable
from shutter.stores.timelines import Snapshots
from shutter.timeutil import utcnow
from shutter.users.service import UrlFor

SNAPSHOT_SIZE = 300
SNAPSHOT_TTL_S = 3600
HALF_LIFE_H = 12.0
MAX_RUN = 2
ENGAGEMENT_HALF = 3.0  # log(1 + 19): about twenty likes make engagement 0.5
CURSOR_KIND = "r"


class RankWeights(NamedTuple):
    recency: float = 0.5
    engagement: float = 0.3
    affinity: float = 0.2


def score(
    row: PostRow, now_ms: int, affinity: float, weights: RankWeights = RankWeights()
) -> float:
    """The ranked feed's score of a post for a reader whose affinity with its author is
    `affinity` (0 to 1)."""
    age_h = max(0, now_ms - id_timestamp_ms(row["id"])) / 3_600_000
    recency = 0.5 ** (age_h / HALF_LIFE_H)
    raw = math.log1p(int(row["like_count"]) + 3 * int(row["comment_count"]))
    engagement = raw / (raw + ENGAGEMENT_HALF)
    return float(
        weights.recency * recency + weights.engagement * engagement + weights.affinity * affinity
    )


def without_long_runs(ranked: Sequence[PostRow], max_run: int = MAX_RUN) -> list[PostRow]:
    """Reorder as little as possible so that no author has more than `max_run` posts in a
    row: a post that would lengthen a run waits for the next slot it may take."""
    pending = list(ranked)
    result: list[PostRow] = []
    while pending:
        run_author = result[-1]["author_id"] if result else None
        run = 0
        for row in reversed(result):
            if row["author_id"] != run_author:
                break
            run += 1
        index = next(
            (i for i, row in enumerate(pending) if row["author_id"] != run_author or run < max_run),
            0,  # only this author is left: nothing to interleave with
        )
        result.append(pending.pop(index))
    return result


class SnapshotScroll(NamedTuple):
    """Where a scroll's cursor points: a saved snapshot, the offset into its ids, and the
    id to continue below past them (None: the snapshot is the whole list)."""

    snapshot_id: int
    offset: int
    ids: list[int]
    tail: int | None


async def resume_snapshot(
    store: Snapshots, owner_id: int, kind: str, cursor: str, what: str
) -> SnapshotScroll:
    """The saved snapshot a scroll's cursor points into: `422 invalid_cursor` for a
    cursor of another kind, `422 cursor_expired` when the snapshot is gone (expired, or
    another reader's)."""
    snapshot_id, offset = parse_snapshot_cursor(kind, cursor)
    saved = await store.load_snapshot(owner_id, snapshot_id)
    if saved is None:
        raise InvalidInput(
            f"This {what} has expired; start again from the top.", code="cursor_expired"
        )
    return SnapshotScroll(snapshot_id, offset, saved.ids, saved.tail)


async def start_or_resume(
    context: AppContext,
    owner_id: int,
    kind: str,
    cursor: str | None,
    what: str,
    take: Callable[[], Awaitable[list[int]]],
) -> SnapshotScroll:
    """A scroll over a snapshot without a tail (Explore, Reels): on the first page (no
    cursor) the ids `take()` returns are saved for SNAPSHOT_TTL_S as a new snapshot,
    offset 0; later pages resume the snapshot the cursor names (`resume_snapshot`)."""
    store: Snapshots = context.timelines
    if cursor:
        return await resume_snapshot(store, owner_id, kind, cursor, what)
    snapshot_id, ids = context.ids.next_id(), await take()
    await store.save_snapshot(owner_id, snapshot_id, ids, None, SNAPSHOT_TTL_S)
    return SnapshotScroll(snapshot_id, 0, ids, None)


async def ranked_feed(
    context: AppContext,
    conn: AsyncConnection,
    reader_id: int,
    cursor: str | None,
    limit: int,
    url_for: UrlFor,
) -> FeedPage:
    """A page of the ranked feed. The first page takes a snapshot; later pages read it.

    With the timeline store down there is nowhere to keep a snapshot: the first page is
    then the degraded chronological page (its cursor continues chronologically, so the
    scroll still never repeats), and a later page, whose snapshot cannot be read, is
    `503 temporarily_unavailable` until the store is back."""
    store: Snapshots = context.timelines
    if cursor is None:
        snapshot_id = context.ids.next_id()
        try:
            ids, tail = await _take_snapshot(context, conn, reader_id)
            await store.save_snapshot(reader_id, snapshot_id, ids, tail, SNAPSHOT_TTL_S)
        except StoreUnavailable:
            return await degraded_feed(context, conn, reader_id, None, limit, url_for)
        offset = 0
    else:
        snapshot_id, offset, ids, tail = await resume_snapshot(
            store, reader_id, CURSOR_KIND, cursor, "ranked scroll"
        )
    page_ids = ids[offset : offset + limit]
    # Posts deleted (or authors unfollowed) since the snapshot drop out of the page.
    visible = await repository.visible_rows(conn, reader_id, page_ids)
    rows = [visible[post_id] for post_id in page_ids if post_id in visible]
    if offset + limit < len(ids):
        next_cursor: str | None = snapshot_cursor(CURSOR_KIND, snapshot_id, offset + limit)
    else:
        next_cursor = make_cursor(tail)  # chronological from here on
    return FeedPage(
        {
            "posts": await hydrate(conn, rows, reader_id, url_for, context.hydration),
            "next_cursor": next_cursor,
        }
    )


async def _take_snapshot(
    context: AppContext, conn: AsyncConnection, reader_id: int
) -> tuple[list[int], int | None]:
    rows, tail = await chronological_rows(context, conn, reader_id, None, SNAPSHOT_SIZE)
    now = utcnow()
    authors = {row["author_id"] for row in rows} - {reader_id}
    since = now - timedelta(days=affinity.WINDOW_DAYS)
    interactions = await repository.interactions_with(conn, reader_id, authors, since)
    closeness = affinity.affinities(interactions, now)
    settings = context.settings
    weights = RankWeights(
        settings.feed_rank_weight_recency,
        settings.feed_rank_weight_engagement,
        settings.feed_rank_weight_affinity,
    )
    now_ms = int(now.timestamp() * 1000)
    scored = sorted(
        rows,
        key=lambda row: (
            score(row, now_ms, closeness.get(row["author_id"], 0.0), weights),
            row["id"],
        ),
        reverse=True,
    )
    return [row["id"] for row in without_long_runs(scored)], tail


def is_ranked_cursor(cursor: str | None) -> bool:
    return bool(cursor) and str(cursor).startswith(CURSOR_KIND)
