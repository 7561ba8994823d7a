"""Queries of trust and safety: roles, suspensions, takedowns, reports, the audit log and
appeals. The only place that writes SQL for these tables and columns."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypedDict

import orjson
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.rows import typed_all, typed_one
from shutter.db.sql import dialect_insert, insert_or_ignore
from shutter.db.tables import (
    appeals,
    comments,
    conversation_members,
    media,
    messages,
    moderation_actions,
    posts,
    reports,
    stories,
    users,
    withheld_media_keys,
)
from shutter.media.repository import MediaRow, media_row


class ReportRow(TypedDict):
    """A report (`reports`): by a person (`reporter_id`) or by the system (`source`)."""

    id: int
    reporter_id: int | None
    source: str
    target_type: str
    target_id: int
    target_owner_id: int
    reason: str
    comment: str
    status: str
    action_id: int | None
    created_at: datetime
    resolved_at: datetime | None


class ActionRow(TypedDict):
    """An entry of the audit log (`moderation_actions`); `actor_id` None: the system."""

    id: int
    actor_id: int | None
    action: str
    target_type: str
    target_id: int
    target_owner_id: int
    reason: str
    until: datetime | None
    created_at: datetime


class AppealRow(TypedDict):
    """An appeal against an action (`appeals`)."""

    id: int
    action_id: int
    appellant_id: int
    text: str
    status: str
    created_at: datetime
    resolved_at: datetime | None


class RoleHolder(NamedTuple):
    """An account and its role (`set_role`)."""

    id: int
    username: str
    role: str


class TargetRow(NamedTuple):
    """A reported or acted-on target's owner and state, whatever its state; the fields its
    type does not have are None: an account's `username` and `suspended_at`; a post's,
    comment's or story's `removed_at` and `deleted_at`; a post's `caption` and `sensitive`;
    a comment's `post_id` and `text`; a story's `media_id`; a message's `conversation_id`
    and `content`."""

    owner_id: int
    username: str | None = None
    suspended_at: datetime | None = None
    removed_at: datetime | None = None
    deleted_at: datetime | None = None
    caption: str | None = None
    sensitive: bool | None = None
    post_id: int | None = None
    text: str | None = None
    media_id: int | None = None
    conversation_id: int | None = None
    content: str | None = None


class TargetMediaRow(TypedDict):
    """A media object of a target (`media_of`): its API fields and its screening."""

    media: MediaRow
    screening: str | None
    screening_score: float | None


class QueueGroup(NamedTuple):
    """The reports on one target (`queue_page`): how many, the first and the last."""

    target_type: str
    target_id: int
    target_owner_id: int
    report_count: int
    last_id: int


# --- accounts: roles and suspensions -------------------------------------------------


async def user_by_username(conn: AsyncConnection, username: str) -> RoleHolder | None:
    query = select(users.c.id, users.c.username, users.c.role).where(
        users.c.username == username.lower()
    )
    return typed_one(await conn.execute(query), RoleHolder)


async def role_of(conn: AsyncConnection, user_id: int) -> str | None:
    query = select(users.c.role).where(users.c.id == user_id)
    role: str | None = (await conn.execute(query)).scalar_one_or_none()
    return role


async def set_role(conn: AsyncConnection, user_id: int, role: str) -> None:
    await conn.execute(update(users).where(users.c.id == user_id).values(role=role))


async def suspend(
    conn: AsyncConnection, user_id: int, now: datetime, until: datetime | None
) -> int:
    """Suspend, bumping the token version (every token of the account stops working);
    returns the new version."""
    statement = (
        update(users)
        .where(users.c.id == user_id)
        .values(
            suspended_at=now,
            suspended_until=until,
            token_version=users.c.token_version + 1,
            updated_at=now,
        )
        .returning(users.c.token_version)
    )
    version: int = (await conn.execute(statement)).scalar_one()
    return version


async def unsuspend(conn: AsyncConnection, user_id: int) -> bool:
    statement = (
        update(users)
        .where((users.c.id == user_id) & users.c.suspended_at.is_not(None))
        .values(suspended_at=None, suspended_until=None)
    )
    return (await conn.execute(statement)).rowcount == 1


async def ended_suspensions(conn: AsyncConnection, now: datetime, limit: int) -> list[int]:
    query = (
        select(users.c.id)
        .where(users.c.suspended_at.is_not(None) & (users.c.suspended_until <= now))
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())


# --- targets ----------------------------------------------------------------------------

_REMOVABLE: dict[str, Table] = {"post": posts, "comment": comments, "story": stories}


async def target_row(conn: AsyncConnection, target_type: str, target_id: int) -> TargetRow | None:
    """The target's owner and state, whatever its state (deleted, removed, suspended)."""
    if target_type == "user":
        query: Any = select(
            users.c.id.label("owner_id"),
            users.c.suspended_at,
            users.c.username,
        ).where(users.c.id == target_id)
    elif target_type == "post":
        query = select(
            posts.c.author_id.label("owner_id"),
            posts.c.removed_at,
            posts.c.deleted_at,
            posts.c.sensitive,
            posts.c.caption,
        ).where(posts.c.id == target_id)
    elif target_type == "comment":
        query = select(
            comments.c.author_id.label("owner_id"),
            comments.c.removed_at,
            comments.c.deleted_at,
            comments.c.post_id,
            comments.c.text,
        ).where(comments.c.id == target_id)
    elif target_type == "story":
        query = select(
            stories.c.author_id.label("owner_id"),
            stories.c.removed_at,
            stories.c.deleted_at,
            stories.c.media_id,
        ).where(stories.c.id == target_id)
    else:  # message
        query = select(
            messages.c.sender_id.label("owner_id"),
            messages.c.conversation_id,
            messages.c.content,
        ).where(messages.c.id == target_id)
    row = (await conn.execute(query)).mappings().first()
    return TargetRow(**row) if row is not None else None


