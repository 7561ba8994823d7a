"""Story use cases: post a story, the tray, an account's stories, seen state, viewers,
delete. No HTTP here.

A story is live from `created_at` until `expires_at` (`SHUTTER_STORY_TTL_SECONDS`). Every
read filters on the deadline itself, so the expiry job's timing never decides what a
reader sees; the job only tidies up afterwards (see `tasks.py`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Forbidden, InvalidInput, NotFound
from shutter.events.types import StoryPosted
from shutter.media.service import unusable_media
from shutter.pagination import page_tail
from shutter.privacy.visibility import can_view_account_content, require_account_content
from shutter.stories import repository
from shutter.stories.presenters import (
    ArchivePageDict,
    CloseFriendsDict,
    StoryCreatedDict,
    StoryOutDict,
    StoryReelDict,
    StoryTrayDict,
    StoryViewerPageDict,
    present_archived,
    present_reel,
    present_stories,
    present_tray,
    present_viewer_page,
)
from shutter.stories.repository import StoryRow
from shutter.timeutil import utcnow
from shutter.users import repository as users_repo
from shutter.users.presenters import present_author
from shutter.users.service import UrlFor

Audience = Literal["everyone", "close_friends"]

# The tray shows at most this many stories (the newest), whatever the number of followees.
TRAY_STORIES_MAX = 2000


async def create_story(
    context: AppContext,
    uow: UnitOfWork,
    author_id: int,
    media_id: int,
    audience: Audience = "everyone",
) -> int:
    """Make a ready photo or video of the author's into a story, for everyone who may see
    the author's stories or only for the close friends; returns its id. Screening's
    verdict on the media applies (`new_story_checks`): it may be taken down at once."""
    conn = uow.conn
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
            "audience": audience,
        },
    )
    await uow.record(StoryPosted(story_id=story_id, author_id=author_id))  # the bells
    for check in context.new_story_checks:  # screening's verdict
        await check(context, uow, story_id, author_id)
    return story_id


async def created_story(
    conn: AsyncConnection, author_id: int, story_id: int, url_for: UrlFor
) -> StoryCreatedDict:
    """The story just created, as its author gets it back: shown even when screening
    removed it at once, then with `removed: true` (nobody else sees it)."""
    new = await repository.get_own_new(conn, story_id, author_id)
    if new is None:
        raise NotFound("No such story, or it has expired.", code="story_not_found")
    (story,) = await present_stories(conn, [new.story], author_id, url_for)
    created: StoryCreatedDict = {"story": story, "expires_at": story["expires_at"]}
    if new.removed:
        created["removed"] = True
    return created


async def get_story(
    conn: AsyncConnection, viewer_id: int, story_id: int, url_for: UrlFor
) -> StoryOutDict:
    """One live story the viewer may see (404 otherwise, revealing nothing)."""
    row = await _visible_story(conn, viewer_id, story_id, utcnow())
    (story,) = await present_stories(conn, [row], viewer_id, url_for)
    return story


async def visible_story(conn: AsyncConnection, viewer_id: int, story_id: int) -> StoryRow:
    """A live story the viewer may see (to reply to it); `404 story_not_found` otherwise."""
    return await _visible_story(conn, viewer_id, story_id, utcnow())


async def _visible_story(
    conn: AsyncConnection, viewer_id: int, story_id: int, now: datetime
) -> StoryRow:
    row = await repository.get_live(conn, story_id, now, viewer_id)
    if row is not None:
        author = await users_repo.get_auth_row(conn, row["author_id"])
        if author is not None and await can_view_account_content(
            conn, viewer_id, row["author_id"], author["is_private"]
        ):
            return row
    raise NotFound("No such story, or it has expired.", code="story_not_found")


async def tray(conn: AsyncConnection, reader_id: int, url_for: UrlFor) -> StoryTrayDict:
    """The reader's own reel first, then the reels of followed accounts: those with
    unseen stories first, then by their newest story, newest first."""
    rows = await repository.live_for_tray(conn, reader_id, utcnow(), TRAY_STORIES_MAX)
    return present_tray(await present_stories(conn, rows[::-1], reader_id, url_for), reader_id)


async def account_stories(
    conn: AsyncConnection, viewer_id: int, user_id: int, url_for: UrlFor
) -> StoryReelDict:
    """An account's live stories, oldest first, as one reel (empty if there are none)."""
    owner = await users_repo.get_auth_row(conn, user_id)
    if owner is None:
        raise NotFound("No such user.", code="user_not_found")
    await require_account_content(conn, viewer_id, user_id, owner["is_private"])
    rows = await repository.live_by_author(conn, user_id, utcnow(), viewer_id)
    items = await present_stories(conn, rows, viewer_id, url_for)
    authors = await users_repo.get_authors(conn, [user_id])
    return present_reel(authors[user_id], items, url_for)


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
) -> StoryViewerPageDict:
    """Who saw one of the viewer's live stories, most recent first (author only)."""
    row = await _visible_story(conn, viewer_id, story_id, utcnow())
    if row["author_id"] != viewer_id:
        raise Forbidden("Only the author sees who viewed a story.", code="not_your_story")
    rows = await repository.page_viewers(conn, story_id, viewer_id, before_id, limit + 1)
    return present_viewer_page(page_tail(rows, limit, lambda row: row["view_id"]), url_for)


