"""Following over HTTP, on both profiles: idempotence, private accounts, the paginated
follower and following lists, and counters that stay exact under concurrent requests."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
import pytest

from tests.assertions import assert_error
from tests.factories import Account, follow, pages_of, register

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def profile(client: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    response = await client.get(f"/users/{account.id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def counts(client: httpx.AsyncClient, account: Account) -> tuple[int, int]:
    """(follower_count, following_count) as the profile shows them."""
    body = await profile(client, account)
    return body["follower_count"], body["following_count"]


async def unfollow(client: httpx.AsyncClient, follower: Account, followee: Account) -> str:
    response = await client.delete(f"/users/{followee.id}/follow", headers=follower.headers)
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def list_pages(
    client: httpx.AsyncClient,
    path: str,
    limit: int,
    headers: dict[str, str] | None = None,
) -> list[list[str]]:
    """Every page of a user list, as lists of user ids, following next_cursor to the end."""
    return await pages_of(client, path, headers, limit, items="users")


async def all_ids(
    client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None
) -> list[str]:
    return [user for page in await list_pages(client, path, 50, headers) for user in page]


async def register_many(client: httpx.AsyncClient, count: int, prefix: str) -> list[Account]:
    return list(await asyncio.gather(*(register(client, f"{prefix}{i}") for i in range(count))))


# -- following -------------------------------------------------------------------------


async def test_follow_and_unfollow_are_idempotent(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice")
    bob = await register(client, "bob")

    assert await follow(client, bob, alice) == "following"
    assert await follow(client, bob, alice) == "following"

    assert await counts(client, alice) == (1, 0)
    assert await counts(client, bob) == (0, 1)
    assert await all_ids(client, f"/users/{alice.id}/followers") == [bob.id]
    assert await all_ids(client, f"/users/{bob.id}/following") == [alice.id]
    assert await unfollow(client, bob, alice) == "none"
    assert await unfollow(client, bob, alice) == "none"
    assert await counts(client, alice) == (0, 0)
    assert await counts(client, bob) == (0, 0)
    assert await all_ids(client, f"/users/{alice.id}/followers") == []
    assert await all_ids(client, f"/users/{bob.id}/following") == []
    assert await follow(client, bob, alice) == "following"  # following again works
    assert await counts(client, alice) == (1, 0)


async def test_follow_refuses_oneself_unknown_users_and_anonymous_callers(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice")
    bob = await register(client, "bob")

    own = await client.post(f"/users/{alice.id}/follow", headers=alice.headers)
    assert_error(own, 422, "cannot_follow_self")
    for method in ("POST", "DELETE"):
        unknown = await client.request(method, "/users/123456789/follow", headers=alice.headers)
        assert_error(unknown, 404, "user_not_found")
        assert_error(await client.request(method, f"/users/{bob.id}/follow"), 401)
        bad_id = await client.request(method, "/users/abc/follow", headers=alice.headers)
        assert_error(bad_id, 422, "validation_error")
    for direction in ("followers", "following"):
        assert_error(await client.get(f"/users/123456789/{direction}"), 404, "user_not_found")

    assert await counts(client, alice) == (0, 0)
    assert await counts(client, bob) == (0, 0)


async def test_following_a_private_account_is_a_request(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice")
    bob = await register(client, "bob")
    await client.patch("/users/me", json={"is_private": True}, headers=alice.headers)

    assert await follow(client, bob, alice) == "requested"
    assert await follow(client, bob, alice) == "requested"

    assert await counts(client, alice) == (0, 0)
    assert await counts(client, bob) == (0, 0)
    assert await all_ids(client, f"/users/{alice.id}/followers", alice.headers) == []
    assert await all_ids(client, f"/users/{bob.id}/following") == []
    assert await unfollow(client, bob, alice) == "none"  # withdraws the request
    seen_by_bob = (await client.get(f"/users/{alice.id}", headers=bob.headers)).json()
    assert seen_by_bob["relationship"]["follow_requested"] is False
    assert await counts(client, alice) == (0, 0)
    assert await counts(client, bob) == (0, 0)


async def test_a_private_accounts_lists_are_for_its_followers_only(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice")
    friend = await register(client, "friend")
    stranger = await register(client, "stranger")
    requester = await register(client, "requester")
    await follow(client, friend, alice)  # approved while alice was public
    await follow(client, alice, stranger)
    await client.patch("/users/me", json={"is_private": True}, headers=alice.headers)
    assert await follow(client, requester, alice) == "requested"

    for direction in ("followers", "following"):
        path = f"/users/{alice.id}/{direction}"
        for reader in (stranger, requester, None):
            headers = reader.headers if reader else {}
            response = await client.get(path, headers=headers)
            assert response.status_code == 403, (direction, reader, response.text)
            assert_error(response, 403, "private_account")
        expected = [friend.id] if direction == "followers" else [stranger.id]
        assert await all_ids(client, path, alice.headers) == expected
        assert await all_ids(client, path, friend.headers) == expected
    # The profile itself, with its counts, stays visible.
    assert await counts(client, alice) == (1, 1)


# -- lists -----------------------------------------------------------------------------


async def test_follower_and_following_lists_page_newest_first_without_repeats_or_gaps(
    client: httpx.AsyncClient,
) -> None:
    star = await register(client, "star")
    fans = await register_many(client, 7, "fan")
    for fan in fans:  # one at a time, so that the order of following is known
        await follow(client, fan, star)
        await follow(client, star, fan)
    newest_first = [fan.id for fan in reversed(fans)]
    path = f"/users/{star.id}/followers"

    followers = await list_pages(client, path, limit=3)
    following = await list_pages(client, f"/users/{star.id}/following", limit=3)

    assert [len(page) for page in followers] == [3, 3, 1]
    assert [user for page in followers for user in page] == newest_first
    assert [len(page) for page in following] == [3, 3, 1]
    assert [user for page in following for user in page] == newest_first
    assert await list_pages(client, path, limit=7) == [newest_first]  # no empty last page
    first = (await client.get(path)).json()
    assert [user["username"] for user in first["users"]] == [f"fan{i}" for i in range(6, -1, -1)]
    assert first["users"][0]["follower_count"] == 1
    assert first["next_cursor"] is None
    for params in ({"limit": 0}, {"limit": 51}, {"limit": "ten"}):
        assert_error(await client.get(path, params=params), 422, "validation_error")
    for cursor in ("not-a-cursor", "-5", "99999999999999999999", "1" * 65):
        response = await client.get(path, params={"cursor": cursor})
        assert response.status_code == 422, (cursor, response.text)
        assert_error(response, 422)
    assert (await client.get(path, params={"limit": 50, "cursor": ""})).status_code == 200


async def test_paging_while_the_list_changes_neither_repeats_nor_skips(
    client: httpx.AsyncClient,
) -> None:
    star = await register(client, "star")
    fans = await register_many(client, 7, "fan")
    for fan in fans:
        await follow(client, fan, star)
    path = f"/users/{star.id}/followers"
    first = (await client.get(path, params={"limit": 3})).json()
    assert [user["id"] for user in first["users"]] == [fans[6].id, fans[5].id, fans[4].id]

    latecomer = await register(client, "latecomer")
    await follow(client, latecomer, star)  # arrives above the pages already read
    await unfollow(client, fans[1], star)  # leaves from a page not read yet
    rest: list[str] = []
    cursor = first["next_cursor"]
    while cursor is not None:
        page = (await client.get(path, params={"limit": 3, "cursor": cursor})).json()
        rest.extend(user["id"] for user in page["users"])
        cursor = page["next_cursor"]

    assert rest == [fans[3].id, fans[2].id, fans[0].id]
    refreshed = await all_ids(client, path)
    assert refreshed[0] == latecomer.id
    assert len(refreshed) == len(set(refreshed)) == 7


# -- concurrency -----------------------------------------------------------------------


async def test_forty_people_following_at_once_are_all_counted(client: httpx.AsyncClient) -> None:
    star = await register(client, "star")
    fans = await register_many(client, 40, "fan")

    statuses = await asyncio.gather(*(follow(client, fan, star) for fan in fans))

    assert statuses == ["following"] * 40
    assert await counts(client, star) == (40, 0)
    followers = await all_ids(client, f"/users/{star.id}/followers")
    assert sorted(followers) == sorted(fan.id for fan in fans)
    fan_counts = await asyncio.gather(*(counts(client, fan) for fan in fans))
    assert set(fan_counts) == {(0, 1)}


async def test_one_person_following_twenty_times_at_once_follows_once(
    client: httpx.AsyncClient,
) -> None:
    star = await register(client, "star")
    fan = await register(client, "fan")

    statuses = await asyncio.gather(*(follow(client, fan, star) for _ in range(20)))

    assert statuses == ["following"] * 20
    assert await counts(client, star) == (1, 0)
    assert await counts(client, fan) == (0, 1)
    assert await all_ids(client, f"/users/{star.id}/followers") == [fan.id]
    await asyncio.gather(*(unfollow(client, fan, star) for _ in range(20)))
    assert await counts(client, star) == (0, 0)
    assert await counts(client, fan) == (0, 0)


async def test_people_following_each_other_at_the_same_moment(
    client: httpx.AsyncClient,
) -> None:
    people = await register_many(client, 12, "p")
    pairs = [(people[i], people[i + 1]) for i in range(0, 12, 2)]

    for _ in range(3):  # each round: both sides follow at once, then both unfollow at once
        followed = await asyncio.gather(
            *(follow(client, a, b) for a, b in pairs), *(follow(client, b, a) for a, b in pairs)
        )
        assert followed == ["following"] * 12
        assert set(await asyncio.gather(*(counts(client, p) for p in people))) == {(1, 1)}
        unfollowed = await asyncio.gather(
            *(unfollow(client, a, b) for a, b in pairs), *(unfollow(client, b, a) for a, b in pairs)
        )
        assert unfollowed == ["none"] * 12

    assert set(await asyncio.gather(*(counts(client, p) for p in people))) == {(0, 0)}


async def test_a_storm_of_follows_and_unfollows_leaves_counts_equal_to_the_lists(
    client: httpx.AsyncClient,
) -> None:
    rng = random.Random(20261121)
    stars = await register_many(client, 3, "star")
    fans = await register_many(client, 8, "fan")
    requests = []
    for fan in fans:
        for _ in range(5):
            star = rng.choice(stars)
            action = follow if rng.random() < 0.6 else unfollow
            requests.append(action(client, fan, star))
            requests.append(action(client, star, fan))  # edges in both directions
    rng.shuffle(requests)

    await asyncio.gather(*requests)

    async def state(account: Account) -> tuple[tuple[int, int], list[str], list[str]]:
        followers = await all_ids(client, f"/users/{account.id}/followers")
        following = await all_ids(client, f"/users/{account.id}/following")
        return await counts(client, account), followers, following

    everyone = stars + fans
    states = await asyncio.gather(*(state(account) for account in everyone))
    edges_seen_by_followees: set[tuple[str, str]] = set()
    edges_seen_by_followers: set[tuple[str, str]] = set()
    for account, ((follower_count, following_count), followers, following) in zip(
        everyone, states, strict=True
    ):
        assert follower_count == len(followers) == len(set(followers)), account.username
        assert following_count == len(following) == len(set(following)), account.username
        edges_seen_by_followees.update((follower, account.id) for follower in followers)
        edges_seen_by_followers.update((account.id, followee) for followee in following)
    assert edges_seen_by_followees == edges_seen_by_followers
    assert edges_seen_by_followees  # the storm left some follows standing
