"""Posts over HTTP, on both profiles: create (idempotently), read, delete, a profile's grid,
and who may see a private account's posts.

Each test starts a server, so related cases are checked in one test.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any
from unittest.mock import ANY

import httpx
import pytest

from tests.assertions import assert_error
from tests.factories import (
    Account,
    complete_upload,
    create_post,
    follow,
    image_bytes,
    processed,
    profile,
    publish,
    register,
    scroll,
    send_bytes,
    set_private,
    start_upload,
    unsigned,
    upload_image,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

POST_FIELDS = {
    "id",
    "author",
    "caption",
    "location",
    "media",
    "like_count",
    "comment_count",
    "liked_by_me",
    "saved_by_me",
    "sensitive",
    "content_warning",
    "comments_enabled",
    "hide_like_count",
    "pinned",
    "archived",
    "edited_at",
    "created_at",
}
AUTHOR_FIELDS = {"id", "username", "display_name", "avatar_url"}
# alt: the description a screen reader reads (null until set; docs/mastodon.md).
IMAGE_FIELDS = {"id", "type", "width", "height", "blurhash", "urls", "alt"}
SIZES = {"thumb", "small", "medium", "large", "original"}
ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


async def tiny_image(client: httpx.AsyncClient, account: Account) -> str:
    """A ready 8x8 PNG: the cheapest media a post can carry."""
    return await upload_image(client, account, image_bytes((8, 8), "PNG"), "image/png")


async def get_post(
    client: httpx.AsyncClient, post_id: str, reader: Account | None = None
) -> httpx.Response:
    return await client.get(f"/posts/{post_id}", headers=reader.headers if reader else {})


async def grid_ids(client: httpx.AsyncClient, author: Account) -> list[str]:
    pages = await scroll(client, f"/users/{author.id}/posts", author, limit=50)
    return [post_id for page in pages for post_id in page]


# -- creating ----------------------------------------------------------------------------


async def test_a_new_post_is_the_contract_post_object(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    first = await upload_image(client, alice, image_bytes((64, 48)))
    second = await upload_image(client, alice, image_bytes((30, 40), "PNG"), "image/png")

    response = await publish(
        client,
        alice,
        [second, first],
        "golden hour #sunset",
        location={"name": "Brighton Pier", "lat": 50.8167, "lng": -0.1372},
    )

    assert response.status_code == 201, response.text
    post = response.json()["post"]
    assert set(post) == POST_FIELDS
    assert post["sensitive"] is False
    # The options of test_post_options.py, as a new post has them.
    assert post["content_warning"] is None
    assert post["edited_at"] is None
    assert (post["comments_enabled"], post["hide_like_count"]) == (True, False)
    assert (post["pinned"], post["archived"]) == (False, False)
    assert re.fullmatch(r"[0-9]+", post["id"])
    assert int(post["id"]) > 2**53  # a string, since a JSON number would lose digits
    assert set(post["author"]) == AUTHOR_FIELDS
    assert post["author"]["id"] == alice.id
    assert post["author"]["username"] == alice.username
    assert post["caption"] == "golden hour #sunset"
    # The id names the place's page: /locations/{id}/posts.
    assert post["location"] == {
        "id": ANY,
        "name": "Brighton Pier",
        "lat": 50.8167,
        "lng": -0.1372,
    }
    assert post["location"]["id"].isdigit()
    assert [item["id"] for item in post["media"]] == [second, first]  # the order given
    for item, size in zip(post["media"], [(30, 40), (64, 48)], strict=True):
        assert set(item) == IMAGE_FIELDS
        assert item["type"] == "image"
        assert item["alt"] is None
        assert (item["width"], item["height"]) == size
        assert set(item["urls"]) == SIZES
        assert all(url.startswith("http") for url in item["urls"].values())
    assert (post["like_count"], post["comment_count"], post["liked_by_me"]) == (0, 0, False)
    assert ISO_UTC.fullmatch(post["created_at"]), post["created_at"]
    age = datetime.now(UTC) - datetime.fromisoformat(post["created_at"])
    assert abs(age.total_seconds()) < 60
    fetched = await get_post(client, post["id"], alice)
    assert fetched.status_code == 200, fetched.text
    assert unsigned(fetched.json()) == unsigned({"post": post})
    assert (await profile(client, alice))["post_count"] == 1


async def test_a_post_carries_one_to_ten_media(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    ten = [await tiny_image(client, alice) for _ in range(10)]

    assert_error(await publish(client, alice, []), 422, "validation_error")
    eleven = [str(10**15 + n) for n in range(11)]  # refused before any id is looked up
    assert_error(await publish(client, alice, eleven), 422, "validation_error")
    response = await publish(client, alice, ten)

    assert response.status_code == 201, response.text
    assert [item["id"] for item in response.json()["post"]["media"]] == ten


async def test_unusable_media_is_refused_with_a_reason(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    ready = await tiny_image(client, alice)
    bobs = await tiny_image(client, bob)
    data = image_bytes()
    pending = (await start_upload(client, alice, data))["media_id"]
    used = await tiny_image(client, alice)
    assert (await publish(client, alice, [used])).status_code == 201

    assert_error(await publish(client, alice, [ready, ready]), 422, "validation_error")
    assert_error(await publish(client, alice, [ready, "0" + ready]), 422, "validation_error")
    assert_error(await publish(client, alice, [bobs]), 404, "media_not_found")
    assert_error(await publish(client, alice, ["123456789"]), 404, "media_not_found")
    assert_error(await publish(client, alice, [pending]), 422, "media_not_ready")
    assert_error(await publish(client, alice, [used]), 422, "media_in_use")
    assert_error(await publish(client, alice, ["abc"]), 422, "validation_error")
    beyond_64_bits = await publish(client, alice, ["9999999999999999999"])
    assert beyond_64_bits.status_code in (404, 422), beyond_64_bits.text
    assert_error(beyond_64_bits, beyond_64_bits.status_code)

    # A refused post leaves nothing behind: no post, and its good media still usable.
    assert_error(await publish(client, alice, [ready, bobs]), 404, "media_not_found")
    assert_error(await publish(client, alice, [ready, pending]), 422, "media_not_ready")
    assert (await profile(client, alice))["post_count"] == 1
    assert len(await grid_ids(client, alice)) == 1
    assert (await publish(client, bob, [bobs])).status_code == 201
    assert (await publish(client, alice, [ready])).status_code == 201
    assert (await profile(client, alice))["post_count"] == 2


async def test_captions_take_up_to_2200_characters(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    media = [await tiny_image(client, alice) for _ in range(3)]
    longest = "📷" * 2199 + "!"

    kept = await publish(client, alice, [media[0]], longest)
    multiline = await publish(client, alice, [media[1]], "line one\nline two\twith a tab")
    without = await client.post("/posts", json={"media_ids": [media[2]]}, headers=alice.headers)

    assert kept.status_code == 201, kept.text
    assert kept.json()["post"]["caption"] == longest
    assert multiline.json()["post"]["caption"] == "line one\nline two\twith a tab"
    assert without.json()["post"]["caption"] == ""
    spare = await tiny_image(client, alice)
    assert_error(await publish(client, alice, [spare], "x" * 2201), 422, "validation_error")
    assert_error(await publish(client, alice, [spare], "bell\x07"), 422, "validation_error")
    assert_error(await publish(client, alice, [spare], "null\x00"), 422, "validation_error")
    # C1 controls and bidi overrides or isolates, in the caption or the place's name.
    for caption in ("c1\x85next", "csi\x9b31m", "gpj\u202eexe", "\u2067isolate"):
        refused = await publish(client, alice, [spare], caption)
        assert "caption" in assert_error(refused, 422, "validation_error")["message"]
    at_nul = await publish(client, alice, [spare], "", location={"name": "a\x00b"})
    assert "location.name" in assert_error(at_nul, 422, "validation_error")["message"]
    assert (await publish(client, alice, [spare], "fine")).status_code == 201


async def test_a_location_has_a_name_and_optional_valid_coordinates(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    spare = await tiny_image(client, alice)

    invalid: list[Any] = [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 101},
        {"lat": 1.0, "lng": 1.0},
        {"name": "North of north", "lat": 90.5, "lng": 0},
        {"name": "South of south", "lat": -91, "lng": 0},
        {"name": "Past the date line", "lat": 0, "lng": 180.01},
        {"name": "Before it", "lat": 0, "lng": -181},
        {"name": "Nowhere", "lat": "north", "lng": 0},
        {"name": "Extra", "altitude": 3},
        "Brighton",
    ]
    for location in invalid:
        answer = await client.post(
            "/posts", json={"media_ids": [spare], "location": location}, headers=alice.headers
        )
        assert_error(answer, 422, "validation_error")

    named = await publish(client, alice, [spare], location={"name": "  Café Nero  "})
    assert named.status_code == 201, named.text
    assert named.json()["post"]["location"] == {
        "id": ANY,
        "name": "Café Nero",
        "lat": None,
        "lng": None,
    }
    edge = await publish(
        client,
        alice,
        [await tiny_image(client, alice)],
        location={"name": "Pole", "lat": 90, "lng": -180},
    )
    assert edge.json()["post"]["location"] == {"id": ANY, "name": "Pole", "lat": 90, "lng": -180}
    nowhere = await create_post(client, alice)
    assert nowhere["location"] is None


# -- Idempotency-Key -----------------------------------------------------------------------


async def test_a_repeated_idempotency_key_returns_the_same_post_once(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    bob = await register(client)
    media = await tiny_image(client, alice)

    first = await publish(client, alice, [media], "once", idempotency_key="key-1")
    again = await publish(client, alice, [media], "once", idempotency_key="key-1")

    assert first.status_code == 201, first.text
    assert again.status_code in (200, 201), again.text
    assert again.json()["post"]["id"] == first.json()["post"]["id"]
    assert unsigned(again.json()) == unsigned(first.json())
    assert again.headers.get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in first.headers
    assert await grid_ids(client, alice) == [first.json()["post"]["id"]]
    assert (await profile(client, alice))["post_count"] == 1

    other_body = await publish(client, alice, [media], "twice", idempotency_key="key-1")
    assert_error(other_body, 422, "idempotency_key_reused")
    # Keys belong to their user: Bob's "key-1" is his own.
    bobs = await publish(client, bob, [await tiny_image(client, bob)], idempotency_key="key-1")
    assert bobs.status_code == 201, bobs.text
    assert bobs.json()["post"]["id"] != first.json()["post"]["id"]
    for bad_key in ("", "x" * 256, "with space"):
        assert_error(
            await publish(client, alice, [media], idempotency_key=bad_key), 422, "validation_error"
        )


async def test_a_refused_request_does_not_use_up_its_idempotency_key(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    data = image_bytes()
    ticket = await start_upload(client, alice, data)

    early = await publish(client, alice, [ticket["media_id"]], idempotency_key="retry-me")
    assert_error(early, 422, "media_not_ready")
    await send_bytes(ticket, data)
    assert (await complete_upload(client, alice, ticket["media_id"])).status_code in (200, 202)
    assert (await processed(client, alice, ticket["media_id"]))["status"] == "ready"
    later = await publish(client, alice, [ticket["media_id"]], idempotency_key="retry-me")

    assert later.status_code == 201, later.text
    assert await grid_ids(client, alice) == [later.json()["post"]["id"]]


async def test_concurrent_requests_with_one_idempotency_key_make_one_post(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    media = await tiny_image(client, alice)

    answers = await asyncio.gather(
        *(publish(client, alice, [media], "rush", idempotency_key="k") for _ in range(10))
    )

    assert all(answer.status_code in (200, 201) for answer in answers), [
        answer.text for answer in answers
    ]
    ids = {answer.json()["post"]["id"] for answer in answers}
    assert len(ids) == 1
    replays = [answer.headers.get("idempotent-replayed") == "true" for answer in answers]
    assert replays.count(False) == 1
    assert await grid_ids(client, alice) == list(ids)
    assert (await profile(client, alice))["post_count"] == 1


# -- reading and deleting ------------------------------------------------------------------


async def test_a_public_post_is_readable_by_anyone(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    post = await create_post(client, alice, caption="hello")

    for reader in (None, bob, alice):
        answer = await get_post(client, post["id"], reader)
        assert answer.status_code == 200, answer.text
        assert unsigned(answer.json()["post"]) == unsigned(post)

    assert_error(await get_post(client, "123456789"), 404, "post_not_found")
    assert_error(await get_post(client, "abc"), 422)
    assert_error(await get_post(client, str(2**63)), 422)


async def test_deleting_an_own_post(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    kept = await create_post(client, alice, caption="kept")
    gone = await create_post(client, alice, caption="gone")
    assert (await profile(client, alice))["post_count"] == 2

    deleted = await client.delete(f"/posts/{gone['id']}", headers=alice.headers)

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(await get_post(client, gone["id"], alice), 404, "post_not_found")
    assert_error(await client.delete(f"/posts/{gone['id']}", headers=alice.headers), 404)
    assert (await profile(client, alice))["post_count"] == 1
    assert await grid_ids(client, alice) == [kept["id"]]
    assert (await get_post(client, kept["id"])).status_code == 200


async def test_only_the_author_may_delete_a_post(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    mallory = await register(client)
    post = await create_post(client, alice)

    assert_error(
        await client.delete(f"/posts/{post['id']}", headers=mallory.headers), 403, "not_your_post"
    )
    assert_error(await client.delete(f"/posts/{post['id']}"), 401)

    assert (await get_post(client, post["id"])).status_code == 200
    assert (await profile(client, alice))["post_count"] == 1


async def test_a_private_accounts_posts_are_for_approved_followers(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    friend = await register(client)
    stranger = await register(client)
    latecomer = await register(client)
    assert await follow(client, friend, alice) == "following"
    await set_private(client, alice)
    assert await follow(client, latecomer, alice) == "requested"
    post = await create_post(client, alice, caption="for friends")

    for reader in (None, stranger, latecomer):
        assert_error(await get_post(client, post["id"], reader), 404, "post_not_found")
        grid = await client.get(
            f"/users/{alice.id}/posts", headers=reader.headers if reader else {}
        )
        assert_error(grid, 403, "private_account")
    for reader in (alice, friend):
        assert (await get_post(client, post["id"], reader)).json()["post"]["id"] == post["id"]
        assert (await client.get(f"/users/{alice.id}/posts", headers=reader.headers)).json()[
            "posts"
        ][0]["id"] == post["id"]

    await set_private(client, alice, False)
    assert (await get_post(client, post["id"], stranger)).status_code == 200
    assert (await get_post(client, post["id"])).status_code == 200


# -- a profile's grid -----------------------------------------------------------------------


async def test_the_grid_pages_newest_first_without_gaps(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    created = [(await create_post(client, alice, caption=f"#{n}"))["id"] for n in range(5)]
    await create_post(client, bob)
    removed = created.pop(1)
    assert (await client.delete(f"/posts/{removed}", headers=alice.headers)).status_code == 204

    pages = await scroll(client, f"/users/{alice.id}/posts", None, limit=2)

    assert pages == [created[::-1][:2], created[::-1][2:]]
    assert (await client.get(f"/users/{alice.id}/posts")).json()["next_cursor"] is None
    first = (await client.get(f"/users/{alice.id}/posts", params={"limit": 1})).json()
    assert first["posts"][0]["caption"] == "#4"
    assert first["next_cursor"]
    # Bob posted after all of these: below this cursor he has nothing.
    empty = await client.get(f"/users/{bob.id}/posts", params={"cursor": first["posts"][0]["id"]})
    assert empty.json() == {"posts": [], "next_cursor": None}


async def test_the_grid_refuses_bad_paging_and_unknown_users(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    path = f"/users/{alice.id}/posts"

    for limit in (0, 51, -1, "ten"):
        assert_error(await client.get(path, params={"limit": limit}), 422, "validation_error")
    for cursor in ("abc", "-1", "1.5", str(2**63)):
        assert_error(await client.get(path, params={"cursor": cursor}), 422, "invalid_cursor")
    assert (await client.get(path, params={"limit": 50})).status_code == 200
    assert_error(await client.get("/users/123456789/posts"), 404, "user_not_found")
