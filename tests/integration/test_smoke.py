"""The whole first-day flow, once per profile: register, upload, post, follow, read."""

from __future__ import annotations

import httpx

from tests.factories import create_post, follow, register


async def test_a_followed_post_reaches_the_followers_feed(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    post = await create_post(client, alice, caption="first light")
    assert await follow(client, bob, alice) == "following"

    feed = (await client.get("/feed", headers=bob.headers)).json()

    assert [p["id"] for p in feed["posts"]] == [post["id"]]
    assert feed["posts"][0]["author"]["username"] == alice.username
    assert feed["next_cursor"] is None
    image = await client.get(feed["posts"][0]["media"][0]["urls"]["original"])
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