async def delete_story(conn: AsyncConnection, viewer_id: int, story_id: int) -> None:
    """Take down one of the viewer's live stories (its media follow after the retention)."""
    now = utcnow()
    row = await _visible_story(conn, viewer_id, story_id, now)
    if row["author_id"] != viewer_id:
        raise Forbidden("You can only delete your own stories.", code="not_your_story")
    await repository.mark_deleted(conn, story_id, now)


# -- the story archive ---------------------------------------------------------------------

ARCHIVE_URL_LIFETIME = timedelta(hours=1)


async def archive(
    conn: AsyncConnection, author_id: int, before_id: int | None, limit: int, url_for: UrlFor
) -> ArchivePageDict:
    """The author's own stories, expired ones included (not those they deleted), newest
    first. A story whose media the retention removed stays listed, without media."""
    rows = await repository.page_archive(conn, author_id, before_id, limit + 1)
    page = page_tail(rows, limit, lambda row: row["story"]["story_id"])
    authors = await users_repo.get_authors(conn, [author_id])
    now = utcnow()
    return {
        "stories": [
            present_archived(row, authors[author_id], now, now + ARCHIVE_URL_LIFETIME, url_for)
            for row in page.items
        ],
        "next_cursor": page.next_cursor,
    }


# -- close friends -------------------------------------------------------------------------

CLOSE_FRIENDS_MAX = 1000


async def close_friends(conn: AsyncConnection, owner_id: int, url_for: UrlFor) -> CloseFriendsDict:
    """The owner's close-friends list, in the order the accounts were added."""
    friend_ids = await repository.close_friend_ids(conn, owner_id)
    authors = await users_repo.get_authors(conn, friend_ids)
    listed = [friend_id for friend_id in friend_ids if friend_id in authors]
    return {
        "user_ids": [str(friend_id) for friend_id in listed],
        "users": [present_author(authors[friend_id], url_for) for friend_id in listed],
    }


async def replace_close_friends(conn: AsyncConnection, owner_id: int, user_ids: list[int]) -> None:
    """Make the owner's close-friends list exactly `user_ids`: existing accounts, not the
    owner, none in a block with the owner (`422 invalid_close_friends` names the others).
    Close-friends stories follow the list when read: whoever leaves it stops seeing them
    at once."""
    wanted = list(dict.fromkeys(user_ids))
    if len(wanted) > CLOSE_FRIENDS_MAX:
        raise InvalidInput(
            f"user_ids: at most {CLOSE_FRIENDS_MAX} accounts", code="too_many_close_friends"
        )
    addable = await repository.addable_accounts(conn, owner_id, wanted)
    refused = [user_id for user_id in wanted if user_id not in addable or user_id == owner_id]
    if refused:
        shown = ", ".join(str(user_id) for user_id in refused[:10])
        raise InvalidInput(
            f"user_ids: not accounts you can add to close friends: {shown}",
            code="invalid_close_friends",
        )
    await repository.replace_close_friends(conn, owner_id, wanted, utcnow())
