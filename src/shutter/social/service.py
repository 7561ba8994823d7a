"""Likes and comments: who may do what, counts kept in step, events for notifications."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.db.tables import posts
from shutter.errors import Forbidden, NotFound
from shutter.events import outbox
from shutter.events.types import COMMENT_CREATED, COMMENT_DELETED, POST_LIKED, POST_UNLIKED
from shutter.pagination import make_cursor
from shutter.posts.service import readable_post
from shutter.social import repository
from shutter.social.entities import hashtags, mentions
from shutter.timeutil import isoformat, utcnow
from shutter.users import repository as users_repo
from shutter.users.service import UrlFor, present_author, present_profile


async def _like_count(conn: AsyncConnection, post_id: int) -> int:
    query = select(posts.c.like_count).where(posts.c.id == post_id)
    return int((await conn.execute(query)).scalar_one())


async def like(
    context: AppContext, conn: AsyncConnection, user_id: int, post_id: int
) -> dict[str, Any]:
    """Like a post the user may see (idempotent). Returns `{liked, like_count}`."""
    post = await readable_post(conn, user_id, post_id)
    if await repository.insert_like(conn, post_id, user_id, context.ids.next_id(), utcnow()):
        await repository.add_to_post_counter(conn, post_id, "like_count", 1)
        await outbox.record(
            conn,
            context.ids,
            POST_LIKED,
            {"post_id": post_id, "user_id": user_id, "author_id": post["author_id"]},
        )
    return {"liked": True, "like_count": await _like_count(conn, post_id)}


async def unlike(
    context: AppContext, conn: AsyncConnection, user_id: int, post_id: int
) -> dict[str, Any]:
    """Withdraw a like (idempotent)."""
    post = await readable_post(conn, user_id, post_id)
    if await repository.delete_like(conn, post_id, user_id):
        await repository.add_to_post_counter(conn, post_id, "like_count", -1)
        await outbox.record(
            conn,
            context.ids,
            POST_UNLIKED,
            {"post_id": post_id, "user_id": user_id, "author_id": post["author_id"]},
        )
    return {"liked": False, "like_count": await _like_count(conn, post_id)}


async def list_likers(
    conn: AsyncConnection,
    viewer_id: int | None,
    post_id: int,
    before_id: int | None,
    limit: int,
    url_for: UrlFor,
) -> dict[str, Any]:
    """Who liked a post, most recent first."""
    await readable_post(conn, viewer_id, post_id)
    pairs = await repository.page_likers(conn, post_id, before_id, limit + 1, viewer_id)
    page = pairs[:limit]
    profiles = await users_repo.get_profiles(conn, [user_id for _, user_id in page])
    return {
        "users": [present_profile(row, url_for) for row in profiles],
        "next_cursor": make_cursor(page[-1][0]) if len(pairs) > limit and page else None,
    }


async def create_comment(
    context: AppContext,
    conn: AsyncConnection,
    author_id: int,
    post_id: int,
    text: str,
    parent_id: int | None,
    url_for: UrlFor,
) -> dict[str, Any]:
    """Comment on a post the author may see, or reply to one of its comments. A reply to
    a reply joins the same thread: replies are one level deep, as on Instagram."""
    post = await readable_post(conn, author_id, post_id)
    parent = None
    if parent_id is not None:
        parent = await repository.get_comment(conn, parent_id)
        if parent is None or parent["post_id"] != post_id:
            raise NotFound("No such comment on this post.", code="comment_not_found")
        if parent["parent_id"] is not None:
            parent = await repository.get_comment(conn, parent["parent_id"])
            if parent is None:
                raise NotFound("No such comment on this post.", code="comment_not_found")
    comment_id = context.ids.next_id()
    now = utcnow()
    values = {
        "id": comment_id,
        "post_id": post_id,
        "author_id": author_id,
        "parent_id": parent["id"] if parent else None,
        "text": text,
        "created_at": now,
    }
    await repository.insert_comment(conn, values)
    await repository.attach_comment_hashtags(conn, values, hashtags(text))
    await repository.add_to_post_counter(conn, post_id, "comment_count", 1)
    if parent is not None:
        await repository.add_to_reply_count(conn, parent["id"], 1)
    await outbox.record(
        conn,
        context.ids,
        COMMENT_CREATED,
        {
            "comment_id": comment_id,
            "post_id": post_id,
            "author_id": author_id,
            "post_author_id": post["author_id"],
            "parent_author_id": parent["author_id"] if parent else None,
        },
    )
    row = await repository.get_comment(conn, comment_id)
    assert row is not None  # written above, in this transaction
    (comment,) = await present_comments(conn, [row], url_for)
    return comment


async def delete_comment(
    context: AppContext, conn: AsyncConnection, viewer_id: int, comment_id: int
) -> None:
    """Delete a comment (with its replies): its author or the post's author may."""
    comment = await repository.get_comment(conn, comment_id)
    if comment is None:
        raise NotFound("No such comment.", code="comment_not_found")
    try:
        post = await readable_post(conn, viewer_id, comment["post_id"])
    except NotFound:
        raise NotFound("No such comment.", code="comment_not_found") from None
    if viewer_id not in (comment["author_id"], post["author_id"]):
        raise Forbidden(
            "Only the comment's author or the post's author can delete it.",
            code="not_your_comment",
        )
    now = utcnow()
    if not await repository.mark_comment_deleted(conn, comment_id, now):
        return
    removed = [comment_id]
    if comment["parent_id"] is None:
        removed += await repository.mark_replies_deleted(conn, comment_id, now)
    else:
        await repository.add_to_reply_count(conn, comment["parent_id"], -1)
    await repository.detach_comment_hashtags(conn, removed)
    await repository.add_to_post_counter(conn, comment["post_id"], "comment_count", -len(removed))
    await outbox.record(
        conn,
        context.ids,
        COMMENT_DELETED,
        {"comment_ids": removed, "post_id": comment["post_id"]},
    )


