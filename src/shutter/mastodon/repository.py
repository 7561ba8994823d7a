"""Reads the Mastodon entities need beyond what the features present: whole account rows
(counts, bio, privacy) for a set of users, the authors statuses answer, the public
timeline, and notifications one actor at a time."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, TypeVar, cast

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.comments.repository import COMMENT_COLUMNS, CommentRow, comment_row
from shutter.db.rows import typed_all, typed_one
from shutter.db.tables import comments, follows, notification_actors, notifications, posts, users
from shutter.posts.repository import POST_COLUMNS, PostRow, post_rows
from shutter.privacy.visibility import (
    account_suspended,
    blocked_either_way,
    comment_is_live,
    comment_shown_to,
    hidden_by_block,
    muted,
    post_is_live,
    posts_readable_by,
)
from shutter.users.repository import PROFILE_COLUMNS, ProfileColumnsRow


class AccountRow(ProfileColumnsRow):
    """What an Account is made of: the profile's columns, and the avatar's URL once the
    caller has resolved its key (mastodon/api.py)."""

    avatar_url: NotRequired[str | None]


async def account_rows(conn: AsyncConnection, user_ids: Iterable[int]) -> dict[int, AccountRow]:
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = (await conn.execute(select(*PROFILE_COLUMNS).where(users.c.id.in_(wanted)))).mappings()
    return {row["id"]: cast("AccountRow", dict(row)) for row in rows}


async def account_id_by_username(conn: AsyncConnection, username: str) -> int | None:
    found = await conn.execute(select(users.c.id).where(users.c.username == username.casefold()))
    user_id: int | None = found.scalar()
    return user_id


async def authors_of(
    conn: AsyncConnection, post_ids: Collection[int], comment_ids: Collection[int]
) -> dict[int, int]:
    """The authors of these posts and comments, by their id (ids are unique across both)."""
    found: dict[int, int] = {}
    if post_ids:
        query = select(posts.c.id, posts.c.author_id).where(posts.c.id.in_(sorted(post_ids)))
        found.update({row.id: row.author_id for row in (await conn.execute(query)).all()})
    if comment_ids:
        query = select(comments.c.id, comments.c.author_id).where(
            comments.c.id.in_(sorted(comment_ids))
        )
        found.update({row.id: row.author_id for row in (await conn.execute(query)).all()})
    return found


Listed = TypeVar("Listed")


@dataclass(frozen=True, slots=True)
class Window:
    """Mastodon's pagination: below `max_id`, above `since_id` (the newest of those) or
    above `min_id` (the oldest of those, just above it); always answered newest first."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None

    def apply(self, statement: Select[Any], column: Any, limit: int) -> Select[Any]:
        if self.max_id is not None:
            statement = statement.where(column < self.max_id)
        lowest = self.min_id if self.min_id is not None else self.since_id
        if lowest is not None:
            statement = statement.where(column > lowest)
        order = column.asc() if self.min_id is not None else column.desc()
        return statement.order_by(order).limit(limit)

    def newest_first(self, rows: Sequence[Listed]) -> list[Listed]:
        return list(reversed(rows)) if self.min_id is not None else list(rows)


async def public_timeline(
    conn: AsyncConnection, viewer_id: int | None, window: Window, limit: int
) -> list[PostRow]:
    """Live posts of public accounts, newest first, leaving out accounts in a block with
    the viewer and those whose posts the viewer muted (as the home feed and Reels do)."""
    condition: ColumnElement[bool] = post_is_live(viewer_id) & posts_readable_by(None)
    condition = condition & ~hidden_by_block(viewer_id, posts.c.author_id)
    if viewer_id is not None:
        condition = condition & ~muted(viewer_id, posts.c.author_id, "posts")
    statement = window.apply(select(*POST_COLUMNS).where(condition), posts.c.id, limit)
    return window.newest_first(post_rows(await conn.execute(statement)))


async def posts_among(
    conn: AsyncConnection, viewer_id: int | None, statement: Select[Any], window: Window, limit: int
) -> list[PostRow]:
    """Live posts the viewer may read whose ids `statement` selects, newest first."""
    condition = posts.c.id.in_(statement) & post_is_live(viewer_id) & posts_readable_by(viewer_id)
    query = window.apply(select(*POST_COLUMNS).where(condition), posts.c.id, limit)
    return window.newest_first(post_rows(await conn.execute(query)))


