"""The event log on a three-node NATS JetStream cluster (started here on loopback, the
stream replicated on all three): the node Shutter is connected to is killed in the middle
of a fan-out and of a burst of direct messages, and nothing is lost or duplicated in a
feed or a conversation; the relay and the consumers move to the other nodes by themselves.

The fan-out reaches 5,000 followers here, not the 20,000 of test_fanout_faults.py: the
point is a node dying mid fan-out, which 50 pages of 100 make long enough, and the run
stays short on a two-core CI machine.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from redis.asyncio import Redis

from shutter.events.runtime import stream_name
from tests import services
from tests.assertions import eventually
from tests.conftest import PROFILES, RunningServer
from tests.factories import follow, image_bytes, register, upload_image
from tests.integration import test_fanout_faults
from tests.integration.test_fanout_faults import holders, seed_followers

FOLLOWERS = 5_000
WAIT_S = 240.0  # a bound for a busy machine, not a speed claim
MESSAGES = 50  # one page of history
pytestmark = pytest.mark.timeout(600)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class NatsCluster:
    """Three nats-server processes with JetStream, routed to each other on loopback."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.client_ports = [_free_port() for _ in range(3)]
        self.route_ports = [_free_port() for _ in range(3)]
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        return ",".join(f"nats://127.0.0.1:{port}" for port in self.client_ports)

    def start(self, index: int) -> None:
        routes = ", ".join(
            f"nats-route://127.0.0.1:{port}"
            for other, port in enumerate(self.route_ports)
            if other != index
        )
        config = self.root / f"n{index}.conf"
        config.write_text(
            f"""
server_name: n{index}
listen: 127.0.0.1:{self.client_ports[index]}
jetstream {{ store_dir: "{self.root / f"n{index}"}", max_memory_store: 64MB, max_file_store: 2GB }}
cluster {{
  name: shutter-test
  listen: 127.0.0.1:{self.route_ports[index]}
  routes: [{routes}]
}}
"""
        )
        log = (self.root / f"n{index}.log").open("ab")
        self.processes[index] = subprocess.Popen(
            ["nats-server", "-c", str(config)], stdout=log, stderr=subprocess.STDOUT
        )

    def kill(self, port: int) -> None:
        """SIGKILL the node listening on `port` (no goodbye to clients or peers)."""
        index = self.client_ports.index(port)
        process = self.processes.pop(index)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            process.kill()
            process.wait()
        self.processes.clear()


async def _jetstream_ready(url: str) -> bool:
    """The cluster has a JetStream meta leader: an R3 stream can be made."""
    try:
        client = await nats.connect(url.split(","), connect_timeout=1, max_reconnect_attempts=0)
    except Exception:
        return False
    try:
        name = f"PROBE_{uuid.uuid4().hex[:8].upper()}"
        from nats.js.api import StreamConfig

        js = client.jetstream(timeout=2)
        await js.add_stream(StreamConfig(name=name, subjects=[f"probe.{name}"], num_replicas=3))
        await js.delete_stream(name)
        return True
    except Exception:
        return False
    finally:
        await client.close()


