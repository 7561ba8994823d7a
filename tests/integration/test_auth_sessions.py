"""Sessions on both profiles: login and register answer a refresh token; refresh rotates
it and a reused one ends the session; logout, the session list, signing one device out
and every other one; a revoked session's WebSocket closes, on another API process too."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import websockets
from sqlalchemy import update

from shutter.db.tables import auth_sessions
from tests.assertions import assert_error
from tests.conftest import PROFILES, SECRET, RunningServer
from tests.factories import Account, register
from tests.integration.test_realtime import (
    WAIT_S,
    _free_port,
    live,
    read_until_closed,
    start_api,
    wait_healthy,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
LAPTOP_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(client: httpx.AsyncClient, account: Account, agent: str) -> dict[str, Any]:
    response = await client.post(
        "/auth/login",
        json={"login": account.username, "password": account.password},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/auth/refresh", json={"refresh_token": token})


async def me_status(client: httpx.AsyncClient, access_token: str) -> int:
    return (await client.get("/users/me", headers=bearer(access_token))).status_code


async def test_login_and_register_answer_short_access_tokens_and_a_refresh_token(
    client: httpx.AsyncClient,
) -> None:
    registered = await client.post(
        "/auth/register",
        json={"username": "fresh", "email": "fresh@example.com", "password": "correct horse 1"},
    )
    body = registered.json()
    assert set(body) >= {"user", "access_token", "refresh_token", "expires_in", "token_type"}
    assert body["expires_in"] == 900
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 900
    assert "sid" in claims
    account = Account(body["user"]["id"], "fresh", "fresh@example.com", "correct horse 1", "")
    signed_in = await sign_in(client, account, LAPTOP_UA)
    assert signed_in["refresh_token"] != body["refresh_token"]
    assert (signed_in["token_type"], signed_in["expires_in"]) == ("bearer", 900)


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    laptop = await sign_in(client, account, LAPTOP_UA)

    first = await refresh(client, laptop["refresh_token"])
    assert first.status_code == 200, first.text
    rotated = first.json()
    assert rotated["refresh_token"] != laptop["refresh_token"]
    assert await me_status(client, rotated["access_token"]) == 200
    second = await refresh(client, rotated["refresh_token"])
    assert second.status_code == 200, second.text
    latest = second.json()

    # A thief replays the first (rotated) token: the whole session ends, for both.
    replay = await refresh(client, laptop["refresh_token"])
    assert_error(replay, 401, "refresh_token_reused")
    assert_error(await refresh(client, latest["refresh_token"]), 401, "session_revoked")
    for token in (laptop["access_token"], rotated["access_token"], latest["access_token"]):
        assert await me_status(client, token) == 401
    # Other sessions of the account are untouched.
    assert await me_status(client, account.token) == 200

    for bad in ("A" * 43, latest["refresh_token"][:-3] + "xyz"):
        assert_error(await refresh(client, bad), 401)
    assert_error(await refresh(client, "short"), 422)
    assert_error(await client.post("/auth/refresh", json={}), 422)


async def test_expired_and_forged_tokens_answer_401_and_change_nothing(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    account = await register(client)
    phone = await sign_in(client, account, PHONE_UA)
    laptop = await sign_in(client, account, LAPTOP_UA)
    # An access token past its 15 minutes, and one signed with another key.
    claims = jwt.decode(phone["access_token"], SECRET, algorithms=["HS256"])
    stale = jwt.encode(claims | {"exp": claims["iat"] - 1}, SECRET, algorithm="HS256")
    forged = jwt.encode(claims, "another key that is long enough 0123456789", algorithm="HS256")
    for token in (stale, forged):
        assert_error(await client.get("/users/me", headers=bearer(token)), 401)

    # The phone's refresh token outlived its session (60 days without use).
    claims = jwt.decode(phone["access_token"], SECRET, algorithms=["HS256"])
    async with server.context.db.write() as uow:
        await uow.conn.execute(
            update(auth_sessions)
            .where(auth_sessions.c.id == int(claims["sid"]))
            .values(expires_at=auth_sessions.c.created_at)
        )
    assert_error(await refresh(client, phone["refresh_token"]), 401, "session_revoked")
    assert_error(await refresh(client, phone["refresh_token"]), 401, "session_revoked")
    # Nothing else changed: the laptop's session lives and refreshes.
    assert await me_status(client, laptop["access_token"]) == 200
    rotated = await refresh(client, laptop["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    listed = await client.get("/sessions", headers=bearer(rotated.json()["access_token"]))
    live_ids = {item["id"] for item in listed.json()["sessions"]}
    laptop_sid = jwt.decode(laptop["access_token"], SECRET, algorithms=["HS256"])["sid"]
    assert laptop_sid in live_ids
    assert claims["sid"] not in live_ids
    assert len(live_ids) == 2  # the registration's and the laptop's


async def test_sessions_are_listed_and_signed_out_one_by_one_or_all_but_this(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    phone = await sign_in(client, account, PHONE_UA)
    laptop = await sign_in(client, account, LAPTOP_UA)

    listed = await client.get("/sessions", headers=bearer(laptop["access_token"]))
    assert listed.status_code == 200, listed.text
    found = listed.json()["sessions"]
    assert len(found) == 3  # registration, phone, laptop
    by_device = {item["device"]: item for item in found}
    assert by_device["Safari on iPhone"]["current"] is False
    assert by_device["Firefox on Linux"]["current"] is True
    assert by_device["Firefox on Linux"]["ip"] == "127.0.0.1"
    assert [item["current"] for item in found].count(True) == 1
    for item in found:  # most recently used first; each says when it began and was last used
        assert item["created_at"] <= item["last_used_at"]
    assert [item["last_used_at"] for item in found] == sorted(
        (item["last_used_at"] for item in found), reverse=True
    )
    assert by_device["Safari on iPhone"]["user_agent"] == PHONE_UA
    phone_id = by_device["Safari on iPhone"]["id"]

    gone = await client.delete(f"/sessions/{phone_id}", headers=bearer(laptop["access_token"]))
    assert gone.status_code == 204, gone.text
    assert await me_status(client, phone["access_token"]) == 401
    assert_error(await refresh(client, phone["refresh_token"]), 401, "session_revoked")
    again = await client.delete(f"/sessions/{phone_id}", headers=bearer(laptop["access_token"]))
    assert_error(again, 404, "session_not_found")
    stranger = await register(client)
    theirs = await client.delete(f"/sessions/{phone_id}", headers=stranger.headers)
    assert_error(theirs, 404, "session_not_found")
    bad_id = await client.delete("/sessions/abc", headers=stranger.headers)
    assert_error(bad_id, 422)

    others = await client.delete("/sessions", headers=bearer(laptop["access_token"]))
    assert others.status_code == 200, others.text
    assert others.json() == {"revoked": 1}  # the registration's session
    assert await me_status(client, account.token) == 401
    assert await me_status(client, laptop["access_token"]) == 200
    remaining = (await client.get("/sessions", headers=bearer(laptop["access_token"]))).json()
    assert [item["device"] for item in remaining["sessions"]] == ["Firefox on Linux"]

    out = await client.post("/auth/logout", headers=bearer(laptop["access_token"]))
    assert out.status_code == 204
    assert await me_status(client, laptop["access_token"]) == 401
    assert_error(await refresh(client, laptop["refresh_token"]), 401, "session_revoked")
    assert_error(await client.post("/auth/logout"), 401)


async def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client, password="first password")
    phone = await sign_in(client, account, PHONE_UA)
    changed = await client.post(
        "/auth/password",
        json={"current_password": "first password", "new_password": "second password"},
        headers=account.headers,
    )
    assert changed.status_code == 200, changed.text
    assert_error(await refresh(client, phone["refresh_token"]), 401, "session_revoked")
    sessions = await client.get("/sessions", headers=bearer(changed.json()["access_token"]))
    assert [item["current"] for item in sessions.json()["sessions"]] == [True]


async def test_logging_out_closes_that_sessions_websocket_only(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    account = await register(client)
    laptop = await sign_in(client, account, LAPTOP_UA)
    laptop_account = Account(
        account.id, account.username, account.email, "", laptop["access_token"]
    )
    async with live(server.base_url, account) as kept, live(server.base_url, laptop_account) as ws:
        out = await client.post("/auth/logout", headers=bearer(laptop["access_token"]))
        assert out.status_code == 204
        _, closed = await read_until_closed(ws)
        assert closed.rcvd is not None
        assert closed.rcvd.code == 4401
        pong = await kept.ping()  # the other session's socket stays open and answers
        await asyncio.wait_for(pong, WAIT_S)
        assert kept.close_code is None


@pytest.mark.parametrize("profile", PROFILES[1:])
async def test_revoking_a_session_closes_its_websocket_on_another_api_process(
    server: RunningServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    account = await register(client)
    phone = await sign_in(client, account, PHONE_UA)
    phone_account = Account(account.id, account.username, account.email, "", phone["access_token"])
    port = _free_port()
    other = start_api(server.settings, port, tmp_path / "api2.log")
    other_url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(other_url, other)
        async with live(other_url, phone_account) as ws:
            listed = (await client.get("/sessions", headers=account.headers)).json()["sessions"]
            phone_id = next(item["id"] for item in listed if item["device"] == "Safari on iPhone")
            gone = await client.delete(f"/sessions/{phone_id}", headers=account.headers)
            assert gone.status_code == 204
            _, closed = await asyncio.wait_for(read_until_closed(ws), WAIT_S)
            assert closed.rcvd is not None
            assert closed.rcvd.code == 4401
        async with httpx.AsyncClient(base_url=f"{other_url}/api/v1", timeout=30) as other_api:
            # Within the documented bound (TTL_S of auth/sessions.py) the other process
            # refuses the access token too.
            deadline = asyncio.get_running_loop().time() + WAIT_S
            while await me_status(other_api, phone["access_token"]) != 401:
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.1)
        async with websockets.connect(
            f"{other_url.replace('http', 'ws')}/api/v1/ws?token={phone['access_token']}"
        ) as refused:
            with pytest.raises(websockets.ConnectionClosed) as error:
                await asyncio.wait_for(refused.recv(), WAIT_S)
            assert error.value.rcvd is not None
            assert error.value.rcvd.code == 4401
    finally:
        other.terminate()
        other.wait(30)
