"""A private account's pending followers: listed, approved or rejected by the owner only."""

from __future__ import annotations

import httpx

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import follow, register
from tests.integration.test_hybrid_feed import quick_post, whole_feed


async def test_approving_a_request_lets_the_requester_follow_and_see_posts(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    owner = await register(client)
    fan = await register(client)
    assert (
        await client.patch("/users/me", json={"is_private": True}, headers=owner.headers)
    ).status_code == 200
    secret = await quick_post(client, owner, "for approved eyes")
    assert await follow(client, fan, owner) == "requested"
    assert await whole_feed(client, fan) == []
    assert_error(await client.get(f"/posts/{secret}", headers=fan.headers), 404)

    listed = (await client.get("/follow-requests", headers=owner.headers)).json()
    assert [user["id"] for user in listed["users"]] == [fan.id]
    # Only the owner can answer: the requester cannot approve themselves.
    assert_error(await client.post(f"/follow-requests/{fan.id}/approve", headers=fan.headers), 404)
    approved = await client.post(f"/follow-requests/{fan.id}/approve", headers=owner.headers)
    assert approved.status_code == 204

    assert (await client.get("/follow-requests", headers=owner.headers)).json()["users"] == []
    profile = (await client.get(f"/users/{owner.id}", headers=fan.headers)).json()
    assert profile["relationship"]["following"] is True
    assert profile["follower_count"] == 1
    assert (await client.get(f"/posts/{secret}", headers=fan.headers)).status_code == 200
    await server.settle()
    assert await whole_feed(client, fan) == [secret]
    # A second approval finds nothing pending.
    assert_error(
        await client.post(f"/follow-requests/{fan.id}/approve", headers=owner.headers), 404
    )


async def test_rejecting_a_request_removes_it_and_grants_nothing(
    client: httpx.AsyncClient,
) -> None:
    owner = await register(client)
    stranger = await register(client)
    await client.patch("/users/me", json={"is_private": True}, headers=owner.headers)
    assert await follow(client, stranger, owner) == "requested"

    rejected = await client.post(f"/follow-requests/{stranger.id}/reject", headers=owner.headers)
    assert rejected.status_code == 204

    assert (await client.get("/follow-requests", headers=owner.headers)).json()["users"] == []
    profile = (await client.get(f"/users/{owner.id}", headers=stranger.headers)).json()
    assert profile["relationship"] == {
        "following": False,
        "follow_requested": False,
        "followed_by": False,
        "blocking": False,
        "blocked_by": False,
        "notify": False,
        "muting": {"posts": False, "stories": False},
    }
    assert profile["follower_count"] == 0
    assert_error(
        await client.post(f"/follow-requests/{stranger.id}/reject", headers=owner.headers), 404
    )
    assert_error(await client.get("/follow-requests"), 401)
