"""Reels over HTTP on both profiles: only video posts, the followed accounts' newest
first and then the popular ones Explore ranks, a scroll that never repeats a reel, and
the visibility rule (the matrix in test_visibility_matrix.py has the reels path too)."""

from __future__ import annotations

import httpx
import pytest

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    approve,
    block,
    follow,
    like,
    many_accounts,
    mute,
    pages_of,
    post_reel,
    register,
    set_private,
)
from tests.integration.test_explore import liked_by
from tests.integration.test_hybrid_feed import quick_post

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def reels_scroll(
    client: httpx.AsyncClient, reader: Account, limit: int = 10, between_pages: object = None
) -> list[list[str]]:
    """Every page of the reader's Reels, as post ids."""
    return await pages_of(
        client,
        "/reels",
        reader.headers,
        limit,
        between_pages=between_pages,  # type: ignore[arg-type]
    )


async def reeled(client: httpx.AsyncClient, reader: Account) -> list[str]:
    return [post_id for page in await reels_scroll(client, reader) for post_id in page]


async def test_reels_are_followed_videos_newest_first_then_popular_ones(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader, friend, other_friend, star, newcomer = [await register(client) for _ in range(5)]
    await follow(client, reader, friend)
    await follow(client, reader, other_friend)
    first = await post_reel(client, friend, "first")
    second = await post_reel(client, other_friend, "second")
    await quick_post(client, friend, "a photo is no reel")
    third = await post_reel(client, friend, "third")
    quiet = await post_reel(client, newcomer, "nobody liked it")
    popular = await post_reel(client, star, "everyone liked it")
    await quick_post(client, star, "a popular photo")
    await liked_by(server, client, popular, 3)
    await post_reel(client, reader, "my own")

    response = await client.get("/reels", params={"limit": 10}, headers=reader.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert [post["id"] for post in body["posts"]] == [third, second, first, popular, quiet]
    assert body["next_cursor"] is None
    for post in body["posts"]:
        video = post["media"][0]
        assert video["type"] == "video"
        assert video["poster_url"]
        assert video["urls"]["original"]
    assert body["posts"][0]["author"]["id"] == friend.id
    assert body["posts"][0]["caption"] == "third"
    assert body["posts"][3]["like_count"] == 3


async def test_a_scroll_over_many_pages_never_repeats_a_reel(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader, friend = await register(client), await register(client)
    strangers = [await register(client) for _ in range(3)]
    await follow(client, reader, friend)
    followed = [await post_reel(client, friend) for _ in range(4)]
    others = [await post_reel(client, stranger) for stranger in strangers for _ in range(2)]
    fans = iter(await many_accounts(server, 6))
    arrived: list[str] = []

    async def meanwhile() -> None:
        # A like would now rank others[0] first, and a new reel comes in: the snapshot
        # keeps the scroll's order and contents anyway.
        await like(client, next(fans), others[0])
        if not arrived:
            arrived.append(await post_reel(client, friend, "posted mid-scroll"))

    pages = await reels_scroll(client, reader, limit=2, between_pages=meanwhile)

    seen = [post_id for page in pages for post_id in page]
    assert [len(page) for page in pages] == [2, 2, 2, 2, 2], pages
    assert len(seen) == len(set(seen)), pages
    assert seen[:4] == followed[::-1]
    assert sorted(seen[4:]) == sorted(others)
    assert arrived[0] not in seen


async def test_a_reel_posted_during_a_scroll_waits_for_the_next_scroll(
    client: httpx.AsyncClient,
) -> None:
    reader, friend = await register(client), await register(client)
    await follow(client, reader, friend)
    old = [await post_reel(client, friend) for _ in range(3)]
    first = await client.get("/reels", params={"limit": 2}, headers=reader.headers)
    new = await post_reel(client, friend)

    rest = await client.get(
        "/reels", params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=reader.headers
    )

    shown = [post["id"] for post in first.json()["posts"] + rest.json()["posts"]]
    assert shown == old[::-1]
    assert rest.json()["next_cursor"] is None
    assert (await reeled(client, reader))[0] == new


async def test_reels_follow_the_visibility_rule(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader = await register(client)
    names = ("public", "followed_private", "private", "blocked", "blocker", "muted", "deleted")
    accounts = {name: await register(client) for name in names}
    await set_private(client, accounts["followed_private"])
    await set_private(client, accounts["private"])
    await follow(client, reader, accounts["followed_private"])
    await approve(client, accounts["followed_private"], reader)
    await follow(client, reader, accounts["private"])  # pending: never approved
    await follow(client, reader, accounts["muted"])
    reels = {name: await post_reel(client, account, name) for name, account in accounts.items()}
    await block(client, reader, accounts["blocked"])
    await block(client, accounts["blocker"], reader)
    await mute(client, reader, accounts["muted"])
    deleted = await client.delete(f"/posts/{reels['deleted']}", headers=accounts["deleted"].headers)
    assert deleted.status_code == 204

    assert await reeled(client, reader) == [reels["followed_private"], reels["public"]]


async def test_a_reel_that_becomes_invisible_mid_scroll_drops_out_and_the_page_is_refilled(
    client: httpx.AsyncClient,
) -> None:
    reader, friend, other = await register(client), await register(client), await register(client)
    await follow(client, reader, friend)
    await follow(client, reader, other)
    kept = [await post_reel(client, friend) for _ in range(2)]
    gone = [await post_reel(client, other) for _ in range(2)]
    first = await client.get("/reels", params={"limit": 1}, headers=reader.headers)
    assert [post["id"] for post in first.json()["posts"]] == [gone[1]]
    await block(client, reader, other)

    rest = await client.get(
        "/reels", params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=reader.headers
    )

    assert [post["id"] for post in rest.json()["posts"]] == kept[::-1]


async def test_reels_need_a_signed_in_reader_and_a_cursor_it_handed_out(
    client: httpx.AsyncClient,
) -> None:
    reader = await register(client)
    assert_error(await client.get("/reels"), 401)
    for cursor in ("e1_0", "nonsense", "v1_0"):
        response = await client.get("/reels", params={"cursor": cursor}, headers=reader.headers)
        assert_error(response, 422)
    assert_error(await client.get("/reels", params={"limit": 0}, headers=reader.headers), 422)
    # A cursor is its reader's own: another reader's is not found in their snapshots.
    author = await register(client)
    for _ in range(2):
        await post_reel(client, author)
    mine = await client.get("/reels", params={"limit": 1}, headers=reader.headers)
    assert mine.status_code == 200, mine.text
    assert mine.json()["next_cursor"]
    other = await register(client)
    theirs = await client.get(
        "/reels", params={"cursor": mine.json()["next_cursor"]}, headers=other.headers
    )
    assert_error(theirs, 422, "cursor_expired")
