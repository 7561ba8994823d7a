"""Read replicas against a real PostgreSQL streaming replica (made with pg_basebackup):
the reads of GET requests go to it, writes and a writer's own reads go to the primary, and
a replica that lags or is down is skipped while the primary serves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from shutter.db.database import Database
from shutter.db.migrate import upgrade_to_head
from tests import services
from tests.conftest import PROFILES, RunningServer
from tests.factories import Account, create_post, follow, like, register
from tests.integration.pg_replication import (
    ReplicatedPostgres,
    can_run_postgres,
    postgres_bindir,
    replicated_postgres,
)
from tests.integration.test_metrics import sample, scrape

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


@pytest.fixture(params=[PROFILES[1]])
def profile(request: pytest.FixtureRequest) -> str:
    """The distributed profile only: replicas are PostgreSQL's."""
    value: str = request.param
    return value


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicatedPostgres]:
    bindir = postgres_bindir()
    message = None
    if bindir is None:
        message = "POSTGRESQL BINARIES MISSING: no pg_basebackup (install postgresql)"
    elif not can_run_postgres():
        message = "POSTGRESQL CANNOT RUN: root needs a `postgres` account and `runuser`"
    if message is not None:
        if services.IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    assert bindir is not None
    made = replicated_postgres(bindir)
    try:

        async def migrate() -> None:
            db = Database(made.primary_url)
            try:
                await upgrade_to_head(db)
            finally:
                await db.dispose()

        asyncio.run(migrate())
        made.replicate()
        yield made
    finally:
        made.destroy()


@pytest.fixture
def settings_overrides(pair: ReplicatedPostgres, request: pytest.FixtureRequest) -> dict[str, Any]:
    from tests.conftest import _empty_database

    _empty_database(pair.primary_url)
    marker = request.node.get_closest_marker("max_lag")
    return {
        "database_url": pair.primary_url,
        "database_replica_urls": pair.replica_url,
        "replica_max_lag_seconds": marker.args[0] if marker else 2.0,
    }


class ReplicaStatements:
    """The application's statements a replica ran (its lag checks left out)."""

    def __init__(self, server: RunningServer) -> None:
        self.statements: list[str] = []
        replica = next(iter(server.context.db.replicas))

        @event.listens_for(replica.engine.sync_engine, "before_cursor_execute")
        def record(*args: Any) -> None:
            statement = str(args[2])
            if "pg_last_wal_replay_lsn" not in statement:
                self.statements.append(statement)

    def touching(self, table: str) -> int:
        return sum(f"FROM {table}" in statement for statement in self.statements)


