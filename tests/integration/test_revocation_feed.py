"""A revocation reaches every API process at once over the bus, so a process can trust a
token it confirmed without asking the database on every request (auth/sessions.py).

Both processes here would trust a confirmed token for 60 s without the bus
(`revocation_check_seconds`): only the broadcast can make the other one refuse it
within `WAIT_S` (a bound to fail by on a busy machine, not a speed claim)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PROFILES, RunningServer
from tests.factories import register
from tests.integration.test_auth_sessions import PHONE_UA, me_status, sign_in
from tests.integration.test_realtime import _free_port, start_api, wait_healthy

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

DEAF_TRUST_S = 60.0
WAIT_S = 15.0


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"revocation_check_seconds": DEAF_TRUST_S}


async def refused_within(client: httpx.AsyncClient, token: str, seconds: float) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await me_status(client, token) == 401:
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.mark.parametrize("profile", PROFILES[1:])
async def test_another_process_refuses_a_revoked_token_at_once(
    server: RunningServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    account = await register(client)
    phone = await sign_in(client, account, PHONE_UA)
    port = _free_port()
    other = start_api(server.settings, port, tmp_path / "api2.log")
    try:
        await wait_healthy(f"http://127.0.0.1:{port}", other)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}/api/v1", timeout=30
        ) as other_api:
            # The other process confirms the phone's token and the password's version.
            assert await me_status(other_api, phone["access_token"]) == 200
            assert await me_status(other_api, account.token) == 200

            listed = (await client.get("/sessions", headers=account.headers)).json()["sessions"]
            phone_id = next(item["id"] for item in listed if item["device"] == "Safari on iPhone")
            gone = await client.delete(f"/sessions/{phone_id}", headers=account.headers)
            assert gone.status_code == 204
            assert await refused_within(other_api, phone["access_token"], WAIT_S)
            assert await me_status(other_api, account.token) == 200  # only that session

            changed = await client.post(
                "/auth/password",
                json={"current_password": account.password, "new_password": "a new pass phrase"},
                headers=account.headers,
            )
            assert changed.status_code == 200, changed.text
            assert await refused_within(other_api, account.token, WAIT_S)
            assert await me_status(other_api, changed.json()["access_token"]) == 200
    finally:
        other.terminate()
        other.wait(30)
