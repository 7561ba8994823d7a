"""`db.sql.fetch_rows`: the feed's statements sent to the driver directly answer what
SQLAlchemy's execution of the same statement answers (columns, values, types), on both
profiles, in autocommit reads and inside a unit of work."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest

from shutter.db.sql import fetch_rows
from shutter.feed.repository import _sources_statement, _visible_statement
from tests.conftest import PROFILES, RunningServer
from tests.factories import create_post, follow, like, register


async def test_the_feed_statements_answer_as_sqlalchemy_does(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader, author, stranger = [await register(client) for _ in range(3)]
    await follow(client, reader, author)
    liked = await create_post(client, author, "liked by the reader")
    plain = await create_post(client, author, "only seen")
    unseen = await create_post(client, stranger, "not followed")
    await like(client, reader, liked["id"])
    ids = [int(post["id"]) for post in (liked, plain, unseen)]
    db = server.context.db

    async with db.read() as conn:
        visible = _visible_statement(conn.dialect.name)
        params = {"reader": int(reader.id), "ids": ids}
        keys, direct = await fetch_rows(conn, visible, params)
        through = await conn.execute(visible, params)
        assert keys == tuple(through.keys())
        by_sqlalchemy = sorted(tuple(row) for row in through)
        assert sorted(tuple(row) for row in direct) == by_sqlalchemy
        # What a reader would notice: the followed author's two posts, the like on one.
        shown = {row[0]: dict(zip(keys, row, strict=True)) for row in direct}
        assert set(shown) == {int(liked["id"]), int(plain["id"])}
        assert shown[int(liked["id"])]["liked_by_reader"]
        assert not shown[int(plain["id"])]["liked_by_reader"]
        assert type(shown[int(liked["id"])]["created_at"]) is type(by_sqlalchemy[0][9])

        # A union with literals bound when it was built (`kind`) and an ARRAY parameter.
        sources = _sources_statement(conn.dialect.name)
        params = {"reader": int(reader.id), "ids": [int(author.id)], "before": 2**62, "limit": 5}
        _, found = await fetch_rows(conn, sources, params)
        assert sorted(tuple(row) for row in found) == sorted(
            tuple(row) for row in await conn.execute(sources, params)
        )
        assert (0, int(author.id)) in {tuple(row) for row in found}

    # In a unit of work, before and after its transaction has begun.
    async with db.write() as uow:
        _, first = await fetch_rows(uow.conn, visible, {"reader": int(reader.id), "ids": ids})
        _, again = await fetch_rows(uow.conn, visible, {"reader": int(reader.id), "ids": ids})
    assert len(first) == len(again) == 2


@pytest.mark.parametrize("profile", [PROFILES[1]])
async def test_the_feed_recovers_when_the_database_drops_its_connections(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    """PostgreSQL restarted (every connection of the pool dropped): a feed read may fail
    once per dropped connection, then the pool has replaced them and the feed answers."""
    reader, author = [await register(client) for _ in range(2)]
    await follow(client, reader, author)
    post = await create_post(client, author, "still here")
    first = await client.get("/feed", headers=reader.headers)
    assert first.status_code == 200
    # From outside the pool, so that every pooled connection is dropped.
    url = server.context.db.engine.url.set(drivername="postgresql")
    admin = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        dropped = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    assert dropped >= 1
    answers = []
    for _ in range(25):  # more than the pool's connections (pool_size 10, overflow 10)
        response = await client.get("/feed", headers=reader.headers)
        answers.append(response.status_code)
        if response.status_code == 200:
            assert [p["id"] for p in response.json()["posts"]] == [post["id"]]
            break
    assert answers[-1] == 200, answers