async def is_conversation_member(conn: AsyncConnection, conversation_id: int, user_id: int) -> bool:
    query = select(conversation_members.c.user_id).where(
        (conversation_members.c.conversation_id == conversation_id)
        & (conversation_members.c.user_id == user_id)
    )
    return (await conn.execute(query)).first() is not None


async def set_removed(
    conn: AsyncConnection, target_type: str, target_id: int, removed_at: datetime | None
) -> bool:
    """Take down (a time) or restore (None) a post, comment or story; False if it was
    already so."""
    table = _REMOVABLE[target_type]
    already = (
        table.c.removed_at.is_(None) if removed_at is None else table.c.removed_at.is_not(None)
    )
    statement = (
        update(table).where((table.c.id == target_id) & ~already).values(removed_at=removed_at)
    )
    return (await conn.execute(statement)).rowcount == 1


async def set_sensitive(conn: AsyncConnection, post_id: int, sensitive: bool) -> None:
    await conn.execute(update(posts).where(posts.c.id == post_id).values(sensitive=sensitive))


async def media_of(conn: AsyncConnection, target_type: str, target_id: int) -> list[TargetMediaRow]:
    """Media of a post, story or message (its preview), whatever the state of the target."""
    column = {"post": media.c.post_id, "story": media.c.story_id, "message": media.c.message_id}[
        target_type
    ]
    query = (
        select(
            media.c.id,
            media.c.kind,
            media.c.variants,
            media.c.original_key,
            media.c.poster_key,
            media.c.width,
            media.c.height,
            media.c.blurhash,
            media.c.duration_s,
            media.c.screening,
            media.c.screening_score,
        )
        .where(column == target_id)
        .order_by(media.c.position, media.c.id)
    )
    return [
        {
            "media": media_row(row),
            "screening": row["screening"],
            "screening_score": row["screening_score"],
        }
        for row in (await conn.execute(query)).mappings()
    ]


def media_keys(rows: Sequence[TargetMediaRow]) -> set[str]:
    """Every object key of these media rows: original, variants, poster."""
    keys: set[str] = set()
    for row in rows:
        item = row["media"]
        keys.update(key for key in (item["original_key"], item["poster_key"]) if key)
        if item["variants"]:
            keys.update(orjson.loads(item["variants"]).values())
    return keys


async def withhold_media(
    conn: AsyncConnection, target_type: str, target_id: int, now: datetime
) -> None:
    """Stop serving the files of a removed post's or story's media."""
    keys = media_keys(await media_of(conn, target_type, target_id))
    for key in sorted(keys):
        await conn.execute(
            insert_or_ignore(conn, withheld_media_keys, ["key"]).values(key=key, created_at=now)
        )


