"""Explore over HTTP: what it may show, how it ranks, two posts per author per page, and
a scroll over a snapshot that neither repeats nor skips."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import RunningServer
from tests.factories import (
    Account,
    approve,
    block,
    comment,
    follow,
    like,
    many_accounts,
    pages_of,
    register,
    set_private,
)
from tests.integration.test_hybrid_feed import quick_post

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def explore_scroll(
    client: httpx.AsyncClient, reader: Account | None, limit: int = 24, between_pages: object = None
) -> list[list[str]]:
    """Every page of the reader's explore, as post ids (reader None: anonymous)."""
    return await pages_of(
        client,
        "/explore",
        reader.headers if reader else None,
        limit,
        between_pages=between_pages,  # type: ignore[arg-type]
    )


async def explored(client: httpx.AsyncClient, reader: Account | None) -> list[str]:
    return [post_id for page in await explore_scroll(client, reader) for post_id in page]


async def liked_by(
    server: RunningServer, client: httpx.AsyncClient, post_id: str, count: int
) -> None:
    for fan in await many_accounts(server, count):
        await like(client, fan, post_id)


async def test_explore_shows_only_posts_the_reader_may_discover(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader = await register(client)
    stranger, followed, private, private_followed, blocked, blocker, gone = [
        await register(client) for _ in range(7)
    ]
    await set_private(client, private)
    await set_private(client, private_followed)
    await follow(client, reader, followed)
    await follow(client, reader, private_followed)
    await approve(client, private_followed, reader)
    await follow(client, reader, private)  # pending: still not a follower
    posts = {
        name: await quick_post(client, account, name)
        for name, account in {
            "own": reader,
            "stranger": stranger,
            "followed": followed,
            "private": private,
            "private_followed": private_followed,
            "blocked": blocked,
            "blocker": blocker,
            "deleted": gone,
        }.items()
    }
    await block(client, reader, blocked)
    await block(client, blocker, reader)
    deleted = await client.delete(f"/posts/{posts['deleted']}", headers=gone.headers)
    assert deleted.status_code == 204

    assert await explored(client, reader) == [posts["stranger"]]
    # Anonymous readers get the public posts nobody blocked them from.
    assert set(await explored(client, None)) == {
        posts[name] for name in ("own", "stranger", "followed", "blocked", "blocker")
    }


async def test_explore_ranks_by_engagement(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader = await register(client)
    authors = [await register(client) for _ in range(4)]
    quiet, liked, commented, loved = [await quick_post(client, author) for author in authors]
    await liked_by(server, client, liked, 2)
    await liked_by(server, client, loved, 5)
    await comment(client, authors[0], commented, "a comment counts twice")
    await like(client, authors[3], commented)

    # loved: 5 likes; commented: 1 like + 1 comment (3 points); liked: 2; quiet: none.
    assert await explored(client, reader) == [loved, commented, liked, quiet]


async def test_no_author_has_more_than_two_posts_on_a_page(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader = await register(client)
    prolific = await register(client)
    others = [await register(client) for _ in range(3)]
    popular = [await quick_post(client, prolific) for _ in range(5)]
    for post_id in popular:
        await like(client, others[0], post_id)  # they would fill the top of the ranking
    rest = [await quick_post(client, other) for other in others]

    pages = await explore_scroll(client, reader, limit=4)

    assert sorted(post_id for page in pages for post_id in page) == sorted(popular + rest)
    for page in pages:
        assert len(set(page) & set(popular)) <= 2, pages
    assert pages[0] == [popular[4], popular[3], rest[2], rest[1]]


async def test_a_scroll_neither_repeats_nor_skips_while_likes_and_posts_arrive(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader = await register(client)
    authors = [await register(client) for _ in range(6)]
    before = [await quick_post(client, author) for author in authors for _ in range(2)]
    fans = iter(await many_accounts(server, 10))

    async def meanwhile() -> None:
        # The oldest post suddenly gets popular and a new post appears.
        await like(client, next(fans), before[0])
        await quick_post(client, authors[1])

    pages = await explore_scroll(client, reader, limit=3, between_pages=meanwhile)

    seen = [post_id for page in pages for post_id in page]
    assert len(seen) == len(set(seen)), "a post came twice"
    assert sorted(seen) == sorted(before), "the scroll is the snapshot of its first page"
    # A new scroll sees what happened meanwhile.
    assert len(await explored(client, reader)) == len(before) + len(pages) - 1


async def test_likes_of_similar_people_and_followees_move_posts_up(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader, twin, friend, other_reader = [await register(client) for _ in range(4)]
    a, b, c, d, e = [await register(client) for _ in range(5)]
    shared = await quick_post(client, a)  # the reader and the twin both like it
    twin_pick = await quick_post(client, b)
    friend_pick = await quick_post(client, c)
    plain = [await quick_post(client, d), await quick_post(client, e)]
    await like(client, reader, shared)
    await like(client, twin, shared)
    await like(client, twin, twin_pick)
    await follow(client, reader, friend)
    await like(client, friend, friend_pick)
    for post_id in plain:  # as many likes as the picks, from strangers
        await like(client, other_reader, post_id)

    mine = await explored(client, reader)
    theirs = await explored(client, other_reader)

    # One like each but the shared post's two. For the reader, the twin's like (one
    # shared taste) and the friend's count extra; ties go to the newer post.
    assert mine == [shared, friend_pick, twin_pick, plain[1], plain[0]]
    assert theirs == [shared, plain[1], plain[0], friend_pick, twin_pick]


async def test_bad_and_expired_cursors_are_refused(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader = await register(client)
    for _ in range(3):
        await quick_post(client, await register(client))
    first = await client.get("/explore", params={"limit": 1}, headers=reader.headers)
    cursor = first.json()["next_cursor"]
    assert cursor is not None

    for bad in ("12", "r1_1", "e12", "x" * 65):
        response = await client.get("/explore", params={"cursor": bad}, headers=reader.headers)
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] in ("invalid_cursor", "validation_error")
    # Someone else's scroll (or one that has expired) is not there to read.
    other = await register(client)
    response = await client.get("/explore", params={"cursor": cursor}, headers=other.headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "cursor_expired"
