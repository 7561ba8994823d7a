"""Reels: an endless vertical scroll of video posts.

The line-up: first the newest reels (video posts) of the accounts the reader follows
(up to FOLLOWED_MAX), then the popular public reels of everyone else, ranked by
Explore's machinery (`explore.service.ranked_ids` with the reel filter: the same score,
window and two-per-author layout).

The first page takes a snapshot of that line-up (ids only, kept an hour in the snapshot
store the ranked feed and Explore use: feed/ranking.py `start_or_resume`); the cursor
`v<snapshot id>_<offset>` names the snapshot and where the next page starts in it. A
snapshot holds each post once and a page only moves forward through it, so a scroll
never repeats a reel, however many pages it runs to and whatever is posted meanwhile.
Each page is checked against the visibility rule when it is read: reels deleted,
removed, blocked, muted or made private since the snapshot drop out, and the page is
refilled from what follows.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.explore.service import ranked_ids
from shutter.feed.ranking import start_or_resume
from shutter.pagination import snapshot_cursor
from shutter.posts.presenters import PostPageDict, hydrate
from shutter.posts.repository import PostRow
from shutter.privacy.visibility import posts_in_reels_of
from shutter.reels import repository
from shutter.users.service import UrlFor

FOLLOWED_MAX = 300  # reels of followed accounts in one snapshot
CURSOR_KIND = "v"
MAX_ROUNDS = 4  # reads of the snapshot to refill a page whose reels dropped out


async def reels(
    context: AppContext,
    conn: AsyncConnection,
    reader_id: int,
    cursor: str | None,
    limit: int,
    url_for: UrlFor,
) -> PostPageDict:
    """A page of the reader's Reels: `{posts, next_cursor}`, `next_cursor` None once the
    snapshot is used up. `422 invalid_cursor` / `cursor_expired` for a bad or old cursor."""
    snapshot_id, offset, ids, _ = await start_or_resume(
        context,
        reader_id,
        CURSOR_KIND,
        cursor,
        "reels scroll",
        lambda: line_up(conn, reader_id, limit),
    )
    rows, end = await _page(conn, reader_id, ids, offset, limit)
    return {
        "posts": await hydrate(conn, rows, reader_id, url_for, context.hydration),
        "next_cursor": snapshot_cursor(CURSOR_KIND, snapshot_id, end) if end < len(ids) else None,
    }


async def line_up(conn: AsyncConnection, reader_id: int, page_size: int) -> list[int]:
    """The ids of a new Reels snapshot: followed accounts' reels newest first, then
    Explore's ranking of everyone else's reels, each post once."""
    followed = await repository.followed_reels(conn, reader_id, FOLLOWED_MAX)
    only = repository.is_reel() & posts_in_reels_of(reader_id)
    # Explore's pages (two per author) begin where the followed reels leave off.
    first_page = page_size - len(followed) % page_size
    popular = await ranked_ids(conn, reader_id, page_size, only, first_page)
    return list(dict.fromkeys(followed + popular))


async def _page(
    conn: AsyncConnection, reader_id: int, ids: list[int], offset: int, limit: int
) -> tuple[list[PostRow], int]:
    """Up to `limit` reels the reader may still see from `ids[offset:]`, and the offset
    after the last snapshot entry used."""
    rows: list[PostRow] = []
    end = offset
    for _ in range(MAX_ROUNDS):
        if len(rows) >= limit or end >= len(ids):
            break
        batch = ids[end : end + limit - len(rows)]
        visible = await repository.playable_rows(conn, reader_id, batch)
        rows.extend(visible[post_id] for post_id in batch if post_id in visible)
        end += len(batch)
    return rows, end
