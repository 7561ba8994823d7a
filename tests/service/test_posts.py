"""The post presenter and the hydration of a page of post rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shutter.context import AppContext
from shutter.db.tables import likes
from shutter.media.repository import MediaRow
from shutter.posts import repository, service
from shutter.posts.presenters import hydrate, page_of, present_post
from shutter.posts.repository import PostRow
from shutter.posts.schemas import PostOut, PostPatch
from shutter.stores.hydration import HydrationCache
from shutter.users.repository import AuthorRow
from tests.service.conftest import NOW, World


class FakeUrls:
    """An UrlFor that signs nothing: `key` becomes `/files/key`."""

    def __call__(self, key: str) -> str:
        return f"/files/{key}"

    def until(self, key: str, deadline: datetime) -> str:
        return f"/files/{key}?until"

    def withheld(self, key: str, deadline: datetime) -> str:
        return f"/files/{key}?withheld"


URLS = FakeUrls()
ROW: PostRow = {
    "id": 7,
    "author_id": 1,
    "caption": "at the lake #sunset",
    "location_name": "Lake",
    "location_lat": 46.5,
    "location_lng": 6.6,
    "location_id": 9,
    "like_count": 3,
    "comment_count": 1,
    "sensitive": False,
    "content_warning": None,
    "comments_enabled": True,
    "hide_like_count": False,
    "edited_at": None,
    "pinned_at": None,
    "archived_at": None,
    "created_at": NOW,
}
AUTHOR: AuthorRow = {"id": 1, "username": "ada", "display_name": "Ada", "avatar_key": None}
IMAGE: MediaRow = {
    "id": 11,
    "kind": "image",
    "width": 64,
    "height": 48,
    "blurhash": "LEHV6nWB2yk8",
    "original_key": "o.jpg",
    "variants": '{"thumb": "t.webp"}',
    "poster_key": None,
    "duration_s": None,
}


def test_a_post_is_presented_in_its_documented_shape() -> None:
    body = present_post(ROW, AUTHOR, [IMAGE], True, URLS)

    assert body == {
        "id": "7",
        "author": {"id": "1", "username": "ada", "display_name": "Ada", "avatar_url": None},
        "caption": "at the lake #sunset",
        "location": {"id": "9", "name": "Lake", "lat": 46.5, "lng": 6.6},
        "media": [
            {
                "id": "11",
                "type": "image",
                "width": 64,
                "height": 48,
                "blurhash": "LEHV6nWB2yk8",
                "urls": {
                    "thumb": "/files/t.webp",
                    "small": "/files/o.jpg",
                    "medium": "/files/o.jpg",
                    "large": "/files/o.jpg",
                    "original": "/files/o.jpg",
                },
            }
        ],
        "like_count": 3,
        "liked_by_me": True,
        "saved_by_me": False,
        "comment_count": 1,
        "sensitive": False,
        "content_warning": None,
        "comments_enabled": True,
        "hide_like_count": False,
        "pinned": False,
        "archived": False,
        "edited_at": None,
        "created_at": "2026-11-30T12:00:00.000Z",
    }
    PostOut.model_validate(body)


def test_a_hidden_like_count_is_presented_to_the_author_alone() -> None:
    row: PostRow = {**ROW, "hide_like_count": True, "pinned_at": NOW, "edited_at": NOW}
    for viewer_id, shown in ((1, 3), (2, None), (None, None)):
        body = present_post(row, AUTHOR, [], False, URLS, viewer_id=viewer_id)
        assert body["like_count"] == shown
        PostOut.model_validate(body)
    assert body["pinned"] is True
    assert body["edited_at"] == "2026-11-30T12:00:00.000Z"


def test_a_post_without_a_place_or_media() -> None:
    row: PostRow = {**ROW, "location_name": None, "location_id": None}
    body = present_post(row, AUTHOR, [], False, URLS)

    assert body["location"] is None
    assert body["media"] == []
    assert body["liked_by_me"] is False


async def test_hydration_loads_the_page_and_leaves_out_posts_without_an_author(
    context: AppContext, world: World
) -> None:
    ada, bob = await world.user("ada"), await world.user("bob")
    liked = await world.post(ada, "liked", with_image=True)
    plain = await world.post(ada, "plain")
    async with context.db.write() as uow:
        conn = uow.conn
        await conn.execute(
            likes.insert().values(id=world.next_id(), post_id=liked, user_id=bob, created_at=NOW)
        )
        rows = await repository.page_by_author(conn, ada, ada, None, 10)
        orphan: PostRow = {**rows[0], "id": world.next_id(), "author_id": 424242}
        cache = HydrationCache()
        posts = await hydrate(conn, [orphan, *rows], bob, URLS, cache)
        again = await hydrate(conn, rows, bob, URLS, cache)  # from the cache

    assert [post["id"] for post in posts] == [str(plain), str(liked)]
    assert [post["liked_by_me"] for post in posts] == [False, True]
    assert posts == again
    assert posts[1]["media"][0]["urls"] is not None
    for post in posts:
        PostOut.model_validate(post)


async def test_a_page_of_posts_carries_the_cursor_only_when_there_is_more(
    context: AppContext, world: World
) -> None:
    ada = await world.user("ada")
    ids = [await world.post(ada, str(n)) for n in range(3)]
    async with context.db.read() as conn:
        rows = await repository.page_by_author(conn, ada, ada, None, 2 + 1)
        first = await page_of(conn, rows, 2, None, URLS)
        rest = await repository.page_by_author(conn, ada, ada, ids[1], 2 + 1)
        last = await page_of(conn, rest, 2, None, URLS)

    assert [post["id"] for post in first["posts"]] == [str(ids[2]), str(ids[1])]
    assert first["next_cursor"] == str(ids[1])
    assert [post["id"] for post in last["posts"]] == [str(ids[0])]
    assert last["next_cursor"] is None


async def test_an_edit_makes_the_cached_media_of_the_post_miss(
    context: AppContext, world: World
) -> None:
    """The media cache keeps a post's media under its version (edited_at): an edit of the
    alt text, made through any process, is what the next hydration shows."""
    ada = await world.user("ada")
    post_id = await world.post(ada, "lake", with_image=True)
    cache = HydrationCache()
    async with context.db.read() as conn:
        (before,) = await hydrate(conn, [await _live(conn, post_id)], ada, URLS, cache)
    media_id = before["media"][0]["id"]
    assert before["media"][0].get("alt") is None
    async with context.db.write() as uow:
        patch = PostPatch(alt_texts={media_id: "A still lake"})
        await service.edit_post(context, uow, ada, post_id, patch)
    async with context.db.read() as conn:
        (after,) = await hydrate(conn, [await _live(conn, post_id)], ada, URLS, cache)
    assert after["media"][0].get("alt") == "A still lake"
    assert after["edited_at"] is not None


async def _live(conn: Any, post_id: int) -> PostRow:
    row = await repository.get_live(conn, post_id, None)
    assert row is not None
    return row
