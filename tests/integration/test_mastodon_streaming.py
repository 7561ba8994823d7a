"""Mastodon's streaming API on both profiles: over WebSocket and as server-sent events, a
follower's new post arrives as `update`, a like as `notification`, a deleted post as
`delete`; subscribe/unsubscribe over one socket; scopes; a revoked token or app closes
the stream; the health check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from shutter.mastodon.entities import mid
from tests.conftest import RunningServer
from tests.factories import Account, create_post, follow, like, register
from tests.integration.test_oauth import user_token

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

WAIT_S = 30.0  # a bound for tests to fail by (on a busy machine), not a speed claim


def stream_url(base_url: str, query: str = "") -> str:
    return f"{base_url.replace('http://', 'ws://', 1)}/api/v1/streaming{query}"


async def ready(ws: ClientConnection) -> None:
    """Wait until the stream is attached to the bus: the server reads commands only from
    then on, so the answer to a bad one says events flow."""
    await ws.send(orjson.dumps({"type": "subscribe", "stream": "no-such-stream"}).decode())
    answer = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
    assert answer == {"error": "Unknown stream type", "status": 400}


@asynccontextmanager
async def streaming(
    base_url: str, token: str, stream: str = "user", **options: Any
) -> AsyncIterator[ClientConnection]:
    query = f"?stream={stream}&access_token={token}" if stream else f"?access_token={token}"
    async with websockets.connect(stream_url(base_url, query), **options) as ws:
        await ready(ws)
        yield ws


async def next_message(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
    return message


async def oauth(root: httpx.AsyncClient, user: Account, scopes: str = "read") -> str:
    _, token = await user_token(root, user, scopes)
    access: str = token["access_token"]
    return access


async def author_and_follower(
    server: RunningServer, client: httpx.AsyncClient
) -> tuple[Account, Account]:
    """Two new accounts, the second following the first (the follow handled)."""
    alice, bob = await register(client), await register(client)
    await follow(client, bob, alice)
    await server.settle()
    return alice, bob


async def test_updates_notifications_and_deletes_reach_a_websocket(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice, bob = await author_and_follower(server, client)
        bob_token, alice_token = await oauth(root, bob), await oauth(root, alice)
        async with (
            streaming(server.base_url, bob_token) as bob_ws,
            streaming(server.base_url, alice_token) as alice_ws,
        ):
            post = await create_post(client, alice, "a fresh photo")
            update = await next_message(bob_ws)
            assert (update["stream"], update["event"]) == (["user"], "update")
            status = orjson.loads(update["payload"])
            assert status["id"] == mid(post["id"])
            assert status["content"] == "<p>a fresh photo</p>"
            assert status["account"]["username"] == alice.username
            assert len(status["media_attachments"]) == 1
            # The author's own post is in her home timeline too.
            own = await next_message(alice_ws)
            assert own["event"] == "update"
            assert orjson.loads(own["payload"])["id"] == mid(post["id"])

            await like(client, bob, post["id"])
            notified = await next_message(alice_ws)
            assert (notified["stream"], notified["event"]) == (["user"], "notification")
            notification = orjson.loads(notified["payload"])
            assert notification["type"] == "favourite"
            assert notification["account"]["username"] == bob.username
            assert notification["status"]["id"] == mid(post["id"])

            deleted = await client.delete(f"/posts/{post['id']}", headers=alice.headers)
            assert deleted.status_code == 204, deleted.text
            gone = await next_message(bob_ws)
            assert (gone["event"], gone["payload"]) == ("delete", mid(post["id"]))


async def test_one_socket_subscribes_and_unsubscribes(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice, bob = await author_and_follower(server, client)
        # The token in Sec-WebSocket-Protocol, as browsers send it; no stream at first.
        token = await oauth(root, bob)
        async with websockets.connect(stream_url(server.base_url), subprotocols=[token]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == token
            await ready(ws)
            await ws.send(orjson.dumps({"type": "subscribe", "stream": "user"}).decode())
            first = await create_post(client, alice, "one")
            assert orjson.loads((await next_message(ws))["payload"])["id"] == mid(first["id"])

            await ws.send(orjson.dumps({"type": "unsubscribe", "stream": "user"}).decode())
            await ws.send(
                orjson.dumps({"type": "subscribe", "stream": "user:notification"}).decode()
            )
            await ready(ws)  # the commands are read in order: both are in effect
            await create_post(client, alice, "two")
            await server.settle()  # its fan-out is over: no update may follow
            await follow(client, alice, bob)
            message = await next_message(ws)
            assert (message["stream"], message["event"]) == (["user:notification"], "notification")
            assert orjson.loads(message["payload"])["type"] == "follow"

            await ws.send("not json")
            assert await next_message(ws) == {
                "error": "Invalid JSON or missing stream",
                "status": 400,
            }


async def test_streams_need_a_token_and_their_scope(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        bob = await register(client)
        for query in ("?stream=user", "?stream=user&access_token=sho_nope"):
            with pytest.raises(websockets.InvalidStatus):
                await websockets.connect(stream_url(server.base_url, query))
        notifications_only = await oauth(root, bob, "read:notifications")
        query = f"?stream=user&access_token={notifications_only}"
        async with websockets.connect(stream_url(server.base_url, query)) as ws:
            assert await next_message(ws) == {
                "error": "Access token does not have the required scopes",
                "status": 400,
            }
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), WAIT_S)
            assert ws.close_code == 1008

        unauthorised = await root.get("/api/v1/streaming/user")
        assert unauthorised.status_code == 401
        assert unauthorised.json() == {"error": "Missing access token"}
        refused = await root.get(
            "/api/v1/streaming/user",
            headers={"Authorization": f"Bearer {notifications_only}"},
        )
        assert refused.status_code == 403
        health = await root.get("/api/v1/streaming/health")
        assert (health.status_code, health.text) == (200, "OK")


async def test_a_revoked_token_or_app_closes_its_streams(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        bob = await register(client)
        app, token = await user_token(root, bob, "read")
        async with streaming(server.base_url, token["access_token"]) as ws:
            revoked = await root.post(
                "/oauth/revoke",
                data={
                    "client_id": app["client_id"],
                    "client_secret": app["client_secret"],
                    "token": token["access_token"],
                },
            )
            assert revoked.status_code == 200, revoked.text
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), WAIT_S)
            assert ws.close_code == 4401

        app, token = await user_token(root, bob, "read")
        async with streaming(server.base_url, token["access_token"]) as ws:
            gone = await client.delete(f"/oauth/grants/{app['id']}", headers=bob.headers)
            assert gone.status_code == 204, gone.text
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), WAIT_S)
            assert ws.close_code == 4401


async def test_server_sent_events_stream_updates(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice, bob = await author_and_follower(server, client)
        token = await oauth(root, bob)
        headers = {"Authorization": f"Bearer {token}"}
        async with root.stream("GET", "/api/v1/streaming/user", headers=headers) as events:
            assert events.status_code == 200
            assert events.headers["content-type"].startswith("text/event-stream")
            lines = events.aiter_lines()
            assert await asyncio.wait_for(anext(lines), WAIT_S) == ":)"  # subscribed
            post = await create_post(client, alice, "streamed")
            async with asyncio.timeout(WAIT_S):
                while await anext(lines) != "event: update":
                    pass
                data = await anext(lines)
            assert data.startswith("data: ")
            assert orjson.loads(data.removeprefix("data: "))["id"] == mid(post["id"])


async def test_a_muted_authors_posts_are_not_streamed(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        loud, bob = await author_and_follower(server, client)
        quiet = await register(client)
        await follow(client, bob, quiet)
        muted = await client.post(f"/users/{loud.id}/mute", json={}, headers=bob.headers)
        assert muted.status_code == 200, muted.text
        async with streaming(server.base_url, await oauth(root, bob)) as ws:
            await create_post(client, loud, "shouting")
            await server.settle()  # its fan-out is over: had it been streamed, it came first
            kept = await create_post(client, quiet, "whispering")
            update = await next_message(ws)
            assert orjson.loads(update["payload"])["id"] == mid(kept["id"])


@pytest.mark.parametrize("settings_overrides", [{"celebrity_threshold": 2}])
async def test_a_pulled_authors_posts_reach_the_followers_streams_once(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        star, bob, carol, dave = [await register(client) for _ in range(4)]
        await follow(client, bob, star)
        await follow(client, carol, star)  # the second follower: star is pulled now
        await follow(client, dave, bob)
        await server.settle()
        bob_token, dave_token = await oauth(root, bob), await oauth(root, dave)
        async with (
            streaming(server.base_url, bob_token) as bob_ws,
            streaming(server.base_url, dave_token) as dave_ws,
        ):
            post = await create_post(client, star, "to a million followers")
            update = await next_message(bob_ws)
            assert (update["stream"], update["event"]) == (["user"], "update")
            assert orjson.loads(update["payload"])["id"] == mid(post["id"])
            # Not fanned out: the native feed pulls it at read time, the same post.
            feed = (await client.get("/feed", headers=bob.headers)).json()
            assert [item["id"] for item in feed["posts"]] == [post["id"]]

            # Dave follows bob, not star: he hears bob's post and never star's.
            own = await create_post(client, bob, "bob's own")
            heard = await next_message(dave_ws)
            assert orjson.loads(heard["payload"])["id"] == mid(own["id"])
            # Bob hears his own post next, so star's was sent to him once.
            again = await next_message(bob_ws)
            assert orjson.loads(again["payload"])["id"] == mid(own["id"])
