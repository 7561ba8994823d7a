"""When Redis is down: the feed is served from the database (marked degraded, rationed),
and posting, liking and messaging still succeed; when it is back, everything recovers by
itself (docs/operations.md, "When Redis is down").

On both profiles the timeline store is swapped for one whose connection is refused (the
embedded profile has no Redis to lose, but the same read path). On the distributed profile
a private redis-server is shut down and restarted under a running API (the shared Redis on
6379 is never touched), a silent one stands for a hung Redis, and the NATS client is
checked to reconnect for as long as a NATS outage lasts.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from shutter.feed.api import DEGRADED_HEADER
from shutter.settings import Settings
from shutter.stores.breaker import CircuitBreaker
from shutter.stores.timelines import GuardedTimelineStore, MemoryTimelineStore, TimelinePage
from tests.assertions import assert_error, eventually
from tests.conftest import PROFILES, RunningServer
from tests.factories import Account, block_row, follow, like, register
from tests.integration.test_feed import post
from tests.integration.test_messages import friends, send
from tests.integration.test_realtime import live, next_event

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

WAIT_S = 30.0  # a bound to fail by, not a speed claim


class RefusedTimelines(MemoryTimelineStore):
    """A timeline store whose every call is refused, as by a Redis that has gone."""

    def __init__(self) -> None:
        super().__init__(800, 14)

    async def page(self, user_id: int, before: int | None, limit: int) -> TimelinePage:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    async def add(self, user_id: int, post_ids: Any) -> None:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    async def save_snapshot(self, *args: Any) -> None:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    async def load_snapshot(self, *args: Any) -> Any:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@contextlib.contextmanager
def timelines_down(server: RunningServer) -> Iterator[None]:
    context = server.context
    healthy = context.timelines
    # The context is frozen; a test swaps a part in place to simulate an outage.
    refused = GuardedTimelineStore(RefusedTimelines(), CircuitBreaker("redis", 60.0))
    object.__setattr__(context, "timelines", refused)
    try:
        yield
    finally:
        object.__setattr__(context, "timelines", healthy)


async def read(client: httpx.AsyncClient, reader: Account, **params: Any) -> httpx.Response:
    response = await client.get("/feed", params=params, headers=reader.headers)
    assert response.status_code == 200, response.text
    return response


def ids(response: httpx.Response) -> list[str]:
    return [item["id"] for item in response.json()["posts"]]


def summary(response: httpx.Response) -> list[tuple[Any, ...]]:
    return [
        (item["id"], item["author"], item["caption"], item["like_count"], item["liked_by_me"])
        for item in response.json()["posts"]
    ]


async def scroll_ids(client: httpx.AsyncClient, reader: Account, limit: int) -> list[str]:
    """Every post of the reader's feed, page by page; asserts each page's marking agrees."""
    seen: list[str] = []
    cursor = None
    marks = set()
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await read(client, reader, **params)
        marks.add(response.headers.get(DEGRADED_HEADER))
        seen += ids(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            assert len(marks) == 1, marks
            return seen


async def test_without_timelines_the_feed_comes_from_the_database_marked_and_complete(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob, dave, erin = [await register(client) for _ in range(4)]
    await follow(client, alice, bob)
    await follow(client, alice, erin)
    mine = await post(client, alice, "mine")
    bobs = [await post(client, bob, f"bob {n}") for n in range(3)]
    await post(client, dave, "not followed")
    erins = await post(client, erin, "blocked below")
    await block_row(server.context, erin, alice)  # follows stay: only the block hides erin
    await server.settle()
    healthy = await read(client, alice, limit=50)
    assert DEGRADED_HEADER not in healthy.headers
    ranked_cursor = (await read(client, alice, mode="ranked", limit=1)).json()["next_cursor"]
    expected = [*reversed(bobs), mine]
    assert ids(healthy) == expected
    assert erins not in ids(healthy)

    with timelines_down(server):
        degraded = await read(client, alice, limit=50)
        assert degraded.headers[DEGRADED_HEADER] == "timelines"
        assert ids(degraded) == expected
        assert summary(degraded) == summary(healthy)  # the same post objects
        assert await scroll_ids(client, alice, limit=2) == expected  # cursors work alike

        ranked = await read(client, alice, mode="ranked", limit=50)
        assert ranked.headers[DEGRADED_HEADER] == "timelines"
        assert ids(ranked) == expected  # no snapshot to keep: newest first instead
        # What cannot do without Redis says so, and when to come back.
        for path, params in (
            ("/feed", {"mode": "ranked", "cursor": ranked_cursor}),  # its snapshot
            ("/explore", {}),  # has nowhere to keep one
        ):
            refused = await client.get(path, params=params, headers=alice.headers)
            assert_error(refused, 503, "temporarily_unavailable")
            assert int(refused.headers["Retry-After"]) >= 1

        # Writes commit and answer as usual; the own post is in the feed at once.
        newest = await post(client, alice, "during the outage")
        await like(client, alice, bobs[0])
        await send(client, alice, bob, "still there?")
        again = await read(client, alice, limit=50)
        assert ids(again) == [newest, *expected]
        assert again.headers[DEGRADED_HEADER] == "timelines"

    recovered = await read(client, alice, limit=50)
    assert DEGRADED_HEADER not in recovered.headers
    assert ids(recovered) == [newest, *expected]


@pytest.mark.parametrize("settings_overrides", [{"degraded_feed_reads_per_second": 0.01}])
async def test_degraded_reads_beyond_the_ration_are_503_with_retry_after(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice = await register(client)
    with timelines_down(server):
        first = await read(client, alice)
        assert first.headers[DEGRADED_HEADER] == "timelines"
        refused = await client.get("/feed", headers=alice.headers)
        assert_error(refused, 503, "feed_unavailable")
        assert int(refused.headers["Retry-After"]) >= 1
    assert DEGRADED_HEADER not in (await read(client, alice)).headers


# -- a real Redis that goes away (distributed profile) ---------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PrivateRedis:
    """A redis-server of this test's own, on a free port, that can be stopped and started."""

    def __init__(self, root: Path) -> None:
        self.port = _free_port()
        self.root = root

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _ping(self) -> bool:
        ping = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, timeout=10
        )
        return ping.stdout.strip() == b"PONG"

    async def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.root),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--logfile",
                str(self.root / "redis.log"),
            ],
            check=True,
        )

        async def up() -> bool:
            return self._ping()

        await eventually(up, WAIT_S, 0.05)

    async def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            capture_output=True,
            timeout=10,
        )

        async def down() -> bool:
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", self.port)) != 0

        await eventually(down, WAIT_S, 0.05)


