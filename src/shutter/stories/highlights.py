"""Highlights: named collections of the owner's stories, shown on the profile once the
stories have expired. No HTTP here.

Who sees a highlight: whoever may see the owner's stories (privacy/visibility.py rules
1-6); a close-friends story inside it only the owner's close friends of the moment (rule
8). A story a highlight holds keeps its media (stories/tasks.py); one the owner deleted
or a moderator removed leaves every highlight.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.errors import Forbidden, InvalidInput, NotFound
from shutter.privacy.visibility import Access, account_access, require_account_content
from shutter.stories import repository
from shutter.stories.presenters import (
    HighlightDict,
    HighlightListDict,
    present_highlight,
    present_stories,
)
from shutter.stories.repository import HighlightRow
from shutter.timeutil import utcnow
from shutter.users import repository as users_repo
from shutter.users.service import UrlFor

HIGHLIGHTS_MAX = 100  # per account
HIGHLIGHT_STORIES_MAX = 100  # per highlight
# Media URLs of stories kept past their day are handed out for this long at a time.
URL_LIFETIME = timedelta(hours=1)


async def _require_stories_readable(
    conn: AsyncConnection, viewer_id: int | None, owner_id: int
) -> None:
    """404 unless the viewer may see the owner's stories (nothing revealed either way)."""
    owner = await users_repo.get_auth_row(conn, owner_id)
    if owner is None or (
        await account_access(conn, viewer_id, owner_id, owner["is_private"]) is not Access.CONTENT
    ):
        raise NotFound("No such highlight.", code="highlight_not_found")


async def _readable(
    conn: AsyncConnection, viewer_id: int | None, highlight_id: int
) -> HighlightRow:
    row = await repository.get_highlight(conn, highlight_id)
    if row is None:
        raise NotFound("No such highlight.", code="highlight_not_found")
    await _require_stories_readable(conn, viewer_id, row["owner_id"])
    return row


async def _own(conn: AsyncConnection, viewer_id: int, highlight_id: int) -> HighlightRow:
    row = await _readable(conn, viewer_id, highlight_id)
    if row["owner_id"] != viewer_id:
        raise Forbidden("Only its owner can change a highlight.", code="not_your_highlight")
    return row


async def _present(
    conn: AsyncConnection,
    rows: list[HighlightRow],
    viewer_id: int | None,
    url_for: UrlFor,
    *,
    keep_empty: bool,
) -> list[HighlightDict]:
    """Highlights with the stories the viewer may see in them; one whose stories are all
    out of the viewer's sight is left out (`keep_empty`: its owner sees it anyway)."""
    stories = await repository.highlight_stories(conn, [row["id"] for row in rows], viewer_id)
    authors = await users_repo.get_authors(conn, {row["owner_id"] for row in rows})
    until = utcnow() + URL_LIFETIME
    found = []
    for row in rows:
        items = await present_stories(conn, stories[row["id"]], viewer_id, url_for, until)
        author = authors.get(row["owner_id"])
        if author is not None and (items or keep_empty):
            found.append(present_highlight(row, author, items, url_for))
    return found


async def get_highlight(
    conn: AsyncConnection, viewer_id: int | None, highlight_id: int, url_for: UrlFor
) -> HighlightDict:
    """One highlight, with the stories in it the viewer may see."""
    row = await _readable(conn, viewer_id, highlight_id)
    found = await _present(conn, [row], viewer_id, url_for, keep_empty=row["owner_id"] == viewer_id)
    if not found:
        raise NotFound("No such highlight.", code="highlight_not_found")
    return found[0]


async def account_highlights(
    conn: AsyncConnection, viewer_id: int | None, owner_id: int, url_for: UrlFor
) -> HighlightListDict:
    """An account's highlights, newest first, for whoever may see its stories; the errors
    of `GET /users/{id}/stories` for anyone else."""
    owner = await users_repo.get_auth_row(conn, owner_id)
    if owner is None:
        raise NotFound("No such user.", code="user_not_found")
    await require_account_content(conn, viewer_id, owner_id, owner["is_private"])
    rows = await repository.highlights_of(conn, owner_id, HIGHLIGHTS_MAX)
    items = await _present(conn, rows, viewer_id, url_for, keep_empty=owner_id == viewer_id)
    return {"highlights": items}


async def _checked_stories(conn: AsyncConnection, owner_id: int, story_ids: list[int]) -> list[int]:
    """The story ids, deduplicated, after locking them: each one of the owner's stories in
    the archive with its media kept (`422 invalid_stories` otherwise)."""
    wanted = list(dict.fromkeys(story_ids))
    if not wanted:
        raise InvalidInput("story_ids: at least one story", code="invalid_stories")
    if len(wanted) > HIGHLIGHT_STORIES_MAX:
        raise InvalidInput(
            f"story_ids: at most {HIGHLIGHT_STORIES_MAX} stories", code="invalid_stories"
        )
    usable = await repository.lock_own_stories(conn, owner_id, wanted)
    refused = [story_id for story_id in wanted if story_id not in usable]
    if refused:
        shown = ", ".join(str(story_id) for story_id in refused[:10])
        raise InvalidInput(
            f"story_ids: not stories of your archive: {shown}", code="invalid_stories"
        )
    return wanted


async def create_highlight(
    context: AppContext, conn: AsyncConnection, owner_id: int, title: str, story_ids: list[int]
) -> int:
    """A new highlight of the owner's stories (in the order given); returns its id."""
    await users_repo.lock_users(conn, (owner_id,))  # the count below stays true
    if await repository.count_highlights(conn, owner_id) >= HIGHLIGHTS_MAX:
        raise InvalidInput(
            f"You can keep at most {HIGHLIGHTS_MAX} highlights.", code="too_many_highlights"
        )
    stories = await _checked_stories(conn, owner_id, story_ids)
    highlight_id = context.ids.next_id()
    now = utcnow()
    await repository.insert_highlight(
        conn,
        {
            "id": highlight_id,
            "owner_id": owner_id,
            "title": title,
            "created_at": now,
            "updated_at": now,
        },
    )
    await repository.replace_highlight_items(conn, highlight_id, owner_id, stories)
    return highlight_id


async def update_highlight(
    conn: AsyncConnection,
    viewer_id: int,
    highlight_id: int,
    title: str | None,
    story_ids: list[int] | None,
) -> None:
    """Rename a highlight and/or replace its stories. A story taken out is no longer held:
    its media follow the normal retention from then on."""
    row = await _own(conn, viewer_id, highlight_id)
    values: dict[str, object] = {"updated_at": utcnow()}
    if title is not None:
        values["title"] = title
    if story_ids is not None:
        stories = await _checked_stories(conn, viewer_id, story_ids)
        await repository.replace_highlight_items(conn, row["id"], viewer_id, stories)
    await repository.update_highlight(conn, row["id"], values)


async def delete_highlight(conn: AsyncConnection, viewer_id: int, highlight_id: int) -> None:
    """Delete a highlight (its stories stay in the archive)."""
    row = await _own(conn, viewer_id, highlight_id)
    await repository.delete_highlight(conn, row["id"])
