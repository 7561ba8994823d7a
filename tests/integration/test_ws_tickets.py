"""WebSocket tickets on both profiles: the socket opens with a short-lived ticket from
POST /ws/ticket instead of the access token in its URL; a ticket opens one socket only,
expires, is revoked with its token by a password change, and is no access token (nor is
an access token a ticket)."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest
import websockets

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import Account, register
from tests.integration.test_messages import friends, send
from tests.integration.test_realtime import WAIT_S, next_event

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


def ticket_url(base_url: str, ticket: str) -> str:
    return f"{base_url.replace('http://', 'ws://', 1)}/api/v1/ws?ticket={ticket}"


async def new_ticket(client: httpx.AsyncClient, account: Account) -> str:
    response = await client.post("/ws/ticket", headers=account.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["expires_in"] == 30
    ticket: str = body["ticket"]
    assert account.token not in ticket
    return ticket


async def assert_refused(url: str) -> None:
    async with websockets.connect(url) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), WAIT_S)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401


async def test_a_ticket_opens_one_socket_that_receives_events(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob = await friends(client)
    ticket = await new_ticket(client, bob)
    async with websockets.connect(ticket_url(server.base_url, ticket)) as ws:
        hello = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
        assert (hello["type"], hello["user_id"]) == ("hello", bob.id)
        sent = await send(client, alice, bob, "ticket holders welcome")
        assert (await next_event(ws, "message"))["message"]["id"] == sent["message_id"]
        # The same ticket again, even while its first socket is open: refused.
        await assert_refused(ticket_url(server.base_url, ticket))
    await assert_refused(ticket_url(server.base_url, ticket))


async def test_tickets_and_access_tokens_are_not_interchangeable(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice = await register(client)
    assert_error(await client.post("/ws/ticket"), 401, "unauthenticated")
    ticket = await new_ticket(client, alice)
    as_token = await client.get("/users/me", headers={"Authorization": f"Bearer {ticket}"})
    assert_error(as_token, 401, "unauthenticated")
    await assert_refused(ticket_url(server.base_url, alice.token))
    expired = server.context.tokens.issue_ws_ticket(int(alice.id), 0, -5)
    await assert_refused(ticket_url(server.base_url, expired))


async def test_a_password_change_revokes_tickets_issued_before(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice = await register(client)
    ticket = await new_ticket(client, alice)
    changed = await client.post(
        "/auth/password",
        json={"current_password": alice.password, "new_password": "a brand new secret"},
        headers=alice.headers,
    )
    assert changed.status_code == 200, changed.text
    await assert_refused(ticket_url(server.base_url, ticket))
