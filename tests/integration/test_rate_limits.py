"""Rate limits on both profiles (process memory embedded, Redis distributed): 429 with
Retry-After in the error envelope, per user and per action, per client address for
registration and failed logins, and the off switch."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from tests.assertions import assert_error, eventually
from tests.conftest import RunningServer
from tests.factories import Account, register
from tests.integration.test_moderation import make_moderator, queue

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

LIMITS = {
    "rate_limits": "on",
    "rate_limit_follows": "2/hour",
    "rate_limit_register": "5/hour",
    "rate_limit_login": "2/minute;5/hour",
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return LIMITS


def assert_limited(response: httpx.Response, window_s: int) -> None:
    assert_error(response, 429, "rate_limited")
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= window_s


async def test_follows_are_limited_per_user(client: httpx.AsyncClient) -> None:
    alice, bob, *targets = [await register(client) for _ in range(5)]
    for target in targets[:2]:
        response = await client.post(f"/users/{target.id}/follow", headers=alice.headers)
        assert response.status_code == 200, response.text
    refused = await client.post(f"/users/{targets[2].id}/follow", headers=alice.headers)
    assert_limited(refused, 3600)
    # Nothing happened: the third account has no follower.
    assert (await client.get(f"/users/{targets[2].id}")).json()["follower_count"] == 0
    # The limit is Alice's own: Bob follows freely.
    response = await client.post(f"/users/{targets[2].id}/follow", headers=bob.headers)
    assert response.status_code == 200, response.text
    # ... and registration, per address, had exactly its five.
    refused = await client.post(
        "/auth/register",
        json={"username": "sixth", "email": "sixth@example.com", "password": "long enough"},
    )
    assert_limited(refused, 3600)


async def test_hashtag_follows_share_the_follow_limit(client: httpx.AsyncClient) -> None:
    alice, target = await register(client), await register(client)
    response = await client.post("/hashtags/kites/follow", headers=alice.headers)
    assert response.status_code == 200, response.text
    response = await client.post(f"/users/{target.id}/follow", headers=alice.headers)
    assert response.status_code == 200, response.text
    assert_limited(await client.post("/hashtags/sand/follow", headers=alice.headers), 3600)
    followed = await client.get("/users/me/followed-hashtags", headers=alice.headers)
    assert [tag["name"] for tag in followed.json()["hashtags"]] == ["kites"]
    # Unfollowing is never limited.
    assert (await client.delete("/hashtags/kites/follow", headers=alice.headers)).is_success


async def test_failed_logins_back_off_per_address(client: httpx.AsyncClient) -> None:
    account = await register(client)
    good = {"login": account.username, "password": account.password}
    bad = {"login": account.username, "password": "wrong password"}
    # Successful logins cost nothing.
    for _ in range(3):
        assert (await client.post("/auth/login", json=good)).status_code == 200
    for _ in range(2):
        assert_error(await client.post("/auth/login", json=bad), 401, "invalid_credentials")
    # Two failures a minute: from here every attempt waits, even a right password.
    assert_limited(await client.post("/auth/login", json=bad), 60)
    assert_limited(await client.post("/auth/login", json=good), 60)


@pytest.mark.parametrize("settings_overrides", [{**LIMITS, "rate_limits": "off"}])
async def test_off_switch_disables_every_limit(client: httpx.AsyncClient) -> None:
    alice, *targets = [await register(client) for _ in range(7)]  # more than 5 registrations
    for target in targets:
        response = await client.post(f"/users/{target.id}/follow", headers=alice.headers)
        assert response.status_code == 200, response.text
    for _ in range(3):
        bad = {"login": alice.username, "password": "wrong password"}
        assert_error(await client.post("/auth/login", json=bad), 401)


@pytest.mark.parametrize(
    "settings_overrides",
    [{**LIMITS, "rate_limit_follows": "10/hour", "rate_limit_new_account_follows": "1/hour"}],
)
async def test_an_account_in_its_first_day_has_tighter_limits(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    """Issue 16 item 7: the `rate_limit_new_account_*` limits hold while an account is
    younger than `new_account_seconds`; then only the usual ones."""
    young, *targets = [await register(client) for _ in range(4)]
    ok = await client.post(f"/users/{targets[0].id}/follow", headers=young.headers)
    assert ok.status_code == 200, ok.text
    assert_limited(await client.post(f"/users/{targets[1].id}/follow", headers=young.headers), 3600)
    # A day later (the account's age is read from its id) the usual limit applies.
    object.__setattr__(
        server.context,
        "settings",
        server.context.settings.model_copy(update={"new_account_seconds": 0}),
    )
    ok = await client.post(f"/users/{targets[1].id}/follow", headers=young.headers)
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(
    "settings_overrides",
    [{**LIMITS, "rate_limit_register": "20/hour", "rate_limit_refused": "3/hour"}],
)
async def test_an_account_that_keeps_hitting_limits_is_flagged_for_the_moderators(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    """Issue 16 item 7 (seed 004 §8.4): the refusal that uses up `rate_limit_refused`
    puts the account in the moderation queue (a `spam` row with the signals), once."""
    spammer, moderator = await register(client), await make_moderator(server, client)
    targets = [await register(client) for _ in range(7)]

    async def follow_all(accounts: list[Account]) -> list[int]:
        answers = [
            await client.post(f"/users/{target.id}/follow", headers=spammer.headers)
            for target in accounts
        ]
        return [answer.status_code for answer in answers]

    assert await follow_all(targets[:4]) == [200, 200, 429, 429]
    assert await queue(client, moderator) == []
    assert await follow_all(targets[4:]) == [429, 429, 429]

    async def flagged() -> bool:
        return len(await queue(client, moderator)) == 1

    await eventually(flagged)
    (row,) = await queue(client, moderator)
    assert (row["target_type"], row["target_id"], row["sources"]) == ("user", spammer.id, ["spam"])
    assert row["report_count"] == 1
    signals = orjson.loads(row["reports"][0]["comment"])
    assert signals == {"last_limit": "follows", "refusals": "3/hour"}
