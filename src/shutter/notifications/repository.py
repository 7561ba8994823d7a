"""Queries on notifications and their actors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

from sqlalchemy import RowMapping, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in, insert_or_ignore
from shutter.db.tables import notification_actors, notifications, posts
from shutter.ids import IdGenerator
from shutter.privacy.visibility import blocked_either_way, post_is_live, posts_readable_by


async def _group_id(conn: AsyncConnection, user_id: int, group_key: str) -> int | None:
    query = select(notifications.c.id).where(
        (notifications.c.user_id == user_id) & (notifications.c.group_key == group_key)
    )
    return (await conn.execute(query)).scalar_one_or_none()


async def add_actor(
    conn: AsyncConnection,
    ids: IdGenerator,
    user_id: int,
    kind: str,
    group_key: str,
    actor_id: int,
    now: datetime,
    post_id: int | None = None,
    comment_id: int | None = None,
) -> bool:
    """Add an actor to the recipient's notification group, creating it; new activity
    moves the group to the top and marks it unread. False if the actor was already in it
    (a redelivered event changes nothing)."""
    new_id = ids.next_id()
    await conn.execute(
        insert_or_ignore(conn, notifications, ["user_id", "group_key"]).values(
            id=new_id,
            user_id=user_id,
            kind=kind,
            group_key=group_key,
            post_id=post_id,
            comment_id=comment_id,
            actor_count=0,
            sort_id=new_id,
            created_at=now,
            updated_at=now,
        )
    )
    group_id = await _group_id(conn, user_id, group_key)
    assert group_id is not None  # inserted above or already there
    added = await conn.execute(
        insert_or_ignore(conn, notification_actors, ["notification_id", "actor_id"])
        .values(notification_id=group_id, actor_id=actor_id, id=ids.next_id())
        .returning(notification_actors.c.id)
    )
    if added.first() is None:
        return False
    await conn.execute(
        update(notifications)
        .where(notifications.c.id == group_id)
        .values(
            actor_count=notifications.c.actor_count + 1,
            sort_id=ids.next_id(),
            read_at=None,
            updated_at=now,
        )
    )
    return True


async def remove_actor(conn: AsyncConnection, user_id: int, group_key: str, actor_id: int) -> None:
    """Withdraw an actor from a group; the group goes when its last actor does."""
    group_id = await _group_id(conn, user_id, group_key)
    if group_id is None:
        return
    removed = await conn.execute(
        delete(notification_actors).where(
            (notification_actors.c.notification_id == group_id)
            & (notification_actors.c.actor_id == actor_id)
        )
    )
    if removed.rowcount == 0:
        return
    await conn.execute(
        update(notifications)
        .where(notifications.c.id == group_id)
        .values(actor_count=notifications.c.actor_count - 1)
    )
    await conn.execute(
        delete(notifications).where(
            (notifications.c.id == group_id) & (notifications.c.actor_count <= 0)
        )
    )


async def delete_where(
    conn: AsyncConnection, *, post_id: int | None = None, comment_ids: Sequence[int] = ()
) -> None:
    """Remove every notification about a deleted post or deleted comments."""
    if post_id is not None:
        condition = notifications.c.post_id == post_id
    else:
        condition = id_in(conn, notifications.c.comment_id, list(comment_ids))
    doomed = list((await conn.execute(select(notifications.c.id).where(condition))).scalars())
    if doomed:
        await conn.execute(
            delete(notification_actors).where(notification_actors.c.notification_id.in_(doomed))
        )
        await conn.execute(delete(notifications).where(notifications.c.id.in_(doomed)))


NOTIFICATION_COLUMNS = (
    notifications.c.id,
    notifications.c.kind,
    notifications.c.group_key,
    notifications.c.post_id,
    notifications.c.comment_id,
    notifications.c.actor_count,
    notifications.c.sort_id,
    notifications.c.read_at,
    notifications.c.updated_at,
)


class NotificationRow(TypedDict):
    """A notification group (NOTIFICATION_COLUMNS): one kind of activity on one thing,
    its actors counted in `actor_count`, `sort_id` moved up by the latest activity."""

    id: int
    kind: str
    group_key: str
    post_id: int | None
    comment_id: int | None
    actor_count: int
    sort_id: int
    read_at: datetime | None
    updated_at: datetime


def notification_row(row: RowMapping) -> NotificationRow:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "group_key": row["group_key"],
        "post_id": row["post_id"],
        "comment_id": row["comment_id"],
        "actor_count": row["actor_count"],
        "sort_id": row["sort_id"],
        "read_at": row["read_at"],
        "updated_at": row["updated_at"],
    }


async def page(
    conn: AsyncConnection, user_id: int, before_sort: int | None, limit: int
) -> list[NotificationRow]:
    """The recipient's notifications, most recent activity first."""
    query = select(*NOTIFICATION_COLUMNS).where(notifications.c.user_id == user_id)
    if before_sort is not None:
        query = query.where(notifications.c.sort_id < before_sort)
    query = query.order_by(notifications.c.sort_id.desc()).limit(limit)
    return [notification_row(row) for row in (await conn.execute(query)).mappings()]


