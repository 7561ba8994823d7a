"""Comments and replies: who may write and delete what, counts kept in step, events
for notifications."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.comments import repository
from shutter.comments.presenters import (
    CommentFiltersDict,
    CommentLikeStateDict,
    CommentOutDict,
    CommentPageDict,
    PinStateDict,
    present_comments,
)
from shutter.comments.repository import CommentRow
from shutter.context import AppContext
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Forbidden, InvalidInput, NotFound
from shutter.events.types import CommentCreated, CommentDeleted, CommentLiked, CommentUnliked
from shutter.pagination import make_cursor, page_tail
from shutter.posts import counters
from shutter.posts.repository import PostRow
from shutter.posts.service import readable_post
from shutter.privacy.visibility import is_approved_follower
from shutter.tags import repository as tags_repo
from shutter.tags.entities import hashtags
from shutter.timeutil import utcnow
from shutter.users.service import UrlFor


async def create_comment(
    context: AppContext,
    uow: UnitOfWork,
    author_id: int,
    post_id: int,
    text: str,
    parent_id: int | None,
    url_for: UrlFor,
) -> CommentOutDict:
    """Comment on a post the author may see, or reply to one of its comments. A reply to
    a reply joins the same thread: replies are one level deep, as on Instagram."""
    conn = uow.conn
    post = await readable_post(conn, author_id, post_id)
    if not post["comments_enabled"]:  # the post's author too; earlier comments stay
        raise Forbidden("Comments are turned off for this post.", code="comments_disabled")
    filters = await repository.get_filters(conn, post["author_id"])
    if (
        filters.followers_only
        and author_id != post["author_id"]
        and not await is_approved_follower(conn, author_id, post["author_id"])
    ):
        raise Forbidden(
            "Only the people who follow this account can comment on its posts.",
            code="comments_followers_only",
        )
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
        # The post author's own comments are never filtered.
        "hidden_by_filter": author_id != post["author_id"] and matches_any(text, filters.words),
    }
    await repository.insert_comment(conn, values)
    await tags_repo.attach_comment_hashtags(conn, values, hashtags(text))
    await counters.add_to_post_counter(conn, post_id, "comment_count", 1)
    if parent is not None:
        await repository.add_to_reply_count(conn, parent["id"], 1)
    await uow.record(
        CommentCreated(
            comment_id=comment_id,
            post_id=post_id,
            author_id=author_id,
            post_author_id=post["author_id"],
            parent_author_id=parent["author_id"] if parent else None,
        )
    )
    row = await repository.get_comment(conn, comment_id)
    assert row is not None  # written above, in this transaction
    (comment,) = await present_comments(conn, [row], url_for, author_id)
    return comment


async def delete_comment(
    context: AppContext, uow: UnitOfWork, viewer_id: int, comment_id: int
) -> None:
    """Delete a comment (with its replies): its author or the post's author may."""
    conn = uow.conn
    found = await repository.get_comment(conn, comment_id)
    comment, post = await _with_readable_post(conn, viewer_id, found)
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
        await repository.clear_pinned_comment(conn, comment["post_id"], comment_id)
        removed += await repository.mark_replies_deleted(conn, comment_id, now)
    else:
        await repository.add_to_reply_count(conn, comment["parent_id"], -1)
    await tags_repo.detach_comment_hashtags(conn, removed)
    await counters.add_to_post_counter(conn, comment["post_id"], "comment_count", -len(removed))
    await uow.record(CommentDeleted(comment_ids=tuple(removed), post_id=comment["post_id"]))


async def list_comments(
    conn: AsyncConnection,
    viewer_id: int | None,
    post_id: int,
    after_id: int | None,
    limit: int,
    url_for: UrlFor,
) -> CommentPageDict:
    """Top-level comments of a post, oldest first, each with its reply count. The comment
    its author pinned (if the viewer may see it) opens the first page, marked `pinned`,
    and is left out of every page after it."""
    await readable_post(conn, viewer_id, post_id)
    pinned_id = await repository.pinned_comment_id(conn, post_id)
    pinned = None
    if pinned_id is not None and after_id is None:
        pinned = await repository.get_shown_comment(conn, pinned_id, viewer_id)
    room = limit - 1 if pinned is not None else limit
    rows = await repository.page_comments(
        conn, post_id, None, after_id, room + 1, viewer_id, leave_out=pinned_id
    )
    page = rows[:room]
    if len(rows) > room:
        # With room for the pin alone, the next page starts before the first comment.
        next_cursor = make_cursor(page[-1]["id"] if page else rows[0]["id"] - 1)
    else:
        next_cursor = None
    shown = [pinned, *page] if pinned is not None else page
    return {
        "comments": await present_comments(conn, shown, url_for, viewer_id, pinned_id),
        "next_cursor": next_cursor,
    }


async def list_replies(
    conn: AsyncConnection,
    viewer_id: int | None,
    comment_id: int,
    after_id: int | None,
    limit: int,
    url_for: UrlFor,
) -> CommentPageDict:
    """Replies to a top-level comment, oldest first."""
    found = await repository.get_comment(conn, comment_id)
    parent, post = await _with_readable_post(conn, viewer_id, found)
    if parent["hidden_by_filter"] and viewer_id not in (parent["author_id"], post["author_id"]):
        raise NotFound("No such comment.", code="comment_not_found")
    rows = await repository.page_comments(
        conn, parent["post_id"], comment_id, after_id, limit + 1, viewer_id
    )
    return await _page(conn, rows, limit, url_for, viewer_id)