async def release_media(conn: AsyncConnection, target_type: str, target_id: int) -> None:
    """Serve the files of a restored post's or story's media again."""
    keys = media_keys(await media_of(conn, target_type, target_id))
    if keys:
        await conn.execute(
            delete(withheld_media_keys).where(withheld_media_keys.c.key.in_(sorted(keys)))
        )


async def withheld_among(conn: AsyncConnection, keys: Collection[str]) -> set[str]:
    """Those of `keys` whose files are withheld."""
    if not keys:
        return set()
    query = select(withheld_media_keys.c.key).where(withheld_media_keys.c.key.in_(sorted(keys)))
    return set((await conn.execute(query)).scalars())


# --- reports ----------------------------------------------------------------------------


async def insert_report(conn: AsyncConnection, values: Mapping[str, object]) -> bool:
    """Store a report; False if this reporter already has an open one on the target."""
    where = (reports.c.status == "open") & reports.c.reporter_id.is_not(None)
    statement = (
        dialect_insert(conn, reports)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=["reporter_id", "target_type", "target_id"], index_where=where
        )
        .returning(reports.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def open_report_of(
    conn: AsyncConnection, reporter_id: int, target_type: str, target_id: int
) -> ReportRow | None:
    query = select(reports).where(
        (reports.c.reporter_id == reporter_id)
        & (reports.c.target_type == target_type)
        & (reports.c.target_id == target_id)
        & (reports.c.status == "open")
    )
    return typed_one(await conn.execute(query), ReportRow)


async def reports_by(
    conn: AsyncConnection, reporter_id: int, before_id: int | None, limit: int
) -> list[ReportRow]:
    query = select(reports).where(reports.c.reporter_id == reporter_id)
    if before_id is not None:
        query = query.where(reports.c.id < before_id)
    rows = await conn.execute(query.order_by(reports.c.id.desc()).limit(limit))
    return typed_all(rows, ReportRow)


async def distinct_reporters_since(conn: AsyncConnection, owner_id: int, since: datetime) -> int:
    query = select(func.count(func.distinct(reports.c.reporter_id))).where(
        (reports.c.target_owner_id == owner_id)
        & (reports.c.created_at >= since)
        & reports.c.reporter_id.is_not(None)
    )
    return int((await conn.execute(query)).scalar_one())


async def has_open_flag(
    conn: AsyncConnection, source: str, target_type: str, target_id: int
) -> bool:
    query = select(reports.c.id).where(
        (reports.c.source == source)
        & (reports.c.target_type == target_type)
        & (reports.c.target_id == target_id)
        & (reports.c.status == "open")
    )
    return (await conn.execute(query.limit(1))).first() is not None


async def queue_page(
    conn: AsyncConnection, status: str, before_id: int | None, limit: int
) -> list[QueueGroup]:
    """Reports grouped by target, the most recently reported target first: one row per
    target with its count, the first and last report ids."""
    last = func.max(reports.c.id).label("last_id")
    query = (
        select(
            reports.c.target_type,
            reports.c.target_id,
            func.min(reports.c.target_owner_id).label("target_owner_id"),
            func.count().label("report_count"),
            last,
        )
        .where(reports.c.status == status)
        .group_by(reports.c.target_type, reports.c.target_id)
    )
    if before_id is not None:
        query = query.having(func.max(reports.c.id) < before_id)
    return typed_all(await conn.execute(query.order_by(last.desc()).limit(limit)), QueueGroup)


async def reports_on(
    conn: AsyncConnection, status: str, targets: Sequence[tuple[str, int]]
) -> list[ReportRow]:
    """The reports (of this status) on these targets, oldest first."""
    if not targets:
        return []
    ids = {target_id for _, target_id in targets}
    query = (
        select(reports)
        .where((reports.c.status == status) & reports.c.target_id.in_(sorted(ids)))
        .order_by(reports.c.id)
    )
    wanted = set(targets)
    rows = typed_all(await conn.execute(query), ReportRow)
    return [row for row in rows if (row["target_type"], row["target_id"]) in wanted]


async def resolve_reports(
    conn: AsyncConnection,
    target_type: str,
    target_id: int,
    action_id: int,
    now: datetime,
    report_ids: Sequence[int] = (),
) -> int:
    """Resolve the open reports on a target (and the named ones); returns how many."""
    on_target = (reports.c.target_type == target_type) & (reports.c.target_id == target_id)
    chosen = on_target | reports.c.id.in_(list(report_ids)) if report_ids else on_target
    statement = (
        update(reports)
        .where((reports.c.status == "open") & chosen)
        .values(status="resolved", action_id=action_id, resolved_at=now)
    )
    return (await conn.execute(statement)).rowcount


# --- actions (the audit log) and appeals -------------------------------------------------


async def insert_action(conn: AsyncConnection, values: Mapping[str, object]) -> None:
    await conn.execute(moderation_actions.insert().values(**values))


async def get_action(conn: AsyncConnection, action_id: int) -> ActionRow | None:
    query = select(moderation_actions).where(moderation_actions.c.id == action_id)
    return typed_one(await conn.execute(query), ActionRow)


async def audit_page(conn: AsyncConnection, before_id: int | None, limit: int) -> list[ActionRow]:
    query = select(moderation_actions)
    if before_id is not None:
        query = query.where(moderation_actions.c.id < before_id)
    ordered = query.order_by(moderation_actions.c.id.desc()).limit(limit)
    return typed_all(await conn.execute(ordered), ActionRow)


async def insert_appeal(conn: AsyncConnection, values: Mapping[str, object]) -> bool:
    """Store an appeal; False if the action was appealed already."""
    statement = (
        insert_or_ignore(conn, appeals, ["action_id"]).values(**values).returning(appeals.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def get_appeal(conn: AsyncConnection, appeal_id: int) -> AppealRow | None:
    return typed_one(
        await conn.execute(select(appeals).where(appeals.c.id == appeal_id)), AppealRow
    )


async def appeals_page(
    conn: AsyncConnection, status: str, before_id: int | None, limit: int
) -> list[AppealRow]:
    query = select(appeals).where(appeals.c.status == status)
    if before_id is not None:
        query = query.where(appeals.c.id < before_id)
    rows = await conn.execute(query.order_by(appeals.c.id.desc()).limit(limit))
    return typed_all(rows, AppealRow)


async def resolve_appeal(conn: AsyncConnection, appeal_id: int, status: str, now: datetime) -> bool:
    statement = (
        update(appeals)
        .where((appeals.c.id == appeal_id) & (appeals.c.status == "open"))
        .values(status=status, resolved_at=now)
    )
    return (await conn.execute(statement)).rowcount == 1


async def grant_appeals_on(
    conn: AsyncConnection, target_type: str, target_id: int, now: datetime
) -> None:
    """An undo (restore, unsuspend) grants the open appeals against actions on the target."""
    on_target = select(moderation_actions.c.id).where(
        (moderation_actions.c.target_type == target_type)
        & (moderation_actions.c.target_id == target_id)
    )
    statement = (
        update(appeals)
        .where((appeals.c.status == "open") & appeals.c.action_id.in_(on_target))
        .values(status="granted", resolved_at=now)
    )
    await conn.execute(statement)


async def usernames(conn: AsyncConnection, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    query = select(users.c.id, users.c.username).where(users.c.id.in_(sorted(user_ids)))
    return {row.id: row.username for row in await conn.execute(query)}


async def repeats_of_post(conn: AsyncConnection, post_id: int, since: datetime) -> tuple[int, int]:
    """(the author's live posts since `since` with this post's caption, the author's media
    since then with the same content as this post's media): repetition signals."""
    post = select(posts.c.author_id, posts.c.caption).where(posts.c.id == post_id).subquery()
    same_caption = (
        select(func.count())
        .select_from(posts)
        .where(
            (posts.c.author_id == post.c.author_id)
            & (posts.c.caption == post.c.caption)
            & (posts.c.caption != "")
            & (posts.c.created_at >= since)
            & posts.c.deleted_at.is_(None)
        )
        .scalar_subquery()
    )
    keys = select(media.c.original_key).where(
        (media.c.post_id == post_id) & media.c.original_key.is_not(None)
    )
    same_media = (
        select(func.count())
        .select_from(media)
        .where(
            (media.c.owner_id == post.c.author_id)
            & media.c.original_key.in_(keys)
            & (media.c.created_at >= since)
        )
        .scalar_subquery()
    )
    row = (await conn.execute(select(same_caption, same_media).select_from(post))).first()
    return (int(row[0]), int(row[1])) if row is not None else (0, 0)