@pytest.fixture
async def root(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        yield http


async def serving(root: httpx.AsyncClient) -> float | None:
    return sample(await scrape(root), "shutter_db_replica_serving", replica="replica-1")


async def wait_until(check: Any, what: str, timeout_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)


async def feed_ids(client: httpx.AsyncClient, account: Account) -> list[str]:
    response = await client.get("/feed", headers=account.headers)
    assert response.status_code == 200, response.text
    return [post["id"] for post in response.json()["posts"]]


async def test_reads_go_to_the_replica_and_writes_to_the_primary(
    pair: ReplicatedPostgres,
    server: RunningServer,
    client: httpx.AsyncClient,
    root: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice")
    post = await create_post(client, alice, "on the primary")
    await server.settle()
    await asyncio.to_thread(pair.wait_for, pair.caught_up, "the replica caught up")
    reader = await register(client, "reader")
    replica = ReplicaStatements(server)
    # A reader who has not written for a while (the write window is short here).
    server.context.db.replicas._writers.clear()
    assert await serving(root) == 1  # a scrape measures the replica: fit, and fresh

    response = await client.get(f"/posts/{post['id']}", headers=reader.headers)

    assert response.status_code == 200
    assert response.json()["post"]["caption"] == "on the primary"
    assert replica.touching("posts") >= 1
    assert await serving(root) == 1
    samples = await scrape(root)
    lag = sample(samples, "shutter_db_replica_lag_seconds", replica="replica-1")
    assert lag is not None
    assert 0 <= lag <= 2
    assert sample(samples, "shutter_db_pool_capacity", db="replica-1") == 20


@pytest.mark.max_lag(3600.0)  # the paused replica stays "fit": only read-your-writes protects
async def test_nothing_a_user_just_wrote_is_read_back_stale(
    pair: ReplicatedPostgres,
    server: RunningServer,
    client: httpx.AsyncClient,
    root: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice")
    bob = await register(client, "bob")
    onlooker = await register(client, "onlooker")
    await server.settle()
    await asyncio.to_thread(pair.wait_for, pair.caught_up, "the replica caught up")
    server.context.db.replicas._writers.clear()  # nobody has written "recently"
    await asyncio.to_thread(pair.pause_replay)
    try:
        # A follow, a post, a like, each read back at once by the one who did it.
        await follow(client, bob, alice)
        following = await client.get(f"/users/{bob.id}/following", headers=bob.headers)
        assert [user["id"] for user in following.json()["users"]] == [alice.id]

        post = await create_post(client, alice, "fresh")
        mine = await client.get(f"/users/{alice.id}/posts", headers=alice.headers)
        assert [item["id"] for item in mine.json()["posts"]] == [post["id"]]
        await server.settle()
        assert await feed_ids(client, bob) == [post["id"]]

        await like(client, bob, post["id"])
        seen = await client.get(f"/posts/{post['id']}", headers=bob.headers)
        assert seen.json()["post"]["liked_by_me"] is True

        # Someone who wrote nothing is served by the (paused, so stale) replica: the
        # routing above is what kept the writers' reads fresh.
        assert await serving(root) == 1
        stale = await client.get(f"/posts/{post['id']}", headers=onlooker.headers)
        assert stale.status_code == 404
    finally:
        await asyncio.to_thread(pair.resume_replay)


@pytest.mark.max_lag(0.5)
async def test_a_lagging_replica_is_skipped_and_the_primary_serves(
    pair: ReplicatedPostgres,
    server: RunningServer,
    client: httpx.AsyncClient,
    root: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice")
    onlooker = await register(client, "onlooker")
    await server.settle()
    await wait_until(lambda: _equals(serving(root), 1), "the replica serving")
    await asyncio.to_thread(pair.pause_replay)
    try:
        post = await create_post(client, alice, "while the replica lags")
        await wait_until(lambda: _equals(serving(root), 0), "the lagging replica skipped")
        server.context.db.replicas._writers.clear()
        replica = ReplicaStatements(server)

        response = await client.get(f"/posts/{post['id']}", headers=onlooker.headers)

        assert response.status_code == 200  # the primary served it
        assert replica.touching("posts") == 0
        samples = await scrape(root)
        lag = sample(samples, "shutter_db_replica_lag_seconds", replica="replica-1")
        assert lag is not None
        assert lag > 0.5
    finally:
        await asyncio.to_thread(pair.resume_replay)
    await wait_until(lambda: _equals(serving(root), 1), "the replica serving again")


async def test_a_replica_that_is_down_is_skipped_and_the_primary_serves(
    pair: ReplicatedPostgres,
    server: RunningServer,
    client: httpx.AsyncClient,
    root: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice")
    post = await create_post(client, alice, "still here")
    await server.settle()
    await asyncio.to_thread(pair.wait_for, pair.caught_up, "the replica caught up")
    await wait_until(lambda: _equals(serving(root), 1), "the replica serving")
    server.context.db.replicas._writers.clear()
    await asyncio.to_thread(pair.stop, "replica")
    try:
        # At once, before any check noticed: the pooled connection fails its ping, the
        # read falls back to the primary.
        for _ in range(3):
            response = await client.get(f"/posts/{post['id']}", headers=alice.headers)
            assert response.status_code == 200
        samples = await scrape(root)
        assert sample(samples, "shutter_db_replica_serving", replica="replica-1") == 0
        errors = sample(samples, "shutter_db_replica_errors_total", replica="replica-1")
        assert errors is not None
        assert errors >= 1
    finally:
        await asyncio.to_thread(pair.start, "replica")
    await asyncio.to_thread(pair.wait_for, pair.streaming, "the replica streaming again")
    await wait_until(lambda: _equals(serving(root), 1), "the replica serving again")


async def _equals(value: Any, expected: float) -> bool:
    return bool(await value == expected)