async def _page(
    conn: AsyncConnection,
    rows: Sequence[CommentRow],
    limit: int,
    url_for: UrlFor,
    viewer_id: int | None,
) -> CommentPageDict:
    page = page_tail(rows, limit, lambda row: row["id"])
    return {
        "comments": await present_comments(conn, page.items, url_for, viewer_id),
        "next_cursor": page.next_cursor,
    }


# -- likes and the pin ------------------------------------------------------------------


async def shown_comment(
    conn: AsyncConnection, viewer_id: int | None, comment_id: int
) -> tuple[CommentRow, PostRow]:
    """The comment and its post, if the viewer may see both (the one visibility rule: the
    post readable, the comment live, in no block with the viewer and not hidden from them
    by a filter); `404 comment_not_found` otherwise, whatever the reason."""
    found = await repository.get_shown_comment(conn, comment_id, viewer_id)
    return await _with_readable_post(conn, viewer_id, found)


async def _with_readable_post(
    conn: AsyncConnection, viewer_id: int | None, comment: CommentRow | None
) -> tuple[CommentRow, PostRow]:
    """The comment found and its post, if the viewer may read the post; else the same
    `404 comment_not_found` as for a comment that never was."""
    if comment is None:
        raise NotFound("No such comment.", code="comment_not_found")
    try:
        post = await readable_post(conn, viewer_id, comment["post_id"])
    except NotFound:
        raise NotFound("No such comment.", code="comment_not_found") from None
    return comment, post


async def like_comment(
    context: AppContext, uow: UnitOfWork, user_id: int, comment_id: int
) -> CommentLikeStateDict:
    """Like a comment the user may see (idempotent). Returns `{liked, like_count}`."""
    return await _set_comment_like(context, uow, user_id, comment_id, liked=True)


async def unlike_comment(
    context: AppContext, uow: UnitOfWork, user_id: int, comment_id: int
) -> CommentLikeStateDict:
    """Withdraw a like from a comment (idempotent). Returns `{liked, like_count}`."""
    return await _set_comment_like(context, uow, user_id, comment_id, liked=False)


async def _set_comment_like(
    context: AppContext, uow: UnitOfWork, user_id: int, comment_id: int, *, liked: bool
) -> CommentLikeStateDict:
    """Add or withdraw the like; the count moves (atomically) and the event is recorded
    only when the like changed, so a double tap counts once."""
    conn = uow.conn
    comment, post = await shown_comment(conn, user_id, comment_id)
    if liked:
        like_id = context.ids.next_id()
        changed = await repository.insert_comment_like(conn, comment_id, user_id, like_id, utcnow())
    else:
        changed = await repository.delete_comment_like(conn, comment_id, user_id)
    if not changed:
        return {"liked": liked, "like_count": await repository.like_count(conn, comment_id)}
    count = await repository.add_to_like_count(conn, comment_id, 1 if liked else -1)
    event = CommentLiked if liked else CommentUnliked
    await uow.record(
        event(
            comment_id=comment_id,
            post_id=post["id"],
            user_id=user_id,
            author_id=comment["author_id"],
        )
    )
    return {"liked": liked, "like_count": count}


async def _own_post_comment(conn: AsyncConnection, viewer_id: int, comment_id: int) -> CommentRow:
    """A comment the viewer may see, on the viewer's own post (else 403 `not_your_post`)."""
    comment, post = await shown_comment(conn, viewer_id, comment_id)
    if post["author_id"] != viewer_id:
        raise Forbidden("Only the post's author can pin a comment.", code="not_your_post")
    return comment


async def pin_comment(conn: AsyncConnection, viewer_id: int, comment_id: int) -> PinStateDict:
    """Pin a top-level comment on your own post, in place of the pin before (idempotent)."""
    comment = await _own_post_comment(conn, viewer_id, comment_id)
    if comment["parent_id"] is not None:
        raise InvalidInput("A reply cannot be pinned; pin its thread.", code="reply_not_pinnable")
    await repository.set_pinned_comment(conn, comment["post_id"], comment_id)
    return {"pinned": True}


async def unpin_comment(conn: AsyncConnection, viewer_id: int, comment_id: int) -> PinStateDict:
    """Unpin the comment from your own post (idempotent: a comment not pinned stays so)."""
    comment = await _own_post_comment(conn, viewer_id, comment_id)
    await repository.clear_pinned_comment(conn, comment["post_id"], comment_id)
    return {"pinned": False}


# -- comment filters -----------------------------------------------------------------------


def matches_any(text: str, words: Sequence[str]) -> bool:
    """Does the text contain one of the (case-folded) words or phrases as whole words?"""
    if not words:
        return False
    folded = text.casefold()
    return any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded) for word in words)


async def get_filters(conn: AsyncConnection, user_id: int) -> CommentFiltersDict:
    found = await repository.get_filters(conn, user_id)
    return {"words": found.words, "followers_only": found.followers_only}


async def put_filters(
    conn: AsyncConnection, user_id: int, words: Sequence[str], followers_only: bool
) -> CommentFiltersDict:
    """Replace the account's comment filters; words are kept case-folded, once each. They
    apply to comments written from now on (earlier ones keep their state)."""
    unique = list(dict.fromkeys(word.casefold() for word in words))
    await repository.put_filters(conn, user_id, unique, followers_only, utcnow())
    return {"words": unique, "followers_only": followers_only}
