"""Following hashtags as people use it: follow and unfollow (idempotent, the tag read as
the caption parser reads it), the list of followed hashtags, `following` on the hashtag
page, the cap; and the home feed: public posts under a followed hashtag come in, pulled
at read time, once, without repeats or gaps, and leave at once on an unfollow. The
visibility matrix (test_visibility_matrix.py) checks that a tag never brings in what the
reader may not see."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.assertions import assert_error
from tests.factories import Account, register
from tests.integration.test_hybrid_feed import quick_post

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def follow_tag(client: httpx.AsyncClient, account: Account, tag: str) -> httpx.Response:
    return await client.post(f"/hashtags/{tag}/follow", headers=account.headers)


async def unfollow_tag(client: httpx.AsyncClient, account: Account, tag: str) -> httpx.Response:
    return await client.delete(f"/hashtags/{tag}/follow", headers=account.headers)


async def followed_tags(client: httpx.AsyncClient, account: Account, limit: int = 50) -> list[str]:
    """Every followed hashtag's name, scrolling page by page."""
    names: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await client.get(
            "/users/me/followed-hashtags", params=params, headers=account.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        names += [item["name"] for item in body["hashtags"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return names


async def test_follow_and_unfollow_are_idempotent_and_listed_newest_first(
    client: httpx.AsyncClient,
) -> None:
    reader = await register(client)
    first = await follow_tag(client, reader, "Sunset")
    assert first.status_code == 200, first.text
    assert first.json() == {"hashtag": "sunset", "following": True}
    assert (await follow_tag(client, reader, "%23SUNSET")).json()["following"] is True
    for tag in ("café", "night_sky", "b2"):
        assert (await follow_tag(client, reader, tag)).status_code == 200

    assert await followed_tags(client, reader, limit=3) == ["b2", "night_sky", "café", "sunset"]
    response = await client.get("/users/me/followed-hashtags", headers=reader.headers)
    assert response.json()["hashtags"][0]["followed_at"].endswith("Z")

    gone = await unfollow_tag(client, reader, "NIGHT_SKY")
    assert gone.json() == {"hashtag": "night_sky", "following": False}
    assert (await unfollow_tag(client, reader, "night_sky")).status_code == 200
    assert (await unfollow_tag(client, reader, "neverfollowed")).status_code == 200
    assert await followed_tags(client, reader, limit=1) == ["b2", "café", "sunset"]
    # Each person's list is their own.
    assert await followed_tags(client, await register(client)) == []


async def test_bad_tags_cursors_and_anonymous_callers_are_refused(
    client: httpx.AsyncClient,
) -> None:
    reader = await register(client)
    for bad in ("no-such!tag", "123", "a%20b", "%2300", "x" * 101, "a%00b", "%23%23twice"):
        assert_error(await follow_tag(client, reader, bad), 422)
        assert_error(await unfollow_tag(client, reader, bad), 422)
    assert_error(await follow_tag(client, reader, "x" * 101), 422)
    assert_error(await follow_tag(client, reader, "no-such!tag"), 422, "invalid_hashtag")
    assert (await follow_tag(client, reader, "x" * 100)).status_code == 200
    assert_error(
        await client.get(
            "/users/me/followed-hashtags", params={"cursor": "x"}, headers=reader.headers
        ),
        422,
        "invalid_cursor",
    )
    assert_error(await client.post("/hashtags/sunset/follow"), 401)
    assert_error(await client.get("/users/me/followed-hashtags"), 401)


async def test_the_hashtag_page_says_whether_the_reader_follows_it(
    client: httpx.AsyncClient,
) -> None:
    author = await register(client)
    reader = await register(client)
    await quick_post(client, author, "golden #Hour")

    async def header(account: Account | None) -> dict[str, Any]:
        headers = account.headers if account else {}
        response = await client.get("/hashtags/hour/posts", headers=headers)
        assert response.status_code == 200, response.text
        hashtag: dict[str, Any] = response.json()["hashtag"]
        return hashtag

    assert await header(reader) == {"name": "hour", "post_count": 1, "following": False}
    await follow_tag(client, reader, "HOUR")
    assert (await header(reader))["following"] is True
    assert (await header(author))["following"] is False
    assert (await header(None))["following"] is False
    await unfollow_tag(client, reader, "hour")
    assert (await header(reader))["following"] is False


async def test_following_is_capped_per_account(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shutter.tags import service

    monkeypatch.setattr(service, "FOLLOWED_HASHTAGS_MAX", 3)
    reader = await register(client)
    for tag in ("one", "two", "three"):
        assert (await follow_tag(client, reader, tag)).status_code == 200
    assert_error(await follow_tag(client, reader, "four"), 409, "too_many_hashtags")
    # Following one already followed again is no new follow; an unfollow makes room.
    assert (await follow_tag(client, reader, "two")).status_code == 200
    await unfollow_tag(client, reader, "one")
    assert (await follow_tag(client, reader, "four")).status_code == 200
    assert await followed_tags(client, reader) == ["four", "three", "two"]
