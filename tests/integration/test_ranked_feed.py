"""Ranked mode over HTTP: affinity and de-clumping, and a scroll that neither repeats nor
skips while new posts arrive, through the snapshot and past it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.factories import Account, follow, pages_of, register
from tests.integration.test_hybrid_feed import quick_post, whole_feed


async def ranked_scroll(
    client: httpx.AsyncClient, reader: Account, limit: int, between_pages: Any = None
) -> list[str]:
    pages = await pages_of(
        client,
        "/feed",
        reader.headers,
        limit,
        params={"mode": "ranked"},
        between_pages=between_pages,
    )
    return [post_id for page in pages for post_id in page]


async def test_ranked_feed_prefers_mutual_follows_and_breaks_up_runs(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader = await register(client)
    friend = await register(client)
    other = await register(client)
    prolific = await register(client)
    for author in (friend, other, prolific):
        await follow(client, reader, author)
    await follow(client, friend, reader)  # mutual: affinity
    friend_post = await quick_post(client, friend)
    other_post = await quick_post(client, other)
    p1, p2, p3, p4 = [await quick_post(client, prolific) for _ in range(4)]
    await server.settle()

    ranked = await ranked_scroll(client, reader, limit=10)

    # The mutual friend's oldest post outranks newer posts of people who do not follow
    # back; the prolific author's run is broken after two by the next other author.
    assert ranked == [friend_post, p4, p3, other_post, p2, p1]


async def test_a_ranked_scroll_never_repeats_or_skips_while_posts_arrive(
    server: RunningServer, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shutter.feed import ranking

    monkeypatch.setattr(ranking, "SNAPSHOT_SIZE", 5)  # so the scroll runs past the snapshot
    reader = await register(client)
    authors = [await register(client) for _ in range(2)]
    for author in authors:
        await follow(client, reader, author)
    before = [await quick_post(client, authors[n % 2]) for n in range(9)]
    await server.settle()

    async def someone_posts() -> None:
        await quick_post(client, authors[0], "arrived mid-scroll")

    ranked = await ranked_scroll(client, reader, limit=2, between_pages=someone_posts)

    assert len(ranked) == len(set(ranked)), "a post was shown twice"
    assert set(before) <= set(ranked), "a post that existed at the start was skipped"
    # Chronological mode sees everything, the posts that arrived meanwhile included.
    assert set(await whole_feed(client, reader)) >= set(ranked)


async def test_a_bad_or_expired_ranked_cursor_is_refused(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader = await register(client)
    for cursor, code in (("r1_0", "cursor_expired"), ("rubbish", "invalid_cursor")):
        response = await client.get(
            "/feed", params={"mode": "ranked", "cursor": cursor}, headers=reader.headers
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == code
