"""Which posts of a page the viewer has liked and saved (the post presenter's
`liked_by_me` and `saved_by_me`): one query each for a whole page, never one per post."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import ids_param
from shutter.db.tables import likes, saves


@functools.cache
def _liked_among_statement(dialect_name: str) -> Select[Any]:
    return select(likes.c.post_id).where(
        (likes.c.user_id == bindparam("user_id")) & ids_param(dialect_name, likes.c.post_id)
    )


async def liked_among(conn: AsyncConnection, user_id: int, post_ids: Sequence[int]) -> set[int]:
    """Which of these posts the user has liked: one query for a whole page (on every
    page of posts, so the statement is built once per dialect)."""
    if not post_ids:
        return set()
    statement = _liked_among_statement(conn.dialect.name)
    params = {"user_id": user_id, "ids": list(post_ids)}
    return set((await conn.execute(statement, params)).scalars())


@functools.cache
def _saved_among_statement(dialect_name: str) -> Select[Any]:
    return select(saves.c.post_id).where(
        (saves.c.user_id == bindparam("user_id")) & ids_param(dialect_name, saves.c.post_id)
    )


async def saved_among(conn: AsyncConnection, user_id: int, post_ids: Sequence[int]) -> set[int]:
    """Which of these posts the user has saved: one query for a whole page (a probe of the
    saves primary key per post)."""
    if not post_ids:
        return set()
    statement = _saved_among_statement(conn.dialect.name)
    params = {"user_id": user_id, "ids": list(post_ids)}
    return set((await conn.execute(statement, params)).scalars())
