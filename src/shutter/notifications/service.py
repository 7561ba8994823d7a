"""Listing notifications as people read them ("a and 12 others liked your post")."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.tables import comments, follows, posts
from shutter.media import repository as media_repo
from shutter.media.presenters import thumb_url
from shutter.notifications import moderation_notices, repository
from shutter.notifications.presenters import (
    NotificationOutDict,
    NotificationPageDict,
    NotifiedPostDict,
)
from shutter.notifications.repository import NotificationRow
from shutter.pagination import page_tail
from shutter.privacy.visibility import comment_is_live, post_is_live, posts_readable_by
from shutter.timeutil import isoformat, utcnow
from shutter.users import repository as users_repo
from shutter.users.presenters import present_author
from shutter.users.service import UrlFor

SHOWN_ACTORS = 2
EXCERPT = 100


async def list_notifications(
    conn: AsyncConnection, user_id: int, before_sort: int | None, limit: int, url_for: UrlFor
) -> NotificationPageDict:
    """`{notifications, unread_count, next_cursor}`, most recent activity first."""
    rows = await repository.page(conn, user_id, before_sort, limit + 1)
    page = page_tail(rows, limit, lambda row: row["sort_id"])
    return {
        "notifications": await _present(conn, user_id, page.items, url_for),
        "unread_count": await repository.unread_count(conn, user_id),
        "next_cursor": page.next_cursor,
    }


async def newer_than(
    conn: AsyncConnection, user_id: int, after_sort: int | None, limit: int, url_for: UrlFor
) -> tuple[list[NotificationOutDict], int | None]:
    """The notifications with activity after `after_sort` (all of the newest `limit` when
    None), oldest first, and the newest sort position: what a stream has not shown yet."""
    rows = await repository.page(conn, user_id, None, limit)
    newest = int(rows[0]["sort_id"]) if rows else after_sort
    fresh = [row for row in reversed(rows) if after_sort is None or row["sort_id"] > after_sort]
    return await _present(conn, user_id, fresh, url_for), newest


async def mark_read(conn: AsyncConnection, user_id: int, ids: Sequence[int] | None) -> int:
    """Mark some (or all) notifications read; returns the unread count left."""
    await repository.mark_read(conn, user_id, ids, utcnow())
    return await repository.unread_count(conn, user_id)


async def _present(
    conn: AsyncConnection, user_id: int, rows: Sequence[NotificationRow], url_for: UrlFor
) -> list[NotificationOutDict]:
    """Rows to API objects: actors, post thumbnails and comment excerpts for the page in
    one query each. Hidden: actors across a block (nor counted), posts the recipient may
    no longer read (deleted, or their author went private or blocked the recipient) with
    everything about them, comments deleted since, and follow requests no longer pending
    (the worker tidies them up soon after)."""
    groups = await repository.latest_actors(
        conn, user_id, [row["id"] for row in rows], SHOWN_ACTORS
    )
    everyone = {actor for actors, _ in groups.values() for actor in actors}
    authors = await users_repo.get_authors(conn, everyone)
    post_ids = sorted({row["post_id"] for row in rows if row["post_id"] is not None})
    # Posts the recipient may still read: the author may have gone private or blocked
    # them since; a notification must not show its excerpt or thumbnail then.
    live_posts = await _readable_posts(conn, user_id, post_ids)
    thumbs = await media_repo.for_posts(conn, post_ids) if post_ids else {}
    excerpts = await _comment_texts(conn, [row["comment_id"] for row in rows if row["comment_id"]])
    pending = await _pending_requesters(conn, user_id, everyone)
    notices = await moderation_notices.describe_actions(
        conn, [moderation_notices.action_id(row["group_key"]) for row in rows]
    )
    result: list[NotificationOutDict] = []
    for row in rows:
        if row["kind"] in moderation_notices.KINDS:  # from the moderators, about your content
            notice = notices.get(moderation_notices.action_id(row["group_key"]))
            if notice is not None:
                result.append(moderation_notices.present(row, notice))
            continue
        actor_ids, actor_count = groups.get(row["id"], ([], 0))
        actors = [authors[a] for a in actor_ids if a in authors]
        if not actors:
            continue
        if row["post_id"] is not None and row["post_id"] not in live_posts:
            continue
        if row["comment_id"] is not None and row["comment_id"] not in excerpts:
            continue
        if row["kind"] == "follow_request" and actors[0]["id"] not in pending:
            continue
        post: NotifiedPostDict | None = None
        if row["post_id"] is not None:
            first = thumbs.get(row["post_id"], [])[:1]
            post = {
                "id": str(row["post_id"]),
                "thumb_url": thumb_url(first[0], url_for) if first else None,
            }
        comment_text = excerpts.get(row["comment_id"]) if row["comment_id"] else None
        result.append(
            {
                "id": str(row["id"]),
                "type": row["kind"],
                "actors": [present_author(actor, url_for) for actor in actors],
                "actor_count": actor_count,
                "post": post,
                "comment": (
                    {"id": str(row["comment_id"]), "text": comment_text}
                    if comment_text is not None
                    else None
                ),
                "text": describe(
                    row["kind"], [a["username"] for a in actors], actor_count, comment_text
                ),
                "read": row["read_at"] is not None,
                "created_at": isoformat(row["updated_at"]),
            }
        )
    return result


def describe(kind: str, names: list[str], count: int, comment: str | None) -> str:
    """The sentence a person reads: "alice and 12 others liked your post."."""
    if count <= 1 or len(names) < 2:
        who = names[0] if count <= 1 else f"{names[0]} and {_others(count - 1)}"
    elif count == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]}, {names[1]} and {_others(count - 2)}"
    excerpt = (comment or "")[:EXCERPT]
    sentences = {
        "like": f"{who} liked your post.",
        "comment": f"{who} commented: {excerpt}",
        "comment_like": f"{who} liked your comment: {excerpt}",
        "reply": f"{who} replied to your comment: {excerpt}",
        "mention": (
            f"{who} mentioned you in a comment: {excerpt}"
            if comment
            else f"{who} mentioned you in a post."
        ),
        "follow": f"{who} started following you.",
        "follow_request": f"{who} requested to follow you.",
        "follow_accepted": f"{who} accepted your follow request.",
        "post": f"{who} shared a new post.",
        "story": f"{who} shared a new story.",
    }
    return sentences.get(kind, f"{who} did something.")


def _others(n: int) -> str:
    return "1 other" if n == 1 else f"{n} others"


async def _readable_posts(conn: AsyncConnection, reader_id: int, ids: Sequence[int]) -> set[int]:
    """Which of these posts are live and readable by the reader (the one rule)."""
    if not ids:
        return set()
    query = select(posts.c.id).where(
        posts.c.id.in_(ids) & post_is_live(reader_id) & posts_readable_by(reader_id)
    )
    return set((await conn.execute(query)).scalars())


async def _comment_texts(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = select(comments.c.id, comments.c.text).where(
        comments.c.id.in_(sorted(set(ids))) & comment_is_live()
    )
    return {row.id: row.text for row in (await conn.execute(query)).all()}


async def _pending_requesters(conn: AsyncConnection, user_id: int, others: set[int]) -> set[int]:
    if not others:
        return set()
    query = select(follows.c.follower_id).where(
        (follows.c.followee_id == user_id)
        & (follows.c.status == "pending")
        & follows.c.follower_id.in_(sorted(others))
    )
    return set((await conn.execute(query)).scalars())
