"""SQL of the OAuth tables: apps, authorization codes, tokens (all stored hashed)."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.tables import oauth_apps, oauth_codes, oauth_tokens


class AppRow(TypedDict):
    id: int
    client_id: str
    client_secret_hash: str
    name: str
    website: str | None
    redirect_uris: str
    scopes: str
    created_at: datetime


class CodeRow(TypedDict):
    code_hash: str
    app_id: int
    user_id: int
    redirect_uri: str
    scopes: str
    code_challenge: str | None
    expires_at: datetime
    used_at: datetime | None


class TokenRow(TypedDict):
    id: int
    token_hash: str
    refresh_hash: str | None
    app_id: int
    user_id: int | None
    scopes: str
    token_version: int
    created_at: datetime
    revoked_at: datetime | None


async def insert_app(conn: AsyncConnection, row: AppRow) -> None:
    await conn.execute(oauth_apps.insert().values(**row))


async def app_by_client_id(conn: AsyncConnection, client_id: str) -> AppRow | None:
    found = (
        (await conn.execute(select(oauth_apps).where(oauth_apps.c.client_id == client_id)))
        .mappings()
        .first()
    )
    return AppRow(**found) if found else None  # type: ignore[typeddict-item]


async def app_by_id(conn: AsyncConnection, app_id: int) -> AppRow | None:
    found = (
        (await conn.execute(select(oauth_apps).where(oauth_apps.c.id == app_id))).mappings().first()
    )
    return AppRow(**found) if found else None  # type: ignore[typeddict-item]


async def insert_code(conn: AsyncConnection, row: CodeRow) -> None:
    await conn.execute(oauth_codes.insert().values(**row))


async def use_code(conn: AsyncConnection, code_hash: str, now: datetime) -> CodeRow | None:
    """The code, marked used; None when unknown, expired or already used (a conditional
    update, so two concurrent exchanges cannot both win)."""
    claimed = await conn.execute(
        update(oauth_codes)
        .where(
            (oauth_codes.c.code_hash == code_hash)
            & oauth_codes.c.used_at.is_(None)
            & (oauth_codes.c.expires_at > now)
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        return None
    found = (
        (await conn.execute(select(oauth_codes).where(oauth_codes.c.code_hash == code_hash)))
        .mappings()
        .one()
    )
    return CodeRow(**found)  # type: ignore[typeddict-item,no-any-return]


async def insert_token(conn: AsyncConnection, row: TokenRow) -> None:
    await conn.execute(oauth_tokens.insert().values(**row))


async def live_token(conn: AsyncConnection, token_hash: str) -> TokenRow | None:
    found = (
        (
            await conn.execute(
                select(oauth_tokens).where(
                    (oauth_tokens.c.token_hash == token_hash) & oauth_tokens.c.revoked_at.is_(None)
                )
            )
        )
        .mappings()
        .first()
    )
    return TokenRow(**found) if found else None  # type: ignore[typeddict-item]


async def live_token_by_refresh(conn: AsyncConnection, refresh_hash: str) -> TokenRow | None:
    found = (
        (
            await conn.execute(
                select(oauth_tokens).where(
                    (oauth_tokens.c.refresh_hash == refresh_hash)
                    & oauth_tokens.c.revoked_at.is_(None)
                )
            )
        )
        .mappings()
        .first()
    )
    return TokenRow(**found) if found else None  # type: ignore[typeddict-item]


async def revoke_token(conn: AsyncConnection, token_id: int, now: datetime) -> bool:
    """Revoke one token; False if it was revoked already (a concurrent refresh won)."""
    done = await conn.execute(
        update(oauth_tokens)
        .where((oauth_tokens.c.id == token_id) & oauth_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return done.rowcount == 1


async def revoke_user_app(conn: AsyncConnection, user_id: int, app_id: int, now: datetime) -> int:
    done = await conn.execute(
        update(oauth_tokens)
        .where(
            (oauth_tokens.c.user_id == user_id)
            & (oauth_tokens.c.app_id == app_id)
            & oauth_tokens.c.revoked_at.is_(None)
        )
        .values(revoked_at=now)
    )
    return done.rowcount


class GrantRow(TypedDict):
    app_id: int
    name: str
    website: str | None
    scopes: str
    created_at: datetime


async def grants_of(conn: AsyncConnection, user_id: int) -> list[GrantRow]:
    """The apps holding a live token of this user, newest grant first (one row per app)."""
    rows = (
        await conn.execute(
            select(
                oauth_apps.c.id.label("app_id"),
                oauth_apps.c.name,
                oauth_apps.c.website,
                oauth_tokens.c.scopes,
                oauth_tokens.c.created_at,
            )
            .join(oauth_apps, oauth_apps.c.id == oauth_tokens.c.app_id)
            .where((oauth_tokens.c.user_id == user_id) & oauth_tokens.c.revoked_at.is_(None))
            .order_by(oauth_tokens.c.id.desc())
        )
    ).mappings()
    seen: dict[int, GrantRow] = {}
    for row in rows:
        seen.setdefault(row["app_id"], GrantRow(**row))  # type: ignore[typeddict-item]
    return list(seen.values())
