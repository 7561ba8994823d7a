"""The WebSocket gateway on both profiles: message, read and notification events; tokens
checked as for HTTP; a slow consumer is disconnected; after an API restart a client
reconnects and catches up by seq with every message exactly once; and, on the
distributed profile, a socket on one API process receives what another one sends."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from shutter.settings import Settings
from tests.conftest import PROFILES, RunningServer
from tests.factories import Account, create_post, like, register
from tests.integration.test_messages import friends, history, send
from tests.services import deployment_env

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

WAIT_S = 30.0  # a bound for tests to fail by (on a busy machine), not a speed claim


def ws_url(base_url: str, token: str) -> str:
    return f"{base_url.replace('http://', 'ws://', 1)}/api/v1/ws?token={token}"


@asynccontextmanager
async def live(base_url: str, account: Account, **options: Any) -> AsyncIterator[ClientConnection]:
    """An open socket of the account's, past the gateway's hello (events flow from then)."""
    async with websockets.connect(ws_url(base_url, account.token), **options) as ws:
        hello = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
        assert hello["type"] == "hello"
        assert hello["user_id"] == account.id
        yield ws


async def next_event(ws: ClientConnection, kind: str, timeout_s: float = WAIT_S) -> dict[str, Any]:
    """The next event of this type (pings and other types skipped)."""
    async with asyncio.timeout(timeout_s):
        while True:
            event: dict[str, Any] = orjson.loads(await ws.recv())
            if event["type"] == kind:
                return event


async def test_a_socket_receives_messages_reads_and_notifications(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob = await friends(client)
    # Alice's follow notifies Bob through an event handler: handled before the sockets
    # open, so that the one notification they carry below is the like's.
    await server.settle()
    async with live(server.base_url, bob) as bob_ws, live(server.base_url, alice) as alice_ws:
        sent = await send(client, alice, bob, "are you online?")
        event = await next_event(bob_ws, "message")
        message = event["message"]
        assert message["id"] == sent["message_id"]
        assert message["conversation_id"] == sent["conversation_id"]
        assert (message["seq"], message["sender_id"]) == (1, alice.id)
        assert message["content"] == "are you online?"
        # The sender's other devices hear of it too.
        assert (await next_event(alice_ws, "message"))["message"]["id"] == sent["message_id"]

        read = await client.post(
            f"/conversations/{sent['conversation_id']}/read",
            json={"up_to_seq": 1},
            headers=bob.headers,
        )
        assert read.status_code == 200, read.text
        receipt = await next_event(alice_ws, "read")
        assert receipt == {
            "type": "read",
            "conversation_id": sent["conversation_id"],
            "user_id": bob.id,
            "up_to_seq": 1,
        }

        post = await create_post(client, bob, "like me")
        await like(client, alice, post["id"])
        notification = await next_event(bob_ws, "notification")
        badge = await client.get("/notifications/unread-count", headers=bob.headers)
        assert notification["kind"] == "like"
        assert notification["unread_count"] == badge.json()["unread_count"] == 2  # follow, like


async def test_the_socket_checks_tokens_as_http_does(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice = await register(client)
    for token in ("", "not-a-token", alice.token[:-2] + "xx"):
        async with websockets.connect(ws_url(server.base_url, token)) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), WAIT_S)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4401
    async with live(server.base_url, alice) as before:
        changed = await client.post(
            "/auth/password",
            json={"current_password": alice.password, "new_password": "a brand new secret"},
            headers=alice.headers,
        )
        assert changed.status_code == 200, changed.text
        # A socket opened with the old token is closed, not left listening.
        _, closed = await read_until_closed(before)
        assert closed.rcvd is not None
        assert closed.rcvd.code == 4401
    async with websockets.connect(ws_url(server.base_url, alice.token)) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), WAIT_S)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401
    fresh = Account(alice.id, alice.username, alice.email, "", changed.json()["access_token"])
    bob = await register(client)
    async with live(server.base_url, fresh) as after:
        # The socket of the new token is not closed and gets what comes next.
        sent = await send(client, bob, fresh, "still here?")
        assert (await next_event(after, "message"))["message"]["id"] == sent["message_id"]


def _small_receive_buffer_socket(base_url: str) -> socket.socket:
    """A TCP connection whose receive window is tiny, so that a client that stops reading
    pushes back on the server after a few kilobytes, not megabytes."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    return sock


