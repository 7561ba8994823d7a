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
from tests.conftest import RunningServer
from tests.factories import Account, follow, register, set_private
from tests.integration.test_hybrid_feed import quick_post, stored_timeline, whole_feed
from tests.stores import drop_timeline

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


# -- the home feed ---------------------------------------------------------------------------


async def database_feed(server: RunningServer, reader: Account) -> list[str]:
    """The pull feed (the database's answer, also served while the timeline store is down)."""
    from shutter.feed.service import pull_feed

    async with server.context.db.read() as conn:
        page = await pull_feed(conn, int(reader.id), None, 50, lambda key: key)
    return [post["id"] for post in page["posts"]]


async def test_a_followed_hashtag_brings_public_posts_into_the_feed_until_unfollowed(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader = await register(client)
    friend = await register(client)
    stranger = await register(client)
    await whole_feed(client, reader)  # the reader's stored timeline exists
    await follow(client, reader, friend)
    before = await quick_post(client, stranger, "old #Tide pools")
    assert (await follow_tag(client, reader, "tide")).status_code == 200
    from_friend = await quick_post(client, friend, "friend's #tide")
    untagged = await quick_post(client, stranger, "nothing to see")
    other_tag = await quick_post(client, stranger, "#tidal is another tag")
    from_stranger = await quick_post(client, stranger, "low #TIDE at dawn")
    await server.settle()

    # The friend's tagged post once; the stranger's tagged posts, never fanned out.
    expected = [from_stranger, from_friend, before]
    assert await whole_feed(client, reader, limit=1) == expected
    assert await database_feed(server, reader) == expected
    assert await stored_timeline(server, reader) == [int(from_friend)]
    assert untagged not in await whole_feed(client, reader)
    assert other_tag not in await whole_feed(client, reader)

    await unfollow_tag(client, reader, "tide")  # no settle: at once
    assert await whole_feed(client, reader) == [from_friend]
    assert await database_feed(server, reader) == [from_friend]


async def test_a_private_account_never_comes_in_through_a_hashtag(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader = await register(client)
    hidden = await register(client)
    followed_private = await register(client)
    await set_private(client, hidden)
    await set_private(client, followed_private)
    await whole_feed(client, reader)
    await follow_tag(client, reader, "secret")
    assert await follow(client, reader, followed_private) == "requested"
    await client.post(f"/follow-requests/{reader.id}/approve", headers=followed_private.headers)
    never = await quick_post(client, hidden, "#secret")
    via_follow = await quick_post(client, followed_private, "#secret too")
    await server.settle()

    assert await whole_feed(client, reader) == [via_follow]
    assert await database_feed(server, reader) == [via_follow]
    # Going private takes the posts of a stranger out at once.
    public = await register(client)
    gone_private = await quick_post(client, public, "#secret once public")
    assert await whole_feed(client, reader) == [gone_private, via_follow]
    await set_private(client, public)
    assert await whole_feed(client, reader) == [via_follow]
    assert never not in await database_feed(server, reader)


@pytest.mark.parametrize("settings_overrides", [{"celebrity_threshold": 2, "timeline_max": 30}])
async def test_scrolling_merges_timeline_celebrity_and_hashtag_posts_without_repeats_or_gaps(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    """A stored timeline longer than a page's window (so that pages are read without the
    database) yet shorter than the feed (timeline_max 30), a pulled celebrity, and two
    followed hashtags, one post of them also by a followed author: every page size gives
    the database's feed, each post once."""
    reader = await register(client)
    friend, star, stranger = [await register(client) for _ in range(3)]
    await whole_feed(client, reader)
    await follow(client, reader, friend)
    await follow(client, reader, star)
    await follow(client, await register(client), star)  # the star is pulled (threshold 2)
    for tag in ("kites", "sand"):
        await follow_tag(client, reader, tag)
    posted = [await quick_post(client, reader, f"mine {n}") for n in range(14)]
    for round_ in range(5):
        posted.append(await quick_post(client, friend, f"friend {round_} #kites"))
        posted.append(await quick_post(client, stranger, f"stranger {round_} #sand"))
        posted.append(await quick_post(client, star, f"star {round_}"))
        posted.append(await quick_post(client, stranger, f"stranger {round_} #kites #sand"))
        await quick_post(client, stranger, f"untagged {round_}")
    await server.settle()
    assert await server.context.timelines.is_pulled(int(star.id))

    expected = posted[::-1]
    assert await database_feed(server, reader) == expected
    for limit in (1, 2, 3, 5, 20):
        assert await whole_feed(client, reader, limit=limit) == expected

    # A lost timeline is served from the database meanwhile: the same feed.
    await drop_timeline(server.context.timelines, int(reader.id))
    assert await whole_feed(client, reader, limit=3) == expected
