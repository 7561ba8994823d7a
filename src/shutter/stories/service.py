"""Story use cases: post a story, the tray, an account's stories, seen state, viewers,
delete. No HTTP here.

A story is live from `created_at` until `expires_at` (`SHUTTER_STORY_TTL_SECONDS`). Every
read filters on the deadline itself, so the expiry job's timing never decides what a
reader sees; the job only tidies up afterwards (see `tasks.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.errors import Forbidden, NotFound
from shutter.media.presenters import present_media
from shutter.media.repository import media_row
from shutter.media.service import unusable_media
from shutter.pagination import page_tail
from shutter.privacy.visibility import can_view_account_content, require_account_content
from shutter.stories import repository
from shutter.timeutil import isoformat, utcnow
from shutter.users import repository as users_repo
from shutter.users.presenters import present_author
from shutter.users.repository import author_row
from shutter.users.service import UrlFor

# The tray shows at most this many stories (the newest), whatever the number of followees.
TRAY_STORIES_MAX = 2000


async def create_story(
    context: AppContext, conn: AsyncConnection, author_id: int, media_id: int
) -> int:
    """Make a ready photo or video of the author's into a story; returns its id."""
    story_id = context.ids.next_id()
    now = utcnow()
    if not await repository.attach_media(conn, media_id, author_id, story_id):
        raise await unusable_media(conn, media_id, author_id, "can become a story")
    await repository.insert(
        conn,
        {
            "id": story_id,
            "author_id": author_id,
            "media_id": media_id,
            "created_at": now,
            "expires_at": now + timedelta(seconds=context.settings.story_ttl_seconds),
        },
    )
    return story_id


async def get_story(
    conn: AsyncConnection, viewer_id: int, story_id: int, url_for: UrlFor
) -> dict[str, Any]:
    """One live story the viewer may see (404 otherwise, revealing nothing)."""
    row = await _visible_story(conn, viewer_id, story_id, utcnow())
    (story,) = await _present(conn, [row], viewer_id, url_for)
    return story


async def visible_story(conn: AsyncConnection, viewer_id: int, story_id: int) -> RowMapping:
    """A live story the viewer may see (to reply to it); `404 story_not_found` otherwise."""
    return await _visible_story(conn, viewer_id, story_id, utcnow())


async def _visible_story(
    conn: AsyncConnection, viewer_id: int, story_id: int, now: datetime
) -> RowMapping:
    row = await repository.get_live(conn, story_id, now)
    if row is not None:
        author = await users_repo.get_auth_row(conn, row["author_id"])
        if author is not None and await can_view_account_content(
            conn, viewer_id, row["author_id"], author["is_private"]
        ):
            return row
    raise NotFound("No such story, or it has expired.", code="story_not_found")


async def tray(conn: AsyncConnection, reader_id: int, url_for: UrlFor) -> dict[str, Any]:
    """The reader's own reel first, then the reels of followed accounts: those with
    unseen stories first, then by their newest story, newest first."""
    rows = await repository.live_for_tray(conn, reader_id, utcnow(), TRAY_STORIES_MAX)
    stories = await _present(conn, list(reversed(rows)), reader_id, url_for)
    reels: dict[str, dict[str, Any]] = {}
    for story in stories:  # oldest first, so each reel's items are in order
        reel = reels.setdefault(
            story["author"]["id"], {"user": story["author"], "items": [], "has_unseen": False}
        )
        reel["items"].append(story)
        reel["has_unseen"] = reel["has_unseen"] or not story["seen"]

    def rank(reel: dict[str, Any]) -> tuple[bool, bool, int]:
        newest = int(reel["items"][-1]["id"])
        return (reel["user"]["id"] != str(reader_id), not reel["has_unseen"], -newest)

    return {"tray": sorted(reels.values(), key=rank)}


async def account_stories(
    conn: AsyncConnection, viewer_id: int, user_id: int, url_for: UrlFor
) -> dict[str, Any]:
    """An account's live stories, oldest first, as one reel (empty if there are none)."""
    owner = await users_repo.get_auth_row(conn, user_id)
    if owner is None:
        raise NotFound("No such user.", code="user_not_found")
    await require_account_content(conn, viewer_id, user_id, owner["is_private"])
    rows = await repository.live_by_author(conn, user_id, utcnow())
    items = await _present(conn, rows, viewer_id, url_for)
    authors = await users_repo.get_authors(conn, [user_id])
    return {
        "user": present_author(authors[user_id], url_for),
        "items": items,
        "has_unseen": any(not item["seen"] for item in items),
    }


async def mark_seen(
    context: AppContext, conn: AsyncConnection, viewer_id: int, story_id: int
) -> None:
    """Record that the viewer saw a story they may see; doing it again changes nothing."""
    now = utcnow()
    await _visible_story(conn, viewer_id, story_id, now)
    await repository.record_view(conn, story_id, viewer_id, context.ids.next_id(), now)


async def viewers(
    conn: AsyncConnection,
    viewer_id: int,
    story_id: int,
    before_id: int | None,
    limit: int,
    url_for: UrlFor,
) -> dict[str, Any]:
    """Who saw one of the viewer's live stories, most recent first (author only)."""
    row = await _visible_story(conn, viewer_id, story_id, utcnow())
    if row["author_id"] != viewer_id:
        raise Forbidden("Only the author sees who viewed a story.", code="not_your_story")
    rows = await repository.page_viewers(conn, story_id, viewer_id, before_id, limit + 1)
    page = page_tail(rows, limit, lambda row: int(row["view_id"]))
    return {
        "viewers": [
            {
                "user": present_author(author_row(item), url_for),
                "viewed_at": isoformat(item["viewed_at"]),
            }
            for item in page.items
        ],
        "next_cursor": page.next_cursor,
    }


async def delete_story(conn: AsyncConnection, viewer_id: int, story_id: int) -> None:
    """Take down one of the viewer's live stories (its media follow after the retention)."""
    now = utcnow()
    row = await _visible_story(conn, viewer_id, story_id, now)
    if row["author_id"] != viewer_id:
        raise Forbidden("You can only delete your own stories.", code="not_your_story")
    await repository.mark_deleted(conn, story_id, now)


async def _present(
    conn: AsyncConnection, rows: Sequence[RowMapping], reader_id: int, url_for: UrlFor
) -> list[dict[str, Any]]:
    """Story rows (with their media fields) to API objects; authors and seen state for
    the whole list in one query each."""
    if not rows:
        return []
    authors = await users_repo.get_authors(conn, {row["author_id"] for row in rows})
    seen = await repository.seen_among(conn, reader_id, [row["story_id"] for row in rows])
    stories = []
    for row in rows:
        author = authors.get(row["author_id"])
        if author is None:
            continue
        stories.append(
            {
                "id": str(row["story_id"]),
                "author": present_author(author, url_for),
                # Expiring URLs, cached privately: no copy outlives the story.
                "media": present_media(media_row(row), url_for, until=row["expires_at"]),
                "created_at": isoformat(row["created_at"]),
                "expires_at": isoformat(row["expires_at"]),
                "seen": row["story_id"] in seen,
            }
        )
    return stories