async def latest_actors(
    conn: AsyncConnection, recipient_id: int, group_ids: Sequence[int], per_group: int
) -> dict[int, tuple[list[int], int]]:
    """Per group, its most recent actors (newest first, at most `per_group`) and how many
    actors it has, both leaving out anyone in a block with the recipient, in one query:
    a blocked person neither shows nor counts, nor pushes the others out of sight."""
    if not group_ids:
        return {}
    group = notification_actors.c.notification_id
    position = func.row_number().over(partition_by=group, order_by=notification_actors.c.id.desc())
    ranked = (
        select(
            group,
            notification_actors.c.actor_id,
            position.label("position"),
            func.count().over(partition_by=group).label("shown"),
        )
        .where(
            id_in(conn, group, list(group_ids))
            & ~blocked_either_way(recipient_id, notification_actors.c.actor_id)
        )
        .subquery()
    )
    query = (
        select(ranked.c.notification_id, ranked.c.actor_id, ranked.c.shown)
        .where(ranked.c.position <= per_group)
        .order_by(ranked.c.notification_id, ranked.c.position)
    )
    actors: dict[int, tuple[list[int], int]] = {}
    for row in (await conn.execute(query)).all():
        actors.setdefault(row.notification_id, ([], row.shown))[0].append(row.actor_id)
    return actors


async def unread_count(conn: AsyncConnection, user_id: int) -> int:
    """Unread notifications with at least one actor outside a block with the user, about
    no post or a post the user may still read (the badge counts what the list shows)."""
    someone_visible = (
        select(notification_actors.c.id)
        .where(
            (notification_actors.c.notification_id == notifications.c.id)
            & ~blocked_either_way(user_id, notification_actors.c.actor_id)
        )
        .exists()
    )
    post_readable = notifications.c.post_id.is_(None) | (
        exists().where(
            (posts.c.id == notifications.c.post_id)
            & post_is_live(user_id)
            & posts_readable_by(user_id)
        )
    )
    query = select(func.count()).where(
        (notifications.c.user_id == user_id)
        & notifications.c.read_at.is_(None)
        & someone_visible
        & post_readable
    )
    return int((await conn.execute(query)).scalar_one())


async def mark_read(
    conn: AsyncConnection, user_id: int, group_ids: Sequence[int] | None, now: datetime
) -> None:
    """Mark the given notifications (all when None) read."""
    condition = (notifications.c.user_id == user_id) & notifications.c.read_at.is_(None)
    if group_ids is not None:
        condition = condition & notifications.c.id.in_(list(group_ids))
    await conn.execute(update(notifications).where(condition).values(read_at=now))


async def dismiss_actor(conn: AsyncConnection, user_id: int, item_id: int) -> bool:
    """Withdraw one actor (by the id of its `notification_actors` row) from one of the
    user's notifications, as `remove_actor` does; False if the user has no such row."""
    query = (
        select(notifications.c.group_key, notification_actors.c.actor_id)
        .select_from(
            notification_actors.join(
                notifications, notifications.c.id == notification_actors.c.notification_id
            )
        )
        .where((notifications.c.user_id == user_id) & (notification_actors.c.id == item_id))
    )
    found = (await conn.execute(query)).first()
    if found is None:
        return False
    await remove_actor(conn, user_id, found.group_key, found.actor_id)
    return True


async def clear(conn: AsyncConnection, user_id: int) -> None:
    """Delete every notification of the user."""
    doomed = select(notifications.c.id).where(notifications.c.user_id == user_id)
    await conn.execute(
        delete(notification_actors).where(notification_actors.c.notification_id.in_(doomed))
    )
    await conn.execute(delete(notifications).where(notifications.c.user_id == user_id))