@pytest.fixture(scope="module")
def nats_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    if shutil.which("nats-server") is None:
        message = "NATS-SERVER MISSING: the JetStream cluster test needs `nats-server`"
        if services.IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    cluster = NatsCluster(tmp_path_factory.mktemp("nats-cluster"))
    try:
        for index in range(3):
            cluster.start(index)

        async def ready() -> None:
            async def check() -> bool:
                return await _jetstream_ready(cluster.url)

            await eventually(check, 120, every_s=0.2)

        asyncio.run(ready())
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=PROFILES[1:])
def profile(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def settings_overrides(nats_cluster: NatsCluster) -> dict[str, Any]:
    return {
        "nats_url": nats_cluster.url,
        "nats_stream_replicas": 3,
        # Small pages make the fan-out long enough to be interrupted; a short ack wait
        # makes JetStream redeliver an event whose ack was lost with the node.
        "fanout_page_size": 100,
        "event_ack_wait_seconds": 2,
    }


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(services.REDIS_URL)
    yield client
    await client.aclose()


async def send_until_stored(
    client: httpx.AsyncClient, sender: Any, body: dict[str, Any]
) -> dict[str, Any]:
    """Send a message as a client does: again, with the same client id, until answered."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while True:
        try:
            response = await client.post("/messages", json=body, headers=sender.headers)
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code in (200, 201):
            stored: dict[str, Any] = response.json()
            return stored
        assert asyncio.get_running_loop().time() < deadline, response and response.text
        await asyncio.sleep(0.1)


async def test_a_node_killed_mid_fan_out_and_mid_dm_burst_loses_and_repeats_nothing(
    nats_cluster: NatsCluster,
    server: RunningServer,
    client: httpx.AsyncClient,
    redis: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(test_fanout_faults, "FOLLOWERS", FOLLOWERS)
    settings = server.settings
    stream = await server.context.nats.jetstream().stream_info(stream_name(settings.namespace))
    assert stream.config.num_replicas == 3
    author = await register(client)
    followers = await seed_followers(settings, int(author.id), redis)
    alice = await register(client, "alice")
    bob = await register(client, "bob")
    await follow(client, bob, author)
    await client.get("/feed", headers=bob.headers)  # bob's timeline exists from here on
    await server.settle()

    media_id = await upload_image(client, author, image_bytes((8, 8)))
    response = await client.post("/posts", json={"media_ids": [media_id]}, headers=author.headers)
    assert response.status_code == 201
    post_id = response.json()["post"]["id"]
    member = f"{int(post_id):020d}"
    bodies = [
        {"recipient_id": bob.id, "content": f"m{n}", "client_message_id": f"burst-{n}"}
        for n in range(MESSAGES)
    ]
    burst = asyncio.gather(*(send_until_stored(client, alice, body) for body in bodies[:25]))

    # Kill the node Shutter is connected to once the fan-out is under way.
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not await holders(redis, settings.namespace, followers[:50], member):
        assert asyncio.get_running_loop().time() < deadline, "the fan-out never started"
        await asyncio.sleep(0.005)
    connected = server.context.nats.connected_url.port
    nats_cluster.kill(connected)
    had_it = await holders(redis, settings.namespace, followers, member)
    # The rest of the burst goes out while the client is moving to another node.
    rest = asyncio.gather(*(send_until_stored(client, alice, body) for body in bodies[25:]))
    sent = [*await burst, *await rest]

    async def delivered_to_all() -> bool:
        return await holders(redis, settings.namespace, followers, member) == FOLLOWERS

    await eventually(delivered_to_all, WAIT_S)
    assert had_it < FOLLOWERS, "the node died after the fan-out had finished"
    assert server.context.nats.connected_url.port != connected  # moved on by itself
    # Exactly once in every follower's timeline: the sentinel and this one post.
    async with redis.pipeline(transaction=False) as pipe:
        for user in followers:
            pipe.zcard(f"{settings.namespace}:tl:{{{user}}}")
        sizes = await pipe.execute()
    assert set(sizes) == {2}
    # Bob's feed: the post once; the conversation: every message once, in order, no gap.
    await server.settle()
    feed = await client.get("/feed", headers=bob.headers)
    assert [post["id"] for post in feed.json()["posts"]] == [post_id]
    conversation = sent[0]["conversation_id"]
    history = await client.get(
        f"/conversations/{conversation}/messages",
        params={"after_seq": 0, "limit": MESSAGES},
        headers=bob.headers,
    )
    assert history.status_code == 200, history.text
    messages = history.json()["messages"]
    assert [message["seq"] for message in messages] == list(range(1, MESSAGES + 1))
    assert sorted(message["content"] for message in messages) == sorted(
        body["content"] for body in bodies
    )
    # Events written after the kill still flow: the relay and the consumers reconnected.
    second = await upload_image(client, author, image_bytes((9, 9)))
    response = await client.post("/posts", json={"media_ids": [second]}, headers=author.headers)
    later = response.json()["post"]["id"]
    await server.settle()
    feed = await client.get("/feed", headers=bob.headers)
    assert [post["id"] for post in feed.json()["posts"]] == [later, post_id]
