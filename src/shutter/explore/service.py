"""Explore: posts from accounts the reader does not follow, ranked by engagement
velocity blended with what similar people liked; at most two posts per author per page.

Ranking (a Hacker News style score):

    score = (1 + likes + 2 × comments + SIMILAR_WEIGHT × signal) / (age_h + 2) ^ GRAVITY

where `signal` is the weight of the reader's neighbours who liked the post (people who
liked what the reader liked, by how many likes they share, and accounts the reader
follows, weight 1). Engagement per hour, decaying with age: a post liked fast rises
above an older post with more likes; a like from someone with the reader's taste
counts SIMILAR_WEIGHT times extra.

The first page takes a snapshot of the ordered candidates, laid out in pages of the
first request's size (kept feed/ranking.py SNAPSHOT_TTL_S, in the same store as the
ranked feed's snapshots); the cursor is the offset where the next page starts, so scrolling neither
repeats nor skips while likes and posts arrive. Posts deleted, blocked, followed or made
private since the snapshot drop out of their page.

Nothing seen twice: a signed-in reader's snapshot leaves out the posts they were shown
(on an Explore or home-feed page) or liked in the last `explore_seen_days` (3) days.
Shown posts are kept per reader in a capped set that forgets each after those days
(stores/seen.py: in process, or a Redis sorted set), written once per page served;
likes come from the likes table (by user, newest first, indexed). While Redis is down
the shown posts are neither recorded nor left out (Explore still answers).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.explore import repository
from shutter.feed.ranking import start_or_resume
from shutter.ids import id_timestamp_ms, smallest_id_at
from shutter.pagination import next_snapshot_cursor
from shutter.posts.presenters import PostPageDict, hydrate
from shutter.posts.repository import PostRow
from shutter.stores.breaker import StoreUnavailable
from shutter.stores.seen import SeenPosts, record_shown
from shutter.users.service import UrlFor

WINDOW_DAYS = 7  # only posts (and likes) this recent are candidates
CANDIDATES = 300  # rows per source
GRAVITY = 1.5
SIMILAR_WEIGHT = 3.0
PER_AUTHOR = 2  # posts of one author on one page
CURSOR_KIND = "e"
# Anonymous readers share no snapshot with anyone: user ids start far above 0.
ANONYMOUS = 0


def score(row: PostRow, signal: float, now_ms: int) -> float:
    """The HN-style score above, for one candidate row."""
    age_h = max(0, now_ms - id_timestamp_ms(row["id"])) / 3_600_000
    points = 1 + int(row["like_count"]) + 2 * int(row["comment_count"]) + SIMILAR_WEIGHT * signal
    return float(points / (age_h + 2) ** GRAVITY)


def in_pages(
    ranked: Sequence[PostRow], page_size: int, first_page: int | None = None
) -> list[list[PostRow]]:
    """The ranked rows cut into pages with at most PER_AUTHOR posts of one author on each:
    each page takes the best rows whose author still has room on it, the rest wait for a
    later page (a page is short only when no other author is left to fill it). The first
    page holds `first_page` rows when given (what is left of a page others began)."""
    pending = list(ranked)
    pages: list[list[PostRow]] = []
    while pending:
        page: list[PostRow] = []
        on_page: dict[int, int] = {}
        waiting: list[PostRow] = []
        size = first_page if first_page is not None and not pages else page_size
        for row in pending:
            author = row["author_id"]
            if len(page) < size and on_page.get(author, 0) < PER_AUTHOR:
                page.append(row)
                on_page[author] = on_page.get(author, 0) + 1
            else:
                waiting.append(row)
        pages.append(page)
        pending = waiting
    return pages


async def explore(
    context: AppContext,
    conn: AsyncConnection,
    reader_id: int | None,
    cursor: str | None,
    limit: int,
    url_for: UrlFor,
) -> PostPageDict:
    """A page of Explore for a reader (None: anonymous, popular public posts only)."""
    owner = reader_id if reader_id is not None else ANONYMOUS

    async def first_ranking() -> list[int]:
        excluded = await _seen_or_liked(context.seen_posts, conn, reader_id)
        return await ranked_ids(conn, reader_id, limit, excluded=excluded)

    snapshot_id, offset, ids, _ = await start_or_resume(
        context, owner, CURSOR_KIND, cursor, "explore scroll", first_ranking
    )
    rows, consumed = await _page(conn, reader_id, ids[offset : offset + limit])
    if reader_id is not None:
        await record_shown(context.seen_posts, reader_id, [row["id"] for row in rows])
    return {
        "posts": await hydrate(conn, rows, reader_id, url_for, context.hydration),
        "next_cursor": next_snapshot_cursor(CURSOR_KIND, snapshot_id, offset + consumed, len(ids)),
    }


async def _page(
    conn: AsyncConnection, reader_id: int | None, candidate_ids: Sequence[int]
) -> tuple[list[PostRow], int]:
    """The rows of a page and how many snapshot entries it used up. Posts no longer
    discoverable are skipped; the page ends before a third post of one author (a snapshot
    is laid out for its first page size, so this only bites when the client changes the
    limit mid-scroll): the next cursor resumes exactly there."""
    visible = await repository.explorable_rows(conn, reader_id, candidate_ids)
    rows: list[PostRow] = []
    on_page: dict[int, int] = {}
    consumed = 0
    for post_id in candidate_ids:
        row = visible.get(post_id)
        if row is not None:
            if on_page.get(row["author_id"], 0) >= PER_AUTHOR:
                break
            on_page[row["author_id"]] = on_page.get(row["author_id"], 0) + 1
            rows.append(row)
        consumed += 1
    return rows, consumed


async def _seen_or_liked(seen: SeenPosts, conn: AsyncConnection, reader_id: int | None) -> set[int]:
    """The posts the reader was shown or liked within the seen window (none when anonymous
    or the window is 0)."""
    if reader_id is None or seen.ttl_s <= 0:
        return set()
    since_id = smallest_id_at(int(time.time() * 1000) - seen.ttl_s * 1000)
    liked = await repository.liked_since(conn, reader_id, since_id)
    try:
        return liked | await seen.recent(reader_id)
    except StoreUnavailable:
        return liked


async def ranked_ids(
    conn: AsyncConnection,
    reader_id: int | None,
    page_size: int,
    only: ColumnElement[bool] | None = None,
    first_page: int | None = None,
    excluded: Collection[int] = frozenset(),
) -> list[int]:
    """The ids of Explore's candidates for the reader (that match `only`, if given; Reels
    passes its video filter), but not the `excluded` ones (seen or liked lately), ranked
    by `score` and laid out in pages of `page_size` (the first of `first_page`, if given:
    Reels lays them out after its followed reels)."""
    now_ms = int(time.time() * 1000)
    since_id = smallest_id_at(now_ms - WINDOW_DAYS * 86_400_000)
    candidates = {
        row["id"]: row
        for row in await repository.most_engaging(conn, reader_id, since_id, CANDIDATES, only)
    }
    signals: dict[int, float] = {}
    if reader_id is not None:
        for row, signal in await repository.liked_by_neighbours(
            conn, reader_id, since_id, CANDIDATES, only
        ):
            candidates.setdefault(row["id"], row)
            signals[row["id"]] = signal
    ranked = sorted(
        (row for row in candidates.values() if row["id"] not in excluded),
        key=lambda row: (score(row, signals.get(row["id"], 0.0), now_ms), row["id"]),
        reverse=True,
    )
    return [row["id"] for page in in_pages(ranked, page_size, first_page) for row in page]
