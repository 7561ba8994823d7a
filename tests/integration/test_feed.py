"""The home feed over HTTP, on both profiles: whose posts it shows, in which order, how it
pages, and that paging never repeats nor skips while posts come and go.

Fan-out to followers is asynchronous; tests wait for it with `server.settle()` where a
follower must see a post. The reader's own post, an unfollow and a deletion must show at
once, so those are checked while the workers are held back (the `workers` fixture).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from shutter.events.runtime import HandlerRegistry
from shutter.events.types import POST_CREATED, POST_DELETED, USER_UNFOLLOWED, Event
from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    follow,
    image_bytes,
    publish,
    register,
    scroll,
    set_private,
    unfollow,
    unsigned,
    upload_image,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

# The same reads whether followed authors are pushed (fan-out) or pulled (celebrities).
PUSHED_OR_PULLED = pytest.mark.parametrize(
    "settings_overrides",
    [pytest.param({}, id="pushed"), pytest.param({"celebrity_threshold": 1}, id="pulled")],
)


class StalledWorkers:
    """Holds back the event handlers (fan-out) for some topics until released, so that a
    test sees what the read path alone shows."""

    def __init__(self) -> None:
        self.topics: set[str] = set()
        self.released = asyncio.Event()

    def hold(self, *topics: str) -> None:
        self.topics = set(topics)
        self.released.clear()

    def release(self) -> None:
        self.released.set()


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> Iterator[StalledWorkers]:
    stall = StalledWorkers()
    dispatch = HandlerRegistry.dispatch

    async def held(
        self: HandlerRegistry, context: Any, event: Event, lane: str | None = None
    ) -> None:
        if event.topic in stall.topics:
            await stall.released.wait()
        await dispatch(self, context, event, lane)

    monkeypatch.setattr(HandlerRegistry, "dispatch", held)
    yield stall
    stall.release()


async def post(client: httpx.AsyncClient, author: Account, caption: str = "") -> str:
    """Publish a post with a tiny image; returns its id."""
    media_id = await upload_image(client, author, image_bytes((8, 8), "PNG"), "image/png")
    response = await publish(client, author, [media_id], caption)
    assert response.status_code == 201, response.text
    post_id: str = response.json()["post"]["id"]
    return post_id


async def delete(client: httpx.AsyncClient, author: Account, post_id: str) -> None:
    response = await client.delete(f"/posts/{post_id}", headers=author.headers)
    assert response.status_code == 204, response.text


async def feed(client: httpx.AsyncClient, reader: Account, **params: Any) -> dict[str, Any]:
    response = await client.get("/feed", params=params, headers=reader.headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def feed_ids(client: httpx.AsyncClient, reader: Account) -> list[str]:
    return [item["id"] for item in (await feed(client, reader, limit=50))["posts"]]


# -- whose posts ---------------------------------------------------------------------------


async def test_the_feed_needs_a_login(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/feed"), 401)
    assert_error(await client.get("/feed", headers={"Authorization": "Bearer nonsense"}), 401)


@PUSHED_OR_PULLED
async def test_own_and_followed_posts_newest_first_and_nobody_elses(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    alice, bob, carol, dave = [await register(client) for _ in range(4)]
    for followee in (bob, carol):
        assert await follow(client, alice, followee) == "following"
    assert await follow(client, dave, alice) == "following"  # who follows Alice is irrelevant
    bob_1 = await post(client, bob, "bob 1")
    await post(client, dave, "dave 1")
    alice_1 = await post(client, alice, "alice 1")
    carol_1 = await post(client, carol, "carol 1")
    bob_2 = await post(client, bob, "bob 2")
    await server.settle()

    page = await feed(client, alice)

    assert [item["id"] for item in page["posts"]] == [bob_2, carol_1, alice_1, bob_1]
    assert page["next_cursor"] is None
    for item in page["posts"]:  # the same post object as everywhere else
        alone = await client.get(f"/posts/{item['id']}", headers=alice.headers)
        assert unsigned(item) == unsigned(alone.json()["post"])
    assert await feed_ids(client, bob) == [bob_2, bob_1]


async def test_my_own_post_is_in_my_feed_at_once(
    client: httpx.AsyncClient, workers: StalledWorkers
) -> None:
    alice = await register(client)
    before = await feed(client, alice)
    assert before == {"posts": [], "next_cursor": None}
    workers.hold(POST_CREATED)

    mine = await post(client, alice)

    assert await feed_ids(client, alice) == [mine]  # before any worker has seen the post


@PUSHED_OR_PULLED
async def test_unfollowing_removes_their_posts_at_once(
    client: httpx.AsyncClient, server: RunningServer, workers: StalledWorkers
) -> None:
    alice, bob = await register(client), await register(client)
    await follow(client, alice, bob)
    mine = await post(client, alice)
    bobs = [await post(client, bob) for _ in range(2)]
    await server.settle()
    assert await feed_ids(client, alice) == [bobs[1], bobs[0], mine]

    workers.hold(USER_UNFOLLOWED)

    await unfollow(client, alice, bob)

    assert await feed_ids(client, alice) == [mine]  # before any worker has caught up
    workers.release()
    await server.settle()
    assert await feed_ids(client, alice) == [mine]
    await follow(client, alice, bob)
    await server.settle()
    assert await feed_ids(client, alice) == [bobs[1], bobs[0], mine]


@PUSHED_OR_PULLED
async def test_a_deleted_post_leaves_every_feed_at_once(
    client: httpx.AsyncClient, server: RunningServer, workers: StalledWorkers
) -> None:
    alice, bob = await register(client), await register(client)
    await follow(client, alice, bob)
    kept, gone = await post(client, bob), await post(client, bob)
    await server.settle()
    assert await feed_ids(client, alice) == [gone, kept]

    workers.hold(POST_DELETED)

    await delete(client, bob, gone)

    assert await feed_ids(client, alice) == [kept]  # before any worker has caught up
    assert await feed_ids(client, bob) == [kept]
    workers.release()
    await server.settle()
    assert await feed_ids(client, alice) == [kept]


async def test_following_someone_brings_in_their_earlier_posts(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    alice, bob = await register(client), await register(client)
    older = [await post(client, bob) for _ in range(3)]
    mine = await post(client, alice)

    await follow(client, alice, bob)
    await server.settle()

    assert await feed_ids(client, alice) == [mine, *older[::-1]]


async def test_a_private_account_feeds_only_approved_followers(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    alice, friend, requester = [await register(client) for _ in range(3)]
    await follow(client, friend, alice)
    await set_private(client, alice)
    assert await follow(client, requester, alice) == "requested"

    secret = await post(client, alice, "friends only")
    await server.settle()

    assert await feed_ids(client, friend) == [secret]
    assert await feed_ids(client, requester) == []


# -- paging --------------------------------------------------------------------------------


async def test_pages_default_to_20_and_end_with_a_null_cursor(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    ids = [await post(client, alice) for _ in range(21)][::-1]

    first = await feed(client, alice)
    second = await feed(client, alice, cursor=first["next_cursor"])

    assert [item["id"] for item in first["posts"]] == ids[:20]
    assert isinstance(first["next_cursor"], str)
    assert first["next_cursor"]
    assert [item["id"] for item in second["posts"]] == ids[20:]
    assert second["next_cursor"] is None
    everything = await feed(client, alice, limit=50)
    assert [item["id"] for item in everything["posts"]] == ids
    assert everything["next_cursor"] is None
    exact = await feed(client, alice, limit=21)  # a full last page has no next page either
    assert exact["next_cursor"] is None
    assert await scroll(client, "/feed", alice, limit=7) == [ids[:7], ids[7:14], ids[14:]]


async def test_bad_limits_cursors_and_modes_are_422(client: httpx.AsyncClient) -> None:
    alice = await register(client)

    async def get(**params: Any) -> httpx.Response:
        return await client.get("/feed", params=params, headers=alice.headers)

    for limit in (0, 51, -3, "many"):
        assert_error(await get(limit=limit), 422, "validation_error")
    for cursor in ("abc", "-1", "12.5", str(2**63), "1" * 65):
        assert_error(await get(cursor=cursor), 422)
    assert_error(await get(cursor="not-a-cursor"), 422, "invalid_cursor")
    assert_error(await get(mode="sideways"), 422, "validation_error")
    assert (await get(limit=50, mode="chronological")).status_code == 200
    assert (await get(limit=1)).status_code == 200


# -- scrolling while posts come and go (property) -----------------------------------------

READER, FOLLOWED_A, FOLLOWED_B, STRANGER = range(4)
VISIBLE_AUTHORS = {READER, FOLLOWED_A, FOLLOWED_B}


@dataclass
class Scroll:
    """What one scroll saw, page by page, and what happened around it."""

    pages: list[list[str]] = field(default_factory=list)
    deleted_before_page: list[set[str]] = field(default_factory=list)
    created_during: dict[str, int] = field(default_factory=dict)  # post id -> author


actions = st.one_of(
    st.tuples(st.just("post"), st.integers(READER, STRANGER)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("nothing"), st.just(0)),
)


@PUSHED_OR_PULLED
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # Each example costs dozens of HTTP requests: report a failure as found, unshrunk.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@example(  # the post a cursor points at is deleted before the next page is read
    initial_authors=[READER, FOLLOWED_A, READER, FOLLOWED_B],
    limit=2,
    during=[("nothing", 0), ("delete", 2)],
)
@example(  # a new post arrives, and the next post due is deleted, between two pages
    initial_authors=[FOLLOWED_A, STRANGER, FOLLOWED_B, READER, FOLLOWED_A],
    limit=1,
    during=[("nothing", 0), ("post", FOLLOWED_A), ("delete", 2), ("post", STRANGER)],
)
@given(
    initial_authors=st.lists(st.integers(READER, STRANGER), min_size=2, max_size=9),
    limit=st.integers(1, 3),
    during=st.lists(actions, max_size=8),
)
async def test_scrolling_never_repeats_nor_skips_while_posts_come_and_go(
    client: httpx.AsyncClient,
    server: RunningServer,
    initial_authors: list[int],
    limit: int,
    during: list[tuple[str, int]],
) -> None:
    people = [await register(client) for _ in range(4)]
    reader = people[READER]
    for followee in (FOLLOWED_A, FOLLOWED_B):
        await follow(client, reader, people[followee])
    initial = [(await post(client, people[author]), author) for author in initial_authors]
    await server.settle()
    deleted: set[str] = set()
    seen = Scroll()

    cursor: str | None = None
    step = 0
    while True:
        if step < len(during):  # something happens between two pages
            action, value = during[step]
            if action == "post":
                seen.created_during[await post(client, people[value])] = value
            elif action == "delete":
                post_id, author = initial[value % len(initial)]
                if post_id not in deleted:
                    await delete(client, people[author], post_id)
                    deleted.add(post_id)
        step += 1
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        page = await feed(client, reader, **params)
        seen.pages.append([item["id"] for item in page["posts"]])
        seen.deleted_before_page.append(set(deleted))
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert step < 100, "the scroll never ends"

    shown = [post_id for page in seen.pages for post_id in page]
    assert len(shown) == len(set(shown)), f"repeated: {seen.pages}"
    assert [int(post_id) for post_id in shown] == sorted(map(int, shown), reverse=True)
    for page, gone in zip(seen.pages, seen.deleted_before_page, strict=True):
        assert not gone & set(page), "a post deleted before its page was read is on it"
    assert all(len(page) == limit for page in seen.pages[:-1]), f"short page: {seen.pages}"
    assert len(seen.pages[-1]) <= limit
    authors = dict(initial) | seen.created_during
    assert {authors[post_id] for post_id in shown} <= VISIBLE_AUTHORS, "a stranger's post"
    must_see = {
        post_id
        for post_id, author in initial
        if author in VISIBLE_AUTHORS and post_id not in deleted
    }
    assert must_see <= set(shown), f"skipped: {must_see - set(shown)} in {seen.pages}"
    assert set(shown) <= set(authors)


@pytest.mark.parametrize("settings_overrides", [{"feed_read_path": "pull"}])
async def test_the_pull_read_path_serves_the_same_feed(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    """SHUTTER_FEED_READ_PATH=pull (the benchmark's baseline) reads the database only:
    the same posts, newest first, paged without repeats."""
    alice, bob, carol = [await register(client) for _ in range(3)]
    assert await follow(client, alice, bob) == "following"
    bob_posts = [await post(client, bob, f"bob {n}") for n in range(3)]
    await post(client, carol, "carol, not followed")
    alice_1 = await post(client, alice, "alice 1")

    pages = await scroll(client, "/feed", alice, limit=2)

    assert pages == [[alice_1, bob_posts[2]], [bob_posts[1], bob_posts[0]]]