@pytest.mark.parametrize("profile", [PROFILES[1]], indirect=True)
async def test_a_redis_outage_degrades_the_feed_and_everything_recovers_by_itself(
    settings: Settings, tmp_path: Path
) -> None:
    redis = PrivateRedis(tmp_path)
    await redis.start()
    # This deployment's Redis is the private one; without NATS, real-time events go over
    # Redis pub/sub, so the bus goes down and comes back with it.
    own = settings.model_copy(
        update={"redis_url": redis.url, "nats_url": None, "redis_retry_seconds": 0.2}
    )
    server = RunningServer(own)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"{server.base_url}/api/v1", timeout=30) as client:
            await _outage_and_recovery(server, client, redis)
    finally:
        await server.stop()
        await redis.stop()


async def _outage_and_recovery(
    server: RunningServer, client: httpx.AsyncClient, redis: PrivateRedis
) -> None:
    alice, bob = await friends(client)
    dave = await register(client)
    first, second = await post(client, bob, "one"), await post(client, bob, "two")
    await post(client, dave, "not followed")
    await server.settle()
    before = await read(client, alice, limit=50)
    assert DEGRADED_HEADER not in before.headers
    assert ids(before) == [second, first]

    async with live(server.base_url, bob) as bob_ws:
        await redis.stop()
        during = await read(client, alice, limit=50)
        assert during.headers[DEGRADED_HEADER] == "timelines"
        assert ids(during) == [second, first]
        # Still ready (a load balancer keeps the process), and saying what is missing.
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
            ready = await root.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["redis"].startswith("error")

        # Writes during the outage commit and answer as usual.
        third = await post(client, bob, "three")
        await like(client, alice, third)
        await send(client, alice, bob, "lost in the outage, caught up by seq")
        assert ids(await read(client, alice, limit=50)) == [third, second, first]

        await redis.start()

        async def served_from_timelines() -> bool:
            response = await read(client, alice, limit=50)
            return DEGRADED_HEADER not in response.headers

        await eventually(served_from_timelines, WAIT_S)
        assert ids(await read(client, alice, limit=50)) == [third, second, first]

        # The socket's subscription came back with Redis: a new message reaches it.
        # (Until the subscriber has reconnected a message is lost to the socket, as the
        # bus is best effort; the client would catch up by seq.)
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while True:
            sent = await send(client, alice, bob, "back?")
            with contextlib.suppress(TimeoutError):
                event = await next_event(bob_ws, "message", timeout_s=1.0)
                if event["message"]["id"] == sent["message_id"]:
                    break
            assert asyncio.get_running_loop().time() < deadline, "the socket heard nothing"


@pytest.mark.parametrize("profile", [PROFILES[1]], indirect=True)
async def test_a_hung_redis_costs_a_read_timeout_not_a_hung_request(settings: Settings) -> None:
    """A Redis that accepts connections and never answers (a stuck process, a full
    network buffer): the client's read timeout ends the wait, and the feed degrades."""
    held: list[asyncio.StreamWriter] = []

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    silent = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    own = settings.model_copy(
        update={
            "redis_url": f"redis://127.0.0.1:{port}/0",
            "nats_url": None,
            "node_id": 1,  # else start-up asks Redis for one
            "redis_timeout_seconds": 0.5,
        }
    )
    server = RunningServer(own)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"{server.base_url}/api/v1", timeout=60) as client:
            alice = await register(client)
            mine = await post(client, alice, "posted while Redis hangs")
            response = await read(client, alice)
            assert response.headers[DEGRADED_HEADER] == "timelines"
            assert ids(response) == [mine]
    finally:
        await server.stop()
        for writer in held:
            writer.close()
        silent.close()


@pytest.mark.parametrize("profile", [PROFILES[1]], indirect=True)
async def test_the_nats_client_keeps_reconnecting_for_as_long_as_an_outage_lasts(
    server: RunningServer,
) -> None:
    # The client's default gives up after 60 attempts (about two minutes), after which the
    # real-time bus and the event relay stay dead until the process is restarted.
    assert server.context.nats.options["max_reconnect_attempts"] == -1
    assert server.context.nats.is_connected
