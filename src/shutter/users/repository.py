"""Queries on users. The only place that writes SQL for this table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import RowMapping, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.rows import typed_one
from shutter.db.sql import dialect_insert, id_in
from shutter.db.tables import follows, media, profile_visits, users

PROFILE_COLUMNS = (
    users.c.id,
    users.c.username,
    users.c.display_name,
    users.c.bio,
    users.c.avatar_key,
    users.c.is_private,
    users.c.follower_count,
    users.c.following_count,
    users.c.post_count,
    users.c.created_at,
)
AUTHOR_COLUMNS = (users.c.id, users.c.username, users.c.display_name, users.c.avatar_key)


class ProfileColumnsRow(TypedDict):
    """PROFILE_COLUMNS (the Mastodon API's Account is made of them too)."""

    id: int
    username: str
    display_name: str
    bio: str
    avatar_key: str | None
    is_private: bool
    follower_count: int
    following_count: int
    post_count: int
    created_at: datetime


class ProfileRow(ProfileColumnsRow):
    """A user's public profile (PROFILE_COLUMNS)."""

    # The avatar media's variants (JSON), where the query joined them (a single profile).
    avatar_variants: str | None


class OwnProfileRow(ProfileRow):
    email: str
    email_verified_at: datetime | None
    role: str


def profile_row(row: RowMapping) -> ProfileRow:
    """A ProfileRow from any row that has the profile columns."""
    return {
        "id": row["id"],
        "username": row["username"],
        "display_name": row["display_name"],
        "bio": row["bio"],
        "avatar_key": row["avatar_key"],
        "is_private": row["is_private"],
        "follower_count": row["follower_count"],
        "following_count": row["following_count"],
        "post_count": row["post_count"],
        "created_at": row["created_at"],
        "avatar_variants": row.get("avatar_variants"),
    }


class AuthorRow(TypedDict):
    """The author fields of a user (AUTHOR_COLUMNS), as a plain dict: the hydration cache
    keeps these, and a dict of strings and numbers is not tracked by the garbage collector."""

    id: int
    username: str
    display_name: str
    avatar_key: str | None


def author_row(row: RowMapping) -> AuthorRow:
    """An AuthorRow from any row that has the author columns."""
    return {
        "id": row["id"],
        "username": row["username"],
        "display_name": row["display_name"],
        "avatar_key": row["avatar_key"],
    }


# Every authenticated request runs this one: built once (building costs more than running).
_AUTH_ROW = select(users.c.id, users.c.username, users.c.is_private, users.c.token_version).where(
    users.c.id == bindparam("user_id")
)


class AuthRow(TypedDict):
    """What the visibility checks need of an account: its name, whether it is private,
    and its token version."""

    id: int
    username: str
    is_private: bool
    token_version: int


async def get_auth_row(conn: AsyncConnection, user_id: int) -> AuthRow | None:
    row = (await conn.execute(_AUTH_ROW, {"user_id": user_id})).first()
    if row is None:
        return None
    return {
        "id": row.id,
        "username": row.username,
        "is_private": row.is_private,
        "token_version": row.token_version,
    }


# A profile page shows the avatar large: the avatar media's variants come with it.
_WITH_AVATAR_VARIANTS = users.outerjoin(media, media.c.id == users.c.avatar_media_id)


async def get_profile(conn: AsyncConnection, user_id: int) -> ProfileRow | None:
    query = select(*PROFILE_COLUMNS, media.c.variants.label("avatar_variants"))
    query = query.select_from(_WITH_AVATAR_VARIANTS).where(users.c.id == user_id)
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else profile_row(row)


async def get_own_profile(conn: AsyncConnection, user_id: int) -> OwnProfileRow | None:
    query = select(
        *PROFILE_COLUMNS,
        users.c.email,
        users.c.email_verified_at,
        users.c.role,
        media.c.variants.label("avatar_variants"),
    )
    query = query.select_from(_WITH_AVATAR_VARIANTS).where(users.c.id == user_id)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return OwnProfileRow(
        **profile_row(row),
        email=row["email"],
        email_verified_at=row["email_verified_at"],
        role=row["role"],
    )


async def get_id_by_username(conn: AsyncConnection, username: str) -> int | None:
    result = await conn.execute(select(users.c.id).where(users.c.username == username))
    return result.scalar_one_or_none()


async def ids_by_usernames(conn: AsyncConnection, usernames: Sequence[str]) -> set[int]:
    """The ids of the accounts with these usernames (unknown names are left out)."""
    if not usernames:
        return set()
    result = await conn.execute(select(users.c.id).where(users.c.username.in_(usernames)))
    return set(result.scalars())


class CredentialsRow(TypedDict):
    """What logging in (and restoring an account) checks (`get_credentials`)."""

    id: int
    password_hash: str
    token_version: int
    suspended_at: datetime | None
    suspended_until: datetime | None
    purge_after: datetime | None


async def get_credentials(conn: AsyncConnection, login: str) -> CredentialsRow | None:
    """id, password hash and token version of the account named by username or email."""
    column = users.c.email if "@" in login else users.c.username
    query = select(
        users.c.id,
        users.c.password_hash,
        users.c.token_version,
        users.c.suspended_at,
        users.c.suspended_until,
        users.c.purge_after,
    )
    return typed_one(await conn.execute(query.where(column == login)), CredentialsRow)


async def get_password_hash(conn: AsyncConnection, user_id: int) -> str | None:
    query = select(users.c.password_hash).where(users.c.id == user_id)
    return (await conn.execute(query)).scalar_one_or_none()


async def replace_password(
    conn: AsyncConnection, user_id: int, old_hash: str, new_hash: str, now: datetime
) -> int | None:
    """Set a new password hash if the stored one is still `old_hash`, bumping the token
    version; returns the new version, or None if the hash had changed."""
    statement = (
        update(users)
        .where((users.c.id == user_id) & (users.c.password_hash == old_hash))
        .values(password_hash=new_hash, token_version=users.c.token_version + 1, updated_at=now)
        .returning(users.c.token_version)
    )
    version: int | None = (await conn.execute(statement)).scalar_one_or_none()
    return version


async def taken(conn: AsyncConnection, username: str, email: str) -> set[str]:
    """Which of "username" and "email" already belong to an account."""
    query = select(users.c.username, users.c.email).where(
        (users.c.username == username) | (users.c.email == email)
    )
    found: set[str] = set()
    for row in (await conn.execute(query)).mappings():
        if row["username"] == username:
            found.add("username")
        if row["email"] == email:
            found.add("email")
    return found


async def insert(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(users.insert().values(**values))


async def update_profile(conn: AsyncConnection, user_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(users).where(users.c.id == user_id).values(**values))


async def get_authors(conn: AsyncConnection, user_ids: Iterable[int]) -> dict[int, AuthorRow]:
    """Author fields of many users, in one query."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    result = await conn.execute(select(*AUTHOR_COLUMNS).where(id_in(conn, users.c.id, ids)))
    return {row.id: author_row(row._mapping) for row in result}


async def get_profiles(conn: AsyncConnection, user_ids: Sequence[int]) -> list[ProfileRow]:
    """Profiles in the order of `user_ids` (missing users left out)."""
    if not user_ids:
        return []
    result = await conn.execute(select(*PROFILE_COLUMNS).where(users.c.id.in_(user_ids)))
    by_id = {row["id"]: profile_row(row) for row in result.mappings()}
    return [by_id[user_id] for user_id in user_ids if user_id in by_id]


async def add_to_counter(conn: AsyncConnection, user_id: int, column: str, delta: int) -> None:
    """Atomic increment in the database: concurrent callers never lose an update."""
    target = users.c[column]
    await conn.execute(update(users).where(users.c.id == user_id).values({target: target + delta}))


async def add_to_follow_counts(
    conn: AsyncConnection, follower_id: int, followee_id: int, delta: int
) -> None:
    """Move the follower's following_count and the followee's follower_count by `delta`.

    The two rows are updated in id order: two people following each other at the same
    moment then lock them in the same order and cannot deadlock (PostgreSQL).
    """
    changes = sorted([(followee_id, "follower_count"), (follower_id, "following_count")])
    for user_id, column in changes:
        await add_to_counter(conn, user_id, column, delta)


async def lock_users(conn: AsyncConnection, user_ids: Iterable[int]) -> None:
    """Lock users' rows, in id order, until the transaction ends (PostgreSQL).

    Follow, approve and block take this lock first, so that a block and a follow of the
    same pair run one after the other: a follow can never slip in beside a block, and
    two of them never deadlock (the same order everywhere). SQLite has a single writer,
    so nothing can interleave there anyway.
    """
    if conn.dialect.name == "sqlite":
        return
    ids = sorted(set(user_ids))
    query = select(users.c.id).where(users.c.id.in_(ids)).order_by(users.c.id).with_for_update()
    await conn.execute(query)


async def follow_edge_details(
    conn: AsyncConnection, a: int, b: int
) -> dict[tuple[int, int], tuple[str, bool]]:
    """Follow edges between two users both ways: {(follower, followee): (status, bell)}."""
    query = select(
        follows.c.follower_id, follows.c.followee_id, follows.c.status, follows.c.notify
    ).where(
        ((follows.c.follower_id == a) & (follows.c.followee_id == b))
        | ((follows.c.follower_id == b) & (follows.c.followee_id == a))
    )
    rows = (await conn.execute(query)).all()
    return {(row.follower_id, row.followee_id): (row.status, bool(row.notify)) for row in rows}


# A profile visit is written at most this often per (viewer, profile): it is an affinity
# signal (feed/affinity.py), not a log.
VISIT_EVERY = timedelta(hours=1)


async def record_profile_visit(
    conn: AsyncConnection, viewer_id: int, user_id: int, now: datetime
) -> None:
    """The viewer visited the profile now (kept: the last visit only)."""
    statement = (
        dialect_insert(conn, profile_visits)
        .values(viewer_id=viewer_id, user_id=user_id, visited_at=now)
        .on_conflict_do_update(
            index_elements=["viewer_id", "user_id"],
            set_={"visited_at": now},
            where=profile_visits.c.visited_at < now - VISIT_EVERY,
        )
    )
    await conn.execute(statement)
