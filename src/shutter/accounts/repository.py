"""Queries on account tokens and on the account columns this package owns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.tables import account_tokens, auth_sessions, refresh_tokens, users
from shutter.push import repository as push_repository


class TokenRow(NamedTuple):
    """An emailed token (password reset, address verification): `account_tokens`."""

    id: int
    token_hash: str
    user_id: int
    purpose: str
    email: str  # the address it was sent to
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


class AccountRow(NamedTuple):
    """The account columns this package reads and writes."""

    id: int
    username: str
    email: str
    email_verified_at: datetime | None
    password_hash: str


class SessionRow(NamedTuple):
    """A signed-in device: `auth_sessions`."""

    id: int
    user_id: int
    user_agent: str
    ip: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime  # of its refresh token
    revoked_at: datetime | None


class RefreshTokenRow(NamedTuple):
    """One refresh token a session was given, by hash: `refresh_tokens`."""

    token_hash: str
    session_id: int
    user_id: int
    created_at: datetime
    rotated_at: datetime | None


ACCOUNT_COLUMNS = (
    users.c.id,
    users.c.username,
    users.c.email,
    users.c.email_verified_at,
    users.c.password_hash,
)


async def insert_token(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(account_tokens.insert().values(**values))


async def find_token(conn: AsyncConnection, token_hash: str, purpose: str) -> TokenRow | None:
    query = select(*(account_tokens.c[name] for name in TokenRow._fields)).where(
        (account_tokens.c.token_hash == token_hash) & (account_tokens.c.purpose == purpose)
    )
    row = (await conn.execute(query)).first()
    return TokenRow(*row) if row is not None else None


async def use_token(conn: AsyncConnection, token_id: int, now: datetime) -> bool:
    """Mark a token used; False if it was used already (two redemptions at once: one wins)."""
    statement = (
        update(account_tokens)
        .where((account_tokens.c.id == token_id) & account_tokens.c.used_at.is_(None))
        .values(used_at=now)
    )
    return (await conn.execute(statement)).rowcount == 1


async def use_all_tokens(conn: AsyncConnection, user_id: int, purpose: str, now: datetime) -> None:
    """Spend every outstanding token of this purpose (older links stop working)."""
    await conn.execute(
        update(account_tokens)
        .where(
            (account_tokens.c.user_id == user_id)
            & (account_tokens.c.purpose == purpose)
            & account_tokens.c.used_at.is_(None)
        )
        .values(used_at=now)
    )


async def get_account(conn: AsyncConnection, user_id: int) -> AccountRow | None:
    row = (await conn.execute(select(*ACCOUNT_COLUMNS).where(users.c.id == user_id))).first()
    return AccountRow(*row) if row is not None else None


async def get_account_by_email(conn: AsyncConnection, email: str) -> AccountRow | None:
    row = (await conn.execute(select(*ACCOUNT_COLUMNS).where(users.c.email == email))).first()
    return AccountRow(*row) if row is not None else None


async def get_account_by_username(conn: AsyncConnection, username: str) -> AccountRow | None:
    query = select(*ACCOUNT_COLUMNS).where(users.c.username == username)
    row = (await conn.execute(query)).first()
    return AccountRow(*row) if row is not None else None


async def email_verified(conn: AsyncConnection, user_id: int) -> bool:
    query = select(users.c.email_verified_at).where(users.c.id == user_id)
    return (await conn.execute(query)).scalar_one_or_none() is not None


async def set_password(
    conn: AsyncConnection, user_id: int, password_hash: str, now: datetime
) -> int:
    """Replace the password and bump the token version (every earlier token stops
    working); returns the new version."""
    statement = (
        update(users)
        .where(users.c.id == user_id)
        .values(
            password_hash=password_hash, token_version=users.c.token_version + 1, updated_at=now
        )
        .returning(users.c.token_version)
    )
    version: int = (await conn.execute(statement)).scalar_one()
    return version


async def mark_verified(conn: AsyncConnection, user_id: int, email: str, now: datetime) -> bool:
    """Mark the email verified if it is still `email`; False if it changed meanwhile."""
    statement = (
        update(users)
        .where((users.c.id == user_id) & (users.c.email == email))
        .values(email_verified_at=now, updated_at=now)
    )
    return (await conn.execute(statement)).rowcount == 1


async def change_email(
    conn: AsyncConnection, user_id: int, old_email: str, new_email: str, now: datetime
) -> bool:
    """Set a new, unverified email if the stored one is still `old_email`."""
    statement = (
        update(users)
        .where((users.c.id == user_id) & (users.c.email == old_email))
        .values(email=new_email, email_verified_at=None, updated_at=now)
    )
    return (await conn.execute(statement)).rowcount == 1


async def email_taken(conn: AsyncConnection, email: str) -> bool:
    query = select(users.c.id).where(users.c.email == email)
    return (await conn.execute(query)).first() is not None


# -- sessions ---------------------------------------------------------------------------


async def insert_session(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(auth_sessions.insert().values(**values))


async def insert_refresh_token(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(refresh_tokens.insert().values(**values))


async def find_refresh_token(conn: AsyncConnection, token_hash: str) -> RefreshTokenRow | None:
    query = select(*(refresh_tokens.c[name] for name in RefreshTokenRow._fields)).where(
        refresh_tokens.c.token_hash == token_hash
    )
    row = (await conn.execute(query)).first()
    return RefreshTokenRow(*row) if row is not None else None


async def rotate_refresh_token(conn: AsyncConnection, token_hash: str, now: datetime) -> bool:
    """Mark a refresh token used; False if it was already (a replay, or a race)."""
    statement = (
        update(refresh_tokens)
        .where((refresh_tokens.c.token_hash == token_hash) & refresh_tokens.c.rotated_at.is_(None))
        .values(rotated_at=now)
    )
    return (await conn.execute(statement)).rowcount == 1


SESSION_COLUMNS = tuple(auth_sessions.c[name] for name in SessionRow._fields)


async def get_session(conn: AsyncConnection, session_id: int) -> SessionRow | None:
    query = select(*SESSION_COLUMNS).where(auth_sessions.c.id == session_id)
    row = (await conn.execute(query)).first()
    return SessionRow(*row) if row is not None else None


async def touch_session(conn: AsyncConnection, session_id: int, values: dict[str, Any]) -> None:
    await conn.execute(
        update(auth_sessions).where(auth_sessions.c.id == session_id).values(**values)
    )


async def live_sessions(conn: AsyncConnection, user_id: int) -> list[SessionRow]:
    """The account's sessions not revoked, most recently used first."""
    query = (
        select(*SESSION_COLUMNS)
        .where((auth_sessions.c.user_id == user_id) & auth_sessions.c.revoked_at.is_(None))
        .order_by(auth_sessions.c.last_used_at.desc(), auth_sessions.c.id.desc())
    )
    return [SessionRow(*row) for row in await conn.execute(query)]


async def revoke_sessions(
    conn: AsyncConnection,
    user_id: int,
    now: datetime,
    *,
    only: int | None = None,
    keep: int | None = None,
) -> list[int]:
    """Revoke the account's live sessions (just `only`, or all but `keep`), and their push
    subscriptions; returns the ids."""
    condition = (auth_sessions.c.user_id == user_id) & auth_sessions.c.revoked_at.is_(None)
    if only is not None:
        condition &= auth_sessions.c.id == only
    if keep is not None:
        condition &= auth_sessions.c.id != keep
    statement = (
        update(auth_sessions).where(condition).values(revoked_at=now).returning(auth_sessions.c.id)
    )
    ids = [int(row[0]) for row in (await conn.execute(statement)).all()]
    # A browser subscribed to push in an ended session gets nothing more.
    await push_repository.remove_for_sessions(conn, ids)
    return ids


async def get_token_version(conn: AsyncConnection, user_id: int) -> int | None:
    query = select(users.c.token_version).where(users.c.id == user_id)
    version: int | None = (await conn.execute(query)).scalar_one_or_none()
    return version
