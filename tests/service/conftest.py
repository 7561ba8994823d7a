"""The service tier: use cases run against the application's own in-process parts, with no
server and no network (STYLE.md; cosmicpython's tests/unit/test_handlers.py is the model).

The fakes are the embedded profile's implementations behind the production interfaces:
SQLite in a temporary directory for the database, `MemoryTimelineStore` for the
timelines, the local object store for media URLs. A test builds the world it needs with
`World` (plain inserts), calls the service or handler, and asserts on what it returns or
leaves behind: milliseconds per test instead of a server per test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from shutter.app import open_context
from shutter.context import AppContext
from shutter.db.tables import follows, media, posts, users
from shutter.settings import Settings

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class World:
    """Rows for a use case, written straight to the database (no events, no fan-out)."""

    def __init__(self, context: AppContext) -> None:
        self.context = context

    def next_id(self) -> int:
        return self.context.ids.next_id()

    async def user(self, username: str, *, private: bool = False) -> int:
        user_id = self.next_id()
        async with self.context.db.write() as uow:
            conn = uow.conn
            await conn.execute(
                users.insert().values(
                    id=user_id,
                    username=username,
                    email=f"{username}@example.test",
                    password_hash="x",
                    display_name=username.title(),
                    is_private=private,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        return user_id

    async def follow(self, follower_id: int, followee_id: int) -> None:
        async with self.context.db.write() as uow:
            conn = uow.conn
            await conn.execute(
                follows.insert().values(
                    id=self.next_id(),
                    follower_id=follower_id,
                    followee_id=followee_id,
                    status="accepted",
                    created_at=NOW,
                )
            )
            for column, user_id in (
                ("follower_count", followee_id),
                ("following_count", follower_id),
            ):
                target = users.c[column]
                await conn.execute(
                    update(users).where(users.c.id == user_id).values({target: target + 1})
                )

    async def unfollow(self, follower_id: int, followee_id: int) -> None:
        async with self.context.db.write() as uow:
            conn = uow.conn
            await conn.execute(
                follows.delete().where(
                    (follows.c.follower_id == follower_id) & (follows.c.followee_id == followee_id)
                )
            )
            target = users.c.follower_count
            await conn.execute(
                update(users).where(users.c.id == followee_id).values({target: target - 1})
            )

    async def post(self, author_id: int, caption: str = "", *, with_image: bool = False) -> int:
        post_id = self.next_id()
        async with self.context.db.write() as uow:
            conn = uow.conn
            await conn.execute(
                posts.insert().values(
                    id=post_id, author_id=author_id, caption=caption, created_at=NOW
                )
            )
            if with_image:
                await conn.execute(
                    media.insert().values(
                        id=self.next_id(),
                        owner_id=author_id,
                        kind="image",
                        content_type="image/jpeg",
                        size_bytes=1000,
                        upload_key=f"uploads/{post_id}",
                        status="ready",
                        post_id=post_id,
                        position=0,
                        original_key=f"media/{post_id}/original.jpg",
                        variants=f'{{"thumb": "media/{post_id}/thumb.webp"}}',
                        width=64,
                        height=48,
                        blurhash="LEHV6nWB2yk8",
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
        return post_id

    async def delete_post(self, post_id: int) -> None:
        async with self.context.db.write() as uow:
            conn = uow.conn
            await conn.execute(update(posts).where(posts.c.id == post_id).values(deleted_at=NOW))


@pytest.fixture
def service_settings(tmp_path: Path) -> Settings:
    """The embedded profile (whatever the environment says), with a threshold a test can
    cross with three followers."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=None,
        redis_url=None,
        nats_url=None,
        s3_bucket=None,
        log_level="WARNING",
        celebrity_threshold=3,
    )


@pytest.fixture
async def context(service_settings: Settings) -> AsyncIterator[AppContext]:
    """The embedded profile's AppContext, without a server or event runtime: handlers are
    called directly, so nothing runs behind the test's back."""
    async with AsyncExitStack() as stack:
        yield await open_context(service_settings, stack)


@pytest.fixture
def world(context: AppContext) -> World:
    return World(context)
