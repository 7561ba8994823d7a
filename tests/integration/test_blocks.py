"""Blocks on both profiles: follows and requests removed both ways with exact counts, the
feed drops blocked content at once and stored timelines are cleaned after, blocked
people cannot follow each other, the block list, and going public approves requests."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    approve,
    block,
    follow,
    pages_of,
    register,
    set_private,
    unblock,
)
from tests.integration.test_hybrid_feed import quick_post, stored_timeline, whole_feed

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def counts(client: httpx.AsyncClient, account: Account) -> tuple[int, int]:
    """(follower_count, following_count) as the owner sees them."""
    body = (await client.get("/users/me", headers=account.headers)).json()
    return body["follower_count"], body["following_count"]


async def relationship(client: httpx.AsyncClient, viewer: Account, other: Account) -> Any:
    response = await client.get(f"/users/{other.id}", headers=viewer.headers)
    assert response.status_code == 200, response.text
    return response.json()["relationship"]


async def test_a_block_ends_follows_both_ways_and_hides_posts_at_once(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob, carol = await register(client), await register(client), await register(client)
    await follow(client, alice, bob)
    await follow(client, bob, alice)
    await follow(client, carol, alice)  # a bystander, whose counts must not move
    alice_post = await quick_post(client, alice, "from alice")
    bob_post = await quick_post(client, bob, "from bob")
    await server.settle()
    assert set(await whole_feed(client, bob)) == {alice_post, bob_post}
    assert await counts(client, alice) == (2, 1)

    await block(client, alice, bob)

    # At once, before any event is handled: each is gone from the other's feed.
    assert await whole_feed(client, bob) == [bob_post]
    assert await whole_feed(client, alice) == [alice_post]
    assert await counts(client, alice) == (1, 0)
    assert await counts(client, bob) == (0, 0)
    assert await counts(client, carol) == (0, 1)
    assert await relationship(client, alice, bob) == {
        "following": False,
        "follow_requested": False,
        "followed_by": False,
        "blocking": True,
        "blocked_by": False,
        "muting": {"posts": False, "stories": False},
        "notify": False,
    }
    assert_error(await client.get(f"/users/{alice.id}", headers=bob.headers), 404, "user_not_found")
    # Neither may follow the other. To Bob, Alice looks like no account at all: the very
    # answer an id nobody has gets. Alice, who blocked, is told why.
    unknown = await client.post("/users/123456789/follow", headers=bob.headers)
    blocked = await client.post(f"/users/{alice.id}/follow", headers=bob.headers)
    assert_error(blocked, 404, "user_not_found")
    assert (blocked.status_code, blocked.json()) == (unknown.status_code, unknown.json())
    assert_error(
        await client.post(f"/users/{bob.id}/follow", headers=alice.headers), 403, "follow_blocked"
    )
    # Alice's follower list no longer shows Bob; Carol, a stranger to the block, sees Alice's.
    followers = (await client.get(f"/users/{alice.id}/followers", headers=carol.headers)).json()
    assert [user["id"] for user in followers["users"]] == [carol.id]

    # After the events are handled, the stored timelines are clean too.
    await server.settle()
    assert int(alice_post) not in (await stored_timeline(server, bob) or [])
    assert int(bob_post) not in (await stored_timeline(server, alice) or [])

    # Blocking again changes nothing; unblocking restores visibility but not the follows.
    await block(client, alice, bob)
    assert await counts(client, alice) == (1, 0)
    await unblock(client, alice, bob)
    await unblock(client, alice, bob)
    assert (await client.get(f"/users/{alice.id}", headers=bob.headers)).status_code == 200
    assert (await relationship(client, alice, bob))["blocking"] is False
    assert await whole_feed(client, bob) == [bob_post]
    assert await follow(client, bob, alice) == "following"
    await server.settle()
    assert await counts(client, alice) == (2, 0)


async def test_follows_racing_a_block_never_survive_it(client: httpx.AsyncClient) -> None:
    alice, bob = await register(client), await register(client)
    for _ in range(4):
        answers = await asyncio.gather(
            client.post(f"/users/{bob.id}/follow", headers=alice.headers),
            client.post(f"/users/{alice.id}/follow", headers=bob.headers),
            client.post(f"/users/{bob.id}/block", headers=alice.headers),
        )
        # A follow either landed before the block (and the block removed it) or was
        # refused: Alice is told she blocked Bob, Bob finds no Alice.
        assert answers[0].status_code in (200, 403)
        assert answers[1].status_code in (200, 404)
        assert answers[2].status_code == 200
        assert await counts(client, alice) == (0, 0)
        assert await counts(client, bob) == (0, 0)
        for me in (alice, bob):
            listed = await client.get(f"/users/{me.id}/following", headers=me.headers)
            assert listed.json()["users"] == []
        await unblock(client, alice, bob)


async def test_a_block_removes_pending_requests_both_ways(client: httpx.AsyncClient) -> None:
    owner, requester = await register(client), await register(client)
    await set_private(client, owner)
    await set_private(client, requester)
    assert await follow(client, requester, owner) == "requested"
    assert await follow(client, owner, requester) == "requested"

    await block(client, requester, owner)

    for account in (owner, requester):
        listed = (await client.get("/follow-requests", headers=account.headers)).json()
        assert listed["users"] == []
        assert await counts(client, account) == (0, 0)


async def test_block_refusals(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    assert_error(
        await client.post(f"/users/{alice.id}/block", headers=alice.headers),
        422,
        "cannot_block_self",
    )
    assert_error(
        await client.post("/users/12345/block", headers=alice.headers), 404, "user_not_found"
    )
    assert_error(await client.post(f"/users/{alice.id}/block"), 401)
    assert_error(await client.get("/users/me/blocked"), 401)


async def test_the_block_list_pages_newest_first(client: httpx.AsyncClient) -> None:
    me = await register(client)
    others = [await register(client) for _ in range(5)]
    for other in others:
        await block(client, me, other)
    await unblock(client, me, others[1])
    pages = await pages_of(client, "/users/me/blocked", me.headers, limit=2, items="users")
    assert [len(page) for page in pages] == [2, 2]
    assert [user_id for page in pages for user_id in page] == [
        others[4].id,
        others[3].id,
        others[2].id,
        others[0].id,
    ]
    # The blocked see no list of their own entries.
    assert (await client.get("/users/me/blocked", headers=others[0].headers)).json() == {
        "users": [],
        "next_cursor": None,
    }


async def test_a_mutual_block_shows_both_flags_to_each(client: httpx.AsyncClient) -> None:
    alice, bob = await register(client), await register(client)
    await block(client, alice, bob)
    await block(client, bob, alice)
    assert (await relationship(client, alice, bob))["blocked_by"] is True
    assert (await relationship(client, bob, alice))["blocking"] is True
    await unblock(client, alice, bob)
    # Bob's block still stands: Alice cannot see Bob, Bob sees Alice flagged.
    assert_error(await client.get(f"/users/{bob.id}", headers=alice.headers), 404)
    assert (await relationship(client, bob, alice))["blocking"] is True


async def test_going_public_approves_every_pending_request_with_exact_counts(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    owner = await register(client)
    await set_private(client, owner)
    follower, *requesters = [await register(client) for _ in range(4)]
    await follow(client, follower, owner)
    await approve(client, owner, follower)
    for requester in requesters:
        assert await follow(client, requester, owner) == "requested"
    post_id = await quick_post(client, owner, "now public")
    assert await counts(client, owner) == (1, 0)

    await set_private(client, owner, False)

    assert await counts(client, owner) == (4, 0)
    listed = (await client.get("/follow-requests", headers=owner.headers)).json()
    assert listed["users"] == []
    for requester in requesters:
        assert await counts(client, requester) == (0, 1)
        assert (await relationship(client, requester, owner))["following"] is True
    await server.settle()
    for requester in requesters:
        assert await whole_feed(client, requester) == [post_id]

    # Going private again keeps every follower; going public twice approves nothing new.
    await set_private(client, owner)
    await set_private(client, owner, False)
    assert await counts(client, owner) == (4, 0)
    followers = await pages_of(client, f"/users/{owner.id}/followers", items="users")
    assert len(followers[0]) == 4
