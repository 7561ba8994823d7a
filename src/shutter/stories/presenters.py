"""Stories to the API's story objects: a story (StoryOut), a reel, the tray, a page of
viewers (stories/schemas.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NotRequired, TypedDict

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.media.presenters import MediaOutDict, present_media
from shutter.pagination import Page
from shutter.stores.objects import UrlFor
from shutter.stories import repository
from shutter.stories.repository import (
    ArchivedStoryRow,
    HighlightRow,
    StoryRow,
    StoryViewerRow,
)
from shutter.timeutil import isoformat
from shutter.users import repository as users_repo
from shutter.users.presenters import AuthorOutDict, present_author
from shutter.users.repository import AuthorRow


class StoryOutDict(TypedDict):
    """The wire shape of StoryOut."""

    id: str
    author: AuthorOutDict
    media: MediaOutDict
    created_at: str
    expires_at: str
    seen: bool
    audience: str
    close_friends: bool


class StoryCreatedDict(TypedDict):
    story: StoryOutDict
    expires_at: str
    removed: NotRequired[bool]  # when screening took it down at once


class StoryReelDict(TypedDict):
    """The wire shape of StoryReel."""

    user: AuthorOutDict
    items: list[StoryOutDict]
    has_unseen: bool
    close_friends: bool


class StoryTrayDict(TypedDict):
    tray: list[StoryReelDict]


class StoryViewerDict(TypedDict):
    user: AuthorOutDict
    viewed_at: str


class StoryViewerPageDict(TypedDict):
    viewers: list[StoryViewerDict]
    next_cursor: str | None


def present_story(
    row: StoryRow,
    author: AuthorRow,
    seen: bool,
    url_for: UrlFor,
    urls_until: datetime | None = None,
) -> StoryOutDict:
    """A story; its media URLs expire with it, or at `urls_until` for a story kept past
    its day (the archive, highlights)."""
    return {
        "id": str(row["story_id"]),
        "author": present_author(author, url_for),
        # Expiring URLs, cached privately: no copy outlives the story.
        "media": present_media(row["media"], url_for, until=urls_until or row["expires_at"]),
        "created_at": isoformat(row["created_at"]),
        "expires_at": isoformat(row["expires_at"]),
        "seen": seen,
        "audience": row["audience"],
        "close_friends": row["audience"] == "close_friends",
    }


async def present_stories(
    conn: AsyncConnection,
    rows: Sequence[StoryRow],
    reader_id: int | None,
    url_for: UrlFor,
    urls_until: datetime | None = None,
) -> list[StoryOutDict]:
    """Story rows to API objects; authors and seen state for the whole list in one query
    each."""
    if not rows:
        return []
    authors = await users_repo.get_authors(conn, {row["author_id"] for row in rows})
    seen = (
        await repository.seen_among(conn, reader_id, [row["story_id"] for row in rows])
        if reader_id is not None
        else set()
    )
    stories = []
    for row in rows:
        author = authors.get(row["author_id"])
        if author is not None:
            stories.append(present_story(row, author, row["story_id"] in seen, url_for, urls_until))
    return stories


def present_reel(author: AuthorRow, items: list[StoryOutDict], url_for: UrlFor) -> StoryReelDict:
    return {
        "user": present_author(author, url_for),
        "items": items,
        "has_unseen": any(not item["seen"] for item in items),
        "close_friends": any(item["close_friends"] for item in items),
    }


def present_tray(stories: Sequence[StoryOutDict], reader_id: int) -> StoryTrayDict:
    """Stories (oldest first) grouped into reels: the reader's own reel first, then the
    reels with unseen stories, then by their newest story, newest first."""
    reels: dict[str, StoryReelDict] = {}
    for story in stories:  # oldest first, so each reel's items are in order
        reel = reels.setdefault(
            story["author"]["id"],
            {"user": story["author"], "items": [], "has_unseen": False, "close_friends": False},
        )
        reel["items"].append(story)
        reel["has_unseen"] = reel["has_unseen"] or not story["seen"]
        reel["close_friends"] = reel["close_friends"] or story["close_friends"]

    def rank(reel: StoryReelDict) -> tuple[bool, bool, int]:
        newest = int(reel["items"][-1]["id"])
        return (reel["user"]["id"] != str(reader_id), not reel["has_unseen"], -newest)

    return {"tray": sorted(reels.values(), key=rank)}


def present_viewer_page(page: Page[StoryViewerRow], url_for: UrlFor) -> StoryViewerPageDict:
    return {
        "viewers": [
            {
                "user": present_author(item["viewer"], url_for),
                "viewed_at": isoformat(item["viewed_at"]),
            }
            for item in page.items
        ],
        "next_cursor": page.next_cursor,
    }


class ArchivedStoryDict(TypedDict):
    """The wire shape of ArchivedStory."""

    id: str
    media: MediaOutDict | None
    created_at: str
    expires_at: str
    expired: bool
    audience: str
    close_friends: bool


class ArchivePageDict(TypedDict):
    stories: list[ArchivedStoryDict]
    next_cursor: str | None


class CloseFriendsDict(TypedDict):
    user_ids: list[str]
    users: list[AuthorOutDict]


def present_archived(
    row: ArchivedStoryRow, author: AuthorRow, now: datetime, urls_until: datetime, url_for: UrlFor
) -> ArchivedStoryDict:
    """A story of the author's archive: its media (None once the retention removed them)
    behind URLs that expire at `urls_until` (or with the story while it is live)."""
    story = row["story"]
    expires_at = story["expires_at"]
    if expires_at.tzinfo is None:  # SQLite hands back naive datetimes, stored as UTC
        expires_at = expires_at.replace(tzinfo=UTC)
    live = expires_at > now
    media = (
        None
        if row["media_deleted"]
        else present_media(
            story["media"], url_for, until=story["expires_at"] if live else urls_until
        )
    )
    return {
        "id": str(story["story_id"]),
        "media": media,
        "created_at": isoformat(story["created_at"]),
        "expires_at": isoformat(story["expires_at"]),
        "expired": not live,
        "audience": story["audience"],
        "close_friends": story["audience"] == "close_friends",
    }


class HighlightDict(TypedDict):
    """The wire shape of Highlight."""

    id: str
    title: str
    owner: AuthorOutDict
    cover: MediaOutDict | None
    items: list[StoryOutDict]
    created_at: str
    updated_at: str


class HighlightListDict(TypedDict):
    highlights: list[HighlightDict]


def present_highlight(
    row: HighlightRow, owner: AuthorRow, items: list[StoryOutDict], url_for: UrlFor
) -> HighlightDict:
    """A highlight with the stories the reader may see in it; its cover is the first."""
    return {
        "id": str(row["id"]),
        "title": row["title"],
        "owner": present_author(owner, url_for),
        "cover": items[0]["media"] if items else None,
        "items": items,
        "created_at": isoformat(row["created_at"]),
        "updated_at": isoformat(row["updated_at"]),
    }
