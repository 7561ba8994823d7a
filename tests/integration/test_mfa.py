"""Two-factor sign-in (TOTP) on both profiles: set-up with a QR code, login answering
`mfa_required` with a challenge, a code accepted once and within ±30 s only, recovery
codes (each once), turning it off, and the rate limit on wrong codes."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pyotp
import pytest

from shutter.accounts.mfa import CHALLENGE_TTL_S
from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import Account, register

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def turn_on(client: httpx.AsyncClient, account: Account) -> tuple[pyotp.TOTP, list[str]]:
    setup = await client.post("/auth/mfa/totp", headers=account.headers)
    assert setup.status_code == 200, setup.text
    body = setup.json()
    assert body["qr_svg"].startswith("<svg")
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert account.username in body["otpauth_uri"]
    totp = pyotp.TOTP(body["secret"])
    wrong = await client.post(
        "/auth/mfa/totp/confirm", json={"code": "000000"}, headers=account.headers
    )
    if totp.now() != "000000":
        assert_error(wrong, 400, "invalid_code")
    # The step before now: the sign-in below uses the current one (each is accepted once).
    confirmed = await client.post(
        "/auth/mfa/totp/confirm",
        json={"code": totp.at(time.time() - 30)},
        headers=account.headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    codes: list[str] = confirmed.json()["recovery_codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    return totp, codes


async def password_step(client: httpx.AsyncClient, account: Account) -> str:
    response = await client.post(
        "/auth/login", json={"login": account.username, "password": account.password}
    )
    error = assert_error(response, 401, "mfa_required")
    assert "access_token" not in response.text
    challenge: str = error["challenge"]
    return challenge


async def second_step(client: httpx.AsyncClient, challenge: str, code: str) -> httpx.Response:
    return await client.post("/auth/login/mfa", json={"challenge": challenge, "code": code})


async def test_totp_set_up_then_login_with_a_code_accepted_once(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    totp, _ = await turn_on(client, account)
    again = await client.post("/auth/mfa/totp", headers=account.headers)
    assert_error(again, 409, "mfa_already_enabled")

    challenge = await password_step(client, account)
    # The challenge is not an access token.
    not_a_token = await client.get("/users/me", headers={"Authorization": f"Bearer {challenge}"})
    assert_error(not_a_token, 401)
    code = totp.now()
    signed_in = await second_step(client, challenge, code)
    assert signed_in.status_code == 200, signed_in.text
    tokens: dict[str, Any] = signed_in.json()
    assert set(tokens) >= {"access_token", "refresh_token", "expires_in"}
    me = await client.get(
        "/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 200

    replay = await second_step(client, await password_step(client, account), code)
    assert_error(replay, 400, "invalid_code")
    assert_error(await second_step(client, "forged.challenge.value", code), 401)
    assert_error(await second_step(client, challenge, "12"), 422)


async def test_codes_are_accepted_within_30_seconds_of_the_clock_and_no_more(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    totp, _ = await turn_on(client, account)
    challenge = await password_step(client, account)
    for skew in (-90, -60, 60, 90):
        late = await second_step(client, challenge, totp.at(time.time() + skew))
        assert_error(late, 400, "invalid_code")
    ahead = await second_step(client, challenge, totp.at(time.time() + 30))
    assert ahead.status_code == 200, ahead.text


async def test_a_recovery_code_works_once_in_place_of_a_code(client: httpx.AsyncClient) -> None:
    account = await register(client)
    _, codes = await turn_on(client, account)
    challenge = await password_step(client, account)
    first = await second_step(client, challenge, codes[0].upper())
    assert first.status_code == 200, first.text
    again = await second_step(client, await password_step(client, account), codes[0])
    assert_error(again, 400, "invalid_code")
    assert (await second_step(client, await password_step(client, account), codes[1])).is_success


async def test_a_challenge_opens_one_session_and_expires(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    account = await register(client)
    _, codes = await turn_on(client, account)
    challenge = await password_step(client, account)
    assert (await second_step(client, challenge, codes[0])).status_code == 200
    # A copy of a completed challenge opens nothing, even with a good code, and that code
    # stays unspent.
    copied = await second_step(client, challenge, codes[1])
    assert_error(copied, 401, "challenge_used")
    assert "access_token" not in copied.text
    fresh = await second_step(client, await password_step(client, account), codes[1])
    assert fresh.status_code == 200, fresh.text

    # Five minutes on, a challenge has expired; one signed with another key is refused.
    then = int(time.time()) - CHALLENGE_TTL_S - 1
    claims = {
        "sub": account.id,
        "ver": 0,
        "typ": "mfa",
        "iat": then,
        "exp": then + CHALLENGE_TTL_S,
        "jti": "old",
    }
    old = jwt.encode(claims, server.settings.resolved_secret_key, algorithm="HS256")
    assert_error(await second_step(client, old, codes[2]), 401, "challenge_expired")
    claims["exp"] = int(time.time()) + 60
    forged = jwt.encode(claims, "not the server's key " * 2, algorithm="HS256")
    assert_error(await second_step(client, forged, codes[2]), 401, "unauthenticated")
    assert (await second_step(client, await password_step(client, account), codes[2])).is_success


async def test_turning_it_off_needs_the_password_and_a_code(client: httpx.AsyncClient) -> None:
    account = await register(client)
    totp, codes = await turn_on(client, account)
    wrong_password = {"password": "not it", "code": codes[0]}
    response = await client.request(
        "DELETE", "/auth/mfa/totp", json=wrong_password, headers=account.headers
    )
    assert_error(response, 403, "wrong_password")
    wrong_code = {"password": account.password, "code": "12345678"}
    response = await client.request(
        "DELETE", "/auth/mfa/totp", json=wrong_code, headers=account.headers
    )
    assert_error(response, 400, "invalid_code")
    ok = {"password": account.password, "code": totp.now()}
    response = await client.request("DELETE", "/auth/mfa/totp", json=ok, headers=account.headers)
    assert response.status_code == 204, response.text
    login = await client.post(
        "/auth/login", json={"login": account.username, "password": account.password}
    )
    assert login.status_code == 200, login.text


@pytest.mark.parametrize(
    "settings_overrides", [{"rate_limits": "on", "rate_limit_mfa": "5/minute"}]
)
async def test_wrong_codes_are_rate_limited(client: httpx.AsyncClient) -> None:
    account = await register(client)
    totp, _ = await turn_on(client, account)
    challenge = await password_step(client, account)
    wrong = "111111" if totp.now() != "111111" else "222222"
    # The set-up tried two codes; sign-in counts the wrong ones.
    for _ in range(3):
        assert_error(await second_step(client, challenge, wrong), 400, "invalid_code")
    limited = await second_step(client, challenge, totp.now())
    assert_error(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