async def read_until_closed(
    ws: ClientConnection,
) -> tuple[dict[str, int], websockets.ConnectionClosed]:
    """Read what the socket still delivers: {message id: seq}, and how it ended."""
    seen: dict[str, int] = {}
    try:
        while True:
            event = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
            if event["type"] == "message":
                seen[event["message"]["id"]] = event["message"]["seq"]
    except websockets.ConnectionClosed as closed:
        return seen, closed


def _incompressible() -> str:
    """1,000 random characters: the socket's compression cannot shrink the backlog."""
    return base64.b64encode(os.urandom(750)).decode()


def _shrink_server_send_buffers(server: RunningServer) -> None:
    """The same on the server's side of every open socket (autotuning would otherwise let
    the kernel buffer megabytes before the gateway's own queue fills)."""
    for connection in server.server.server_state.connections:
        if "WebSocket" in type(connection).__name__:
            connection.transport.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_SNDBUF, 4096
            )


@pytest.mark.parametrize("settings_overrides", [{"ws_queue_size": 8}])
async def test_a_slow_consumer_is_disconnected_and_catches_up(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob = await friends(client)
    sock = _small_receive_buffer_socket(server.base_url)
    registry = server.context.realtime.sockets
    sent: list[dict[str, Any]] = []
    # Bob's client stops reading (max_queue=1: the library reads one frame ahead, no more).
    async with live(server.base_url, bob, sock=sock, max_queue=1, ping_interval=None) as ws:
        _shrink_server_send_buffers(server)
        while len(registry) and len(sent) < 1000:
            batch = (send(client, alice, bob, _incompressible()) for _ in range(10))
            sent += await asyncio.gather(*batch)
        assert len(registry) == 0, "the gateway never gave up on the stalled socket"
        seen, closed = await read_until_closed(ws)
        assert closed.rcvd is not None
        assert closed.rcvd.code == 4008
    assert len(seen) < len(sent)  # some never made it over the socket
    # Reconnect and catch up after the last seq received (the socket delivers in order).
    last = max(seen.values(), default=0)
    conversation = sent[0]["conversation_id"]
    async with live(server.base_url, bob):
        after = last
        while True:
            page = await history(client, bob, conversation, after_seq=after, limit=100)
            seen.update({m["id"]: m["seq"] for m in page["messages"]})
            if not page["has_more"]:
                break
            after = page["messages"][-1]["seq"]
    assert sorted(seen.values()) == list(range(1, len(sent) + 1))


async def test_after_an_api_restart_the_client_catches_up_by_seq_with_each_message_once(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob = await friends(client)
    have: dict[str, dict[str, Any]] = {}  # Bob's client: messages by id (it de-duplicates)
    async with live(server.base_url, bob) as ws:
        for n in range(3):
            conversation = (await send(client, alice, bob, f"before {n}"))["conversation_id"]
        for _ in range(3):
            message = (await next_event(ws, "message"))["message"]
            have[message["id"]] = message
        last_seq = max(message["seq"] for message in have.values())
        await server.stop()
        with pytest.raises(websockets.ConnectionClosed):
            await next_event(ws, "message")

    restarted = RunningServer(server.settings)
    await restarted.start()
    try:
        async with httpx.AsyncClient(base_url=f"{restarted.base_url}/api/v1") as api:
            for n in range(2):  # sent while Bob's client is still reconnecting
                await send(api, alice, bob, f"while away {n}")
            # The reconnect protocol: open the socket, then ask for what came after.
            async with live(restarted.base_url, bob) as ws:
                page = await history(api, bob, conversation, after_seq=last_seq)
                have.update({message["id"]: message for message in page["messages"]})
                await send(api, alice, bob, "after")
                message = (await next_event(ws, "message"))["message"]
                have[message["id"]] = message
    finally:
        await restarted.stop()
    in_order = sorted(have.values(), key=lambda message: message["seq"])
    assert [message["seq"] for message in in_order] == [1, 2, 3, 4, 5, 6]
    assert [message["content"] for message in in_order] == [
        "before 0",
        "before 1",
        "before 2",
        "while away 0",
        "while away 1",
        "after",
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_api(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    """A second `shutter serve` process of the same deployment (no handlers of its own)."""
    env = deployment_env(
        settings,
        SHUTTER_RATE_LIMITS="off",
        SHUTTER_IN_PROCESS_WORKERS="false",
        SHUTTER_LOG_LEVEL="WARNING",
    )
    command = [sys.executable, "-m", "shutter.cli", "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


START_S = 120.0  # a second process starting on a busy machine: a bound, not a claim


async def wait_healthy(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = asyncio.get_running_loop().time() + START_S
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as http:
        while asyncio.get_running_loop().time() < deadline:
            assert process.poll() is None, "the second API process exited"
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the second API process did not start within {START_S} s")


@pytest.mark.parametrize("profile", PROFILES[1:])
@pytest.mark.parametrize(
    "settings_overrides",
    [pytest.param({}, id="nats"), pytest.param({"nats_url": None}, id="redis-pubsub")],
)
async def test_a_socket_on_one_api_process_receives_what_another_sends(
    server: RunningServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    alice, bob = await friends(client)
    port = _free_port()
    other = start_api(server.settings, port, tmp_path / "api2.log")
    other_url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(other_url, other)
        async with httpx.AsyncClient(base_url=f"{other_url}/api/v1", timeout=30) as other_api:
            # Bob's socket is on the second process; Alice writes through the first.
            async with live(other_url, bob) as ws:
                sent = await send(client, alice, bob, "across processes")
                event = await next_event(ws, "message", timeout_s=WAIT_S)
                assert event["message"]["id"] == sent["message_id"]
            # And the other way round, read receipts included.
            async with live(server.base_url, alice) as ws:
                back = await send(other_api, bob, alice, "and back")
                event = await next_event(ws, "message", timeout_s=WAIT_S)
                assert event["message"]["id"] == back["message_id"]
                read = await other_api.post(
                    f"/conversations/{back['conversation_id']}/read",
                    json={"up_to_seq": back["seq"]},
                    headers=alice.headers,
                )
                assert read.status_code == 200, read.text
                receipt = await next_event(ws, "read", timeout_s=WAIT_S)
                assert (receipt["user_id"], receipt["up_to_seq"]) == (alice.id, 2)
    finally:
        other.terminate()
        other.wait(30)


# A period long enough that the answering client, in this busy process, is never two
# periods late; the silent one is closed after two.
@pytest.mark.parametrize("settings_overrides", [{"ws_heartbeat_seconds": 1.0}])
async def test_heartbeats_keep_answering_sockets_and_close_silent_ones(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob = await friends(client)
    async with live(server.base_url, alice) as silent, live(server.base_url, bob) as answering:

        async def answer_pings() -> None:
            while True:
                event = orjson.loads(await answering.recv())
                if event["type"] == "ping":
                    await answering.send('{"type": "pong"}')

        answerer = asyncio.create_task(answer_pings())
        _, closed = await read_until_closed(silent)  # pings arrive, unanswered
        assert closed.rcvd is not None
        assert closed.rcvd.code == 4009
        assert not answerer.done()  # several periods on, the answering socket is open
        answerer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await answerer
        assert len(server.context.realtime.sockets) == 1