async def list_comments(
    conn: AsyncConnection,
    viewer_id: int | None,
    post_id: int,
    after_id: int | None,
    limit: int,
    url_for: UrlFor,
) -> dict[str, Any]:
    """Top-level comments of a post, oldest first, each with its reply count."""
    await readable_post(conn, viewer_id, post_id)
    rows = await repository.page_comments(conn, post_id, None, after_id, limit + 1, viewer_id)
    return await _page(conn, rows, limit, url_for)


async def list_replies(
    conn: AsyncConnection,
    viewer_id: int | None,
    comment_id: int,
    after_id: int | None,
    limit: int,
    url_for: UrlFor,
) -> dict[str, Any]:
    """Replies to a top-level comment, oldest first."""
    parent = await repository.get_comment(conn, comment_id)
    if parent is None:
        raise NotFound("No such comment.", code="comment_not_found")
    try:
        await readable_post(conn, viewer_id, parent["post_id"])
    except NotFound:
        raise NotFound("No such comment.", code="comment_not_found") from None
    rows = await repository.page_comments(
        conn, parent["post_id"], comment_id, after_id, limit + 1, viewer_id
    )
    return await _page(conn, rows, limit, url_for)


async def _page(
    conn: AsyncConnection, rows: Sequence[RowMapping], limit: int, url_for: UrlFor
) -> dict[str, Any]:
    page = rows[:limit]
    return {
        "comments": await present_comments(conn, page, url_for),
        "next_cursor": make_cursor(page[-1]["id"]) if len(rows) > limit and page else None,
    }


async def present_comments(
    conn: AsyncConnection, rows: Sequence[RowMapping], url_for: UrlFor
) -> list[dict[str, Any]]:
    """Comment rows to API objects, with their authors fetched in one query."""
    authors = await users_repo.get_authors(conn, {row["author_id"] for row in rows})
    return [
        {
            "id": str(row["id"]),
            "post_id": str(row["post_id"]),
            "parent_id": str(row["parent_id"]) if row["parent_id"] else None,
            "author": present_author(authors[row["author_id"]], url_for),
            "text": row["text"],
            "hashtags": hashtags(row["text"]),
            "mentions": mentions(row["text"]),
            "reply_count": row["reply_count"],
            "created_at": isoformat(row["created_at"]),
        }
        for row in rows
        if row["author_id"] in authors
    ]