async def readable_posts(
    conn: AsyncConnection, viewer_id: int, post_ids: Collection[int]
) -> list[PostRow]:
    if not post_ids:
        return []
    condition = (
        posts.c.id.in_(sorted(post_ids)) & post_is_live(viewer_id) & posts_readable_by(viewer_id)
    )
    return post_rows(await conn.execute(select(*POST_COLUMNS).where(condition)))


async def shown_comments(
    conn: AsyncConnection, viewer_id: int, comment_ids: Collection[int]
) -> list[CommentRow]:
    """Live comments shown to the viewer, in no block with the viewer."""
    if not comment_ids:
        return []
    query = select(*COMMENT_COLUMNS).where(
        comments.c.id.in_(sorted(comment_ids))
        & comment_is_live()
        & comment_shown_to(viewer_id)
        & ~hidden_by_block(viewer_id, comments.c.author_id)
    )
    return [comment_row(row) for row in (await conn.execute(query)).mappings()]


# Shutter's notification kinds shown on this API, and the Mastodon type of each.
NOTIFICATION_TYPES = {
    "like": "favourite",
    "comment_like": "favourite",
    "comment": "mention",
    "reply": "mention",
    "mention": "mention",
    "follow": "follow",
    "follow_request": "follow_request",
    "post": "status",
}


class NotificationActorRow(TypedDict):
    """One actor of one of the user's notifications: a Mastodon Notification."""

    id: int
    actor_id: int
    group_id: int
    kind: str
    post_id: int | None
    comment_id: int | None


def _notifications_of(user_id: int) -> Select[Any]:
    """Every actor of the user's notifications one may show: kinds this API maps, actors
    in no block with the user and not suspended, about no post or one the user may read,
    no comment or a live one, and follow requests still pending (as Shutter's own list)."""
    group, actor = notifications, notification_actors.c.actor_id
    post_readable = group.c.post_id.is_(None) | exists().where(
        (posts.c.id == group.c.post_id) & post_is_live(user_id) & posts_readable_by(user_id)
    )
    comment_live = group.c.comment_id.is_(None) | exists().where(
        (comments.c.id == group.c.comment_id) & comment_is_live()
    )
    still_pending = (group.c.kind != "follow_request") | exists().where(
        (follows.c.follower_id == actor)
        & (follows.c.followee_id == user_id)
        & (follows.c.status == "pending")
    )
    return (
        select(
            notification_actors.c.id,
            actor,
            group.c.id.label("group_id"),
            group.c.kind,
            group.c.post_id,
            group.c.comment_id,
        )
        .select_from(
            notification_actors.join(group, group.c.id == notification_actors.c.notification_id)
        )
        .where(
            (group.c.user_id == user_id)
            & group.c.kind.in_(sorted(NOTIFICATION_TYPES))
            & ~blocked_either_way(user_id, actor)
            & ~account_suspended(actor)
            & post_readable
            & comment_live
            & still_pending
        )
    )


async def notification_page(
    conn: AsyncConnection,
    user_id: int,
    kinds: Collection[str],
    account_id: int | None,
    window: Window,
    limit: int,
) -> list[NotificationActorRow]:
    """One row per actor of the user's notifications of these kinds, newest first."""
    statement = _notifications_of(user_id).where(notifications.c.kind.in_(sorted(kinds)))
    if account_id is not None:
        statement = statement.where(notification_actors.c.actor_id == account_id)
    statement = window.apply(statement, notification_actors.c.id, limit)
    return window.newest_first(typed_all(await conn.execute(statement), NotificationActorRow))


async def unread_notification_count(
    conn: AsyncConnection, user_id: int, kinds: Collection[str], after_id: int, limit: int
) -> int:
    """How many of the user's notifications of these kinds (one per actor, as listed) are
    newer than `after_id` (the notifications marker), counting up to `limit`."""
    shown = (
        _notifications_of(user_id)
        .where(notifications.c.kind.in_(sorted(kinds)) & (notification_actors.c.id > after_id))
        .limit(limit)
        .subquery()
    )
    counted = await conn.scalar(select(func.count()).select_from(shown))
    return int(counted or 0)


async def notification_item(
    conn: AsyncConnection, user_id: int, item_id: int
) -> NotificationActorRow | None:
    statement = _notifications_of(user_id).where(notification_actors.c.id == item_id)
    return typed_one(await conn.execute(statement), NotificationActorRow)
