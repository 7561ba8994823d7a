"""Post options over HTTP, on both profiles: alt text per media item, content warnings,
editing with its history (hashtags re-indexed, the newly mentioned told once), comments
turned off, hidden like counts, pins first on the grid, and the archive (the visibility
matrix has "archived" on every read path: test_visibility_matrix.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    approve,
    comment,
    follow,
    image_bytes,
    like,
    pages_of,
    register,
    set_private,
    upload_image,
)
from tests.integration.test_hybrid_feed import quick_post, whole_feed

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def new_post(
    client: httpx.AsyncClient, account: Account, count: int = 1, **fields: Any
) -> dict[str, Any]:
    """A post of `count` small images with these extra fields; returns the post object."""
    media_ids = [await upload_image(client, account, image_bytes((8 + i, 8))) for i in range(count)]
    body = {"media_ids": media_ids, "caption": "", **fields}
    if callable(body.get("alt_texts")):
        body["alt_texts"] = body["alt_texts"](media_ids)
    response = await client.post("/posts", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    post: dict[str, Any] = response.json()["post"]
    return post


async def read(
    client: httpx.AsyncClient, post_id: str, reader: Account | None = None
) -> dict[str, Any]:
    response = await client.get(f"/posts/{post_id}", headers=reader.headers if reader else {})
    assert response.status_code == 200, response.text
    post: dict[str, Any] = response.json()["post"]
    return post


async def edit(
    client: httpx.AsyncClient, account: Account, post_id: str, **fields: Any
) -> httpx.Response:
    return await client.patch(f"/posts/{post_id}", json=fields, headers=account.headers)


async def grid(client: httpx.AsyncClient, author: Account, reader: Account) -> list[str]:
    pages = await pages_of(client, f"/users/{author.id}/posts", reader.headers, 50)
    return [post_id for page in pages for post_id in page]


# -- alt text and content warnings --------------------------------------------------------


async def test_alt_text_is_set_when_posting_and_edited_by_the_owner_only(
    client: httpx.AsyncClient,
) -> None:
    alice, bob = await register(client), await register(client)
    post = await new_post(
        client, alice, 2, alt_texts=lambda ids: {ids[0]: "A red kite over the downs"}
    )
    first, second = (item["id"] for item in post["media"])
    assert [item["alt"] for item in post["media"]] == ["A red kite over the downs", None]
    assert [item["alt"] for item in (await read(client, post["id"], bob))["media"]] == [
        "A red kite over the downs",
        None,
    ]

    # The owner describes the second one later; the post shows it to everyone.
    response = await client.patch(
        f"/media/{second}", json={"alt_text": "Chalk cliffs"}, headers=alice.headers
    )
    assert response.status_code == 204, response.text
    seen = await read(client, post["id"], bob)
    assert [item["alt"] for item in seen["media"]] == ["A red kite over the downs", "Chalk cliffs"]

    # Someone else's media is not found; a NUL byte or an overlong text is refused.
    assert_error(
        await client.patch(f"/media/{first}", json={"alt_text": "mine"}, headers=bob.headers),
        404,
        "media_not_found",
    )
    for bad in ("nul\x00byte", "x" * 1501):
        response = await client.patch(
            f"/media/{first}", json={"alt_text": bad}, headers=alice.headers
        )
        assert_error(response, 422)
    # An alt text for media not in the post is refused, on POST /posts as on PATCH.
    other = await upload_image(client, alice, image_bytes((12, 8)))
    response = await client.post(
        "/posts",
        json={"media_ids": [other], "alt_texts": {first: "elsewhere"}},
        headers=alice.headers,
    )
    assert_error(response, 422)
    response = await edit(client, alice, post["id"], alt_texts={other: "not here"})
    assert_error(response, 422, "media_not_in_post")
    # Media not yet posted can be described too.
    response = await client.patch(
        f"/media/{other}", json={"alt_text": "Later"}, headers=alice.headers
    )
    assert response.status_code == 204, response.text
    assert (await client.get(f"/media/{other}", headers=alice.headers)).json()["alt"] == "Later"


async def test_a_content_warning_is_presented_and_can_be_changed(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    post = await new_post(client, alice, content_warning="Spiders", sensitive=True)
    assert (post["content_warning"], post["sensitive"]) == ("Spiders", True)
    assert (await read(client, post["id"]))["content_warning"] == "Spiders"
    response = await edit(client, alice, post["id"], content_warning=None, sensitive=False)
    assert response.status_code == 200, response.text
    assert (response.json()["post"]["content_warning"], response.json()["post"]["sensitive"]) == (
        None,
        False,
    )
    for bad in ("w" * 501, "bad\x00"):
        assert_error(await edit(client, alice, post["id"], content_warning=bad), 422)
        response = await client.post(
            "/posts",
            json={"media_ids": [post["media"][0]["id"]], "content_warning": bad},
            headers=alice.headers,
        )
        assert_error(response, 422)


# -- editing ----------------------------------------------------------------------------


async def test_editing_keeps_a_history_and_only_the_author_may(
    client: httpx.AsyncClient,
) -> None:
    alice, bob, carol = await register(client), await register(client), await register(client)
    await set_private(client, alice)
    await follow(client, bob, alice)
    await approve(client, alice, bob)
    post = await new_post(
        client,
        alice,
        caption="first words",
        location={"name": "Lewes"},
        alt_texts=lambda ids: {ids[0]: "old alt"},
    )
    assert post["edited_at"] is None
    media_id = post["media"][0]["id"]

    response = await edit(
        client,
        alice,
        post["id"],
        caption="second words",
        location=None,
        alt_texts={media_id: "new alt"},
        content_warning="Heights",
    )
    assert response.status_code == 200, response.text
    edited = response.json()["post"]
    assert edited["caption"] == "second words"
    assert edited["location"] is None
    assert edited["media"][0]["alt"] == "new alt"
    assert edited["content_warning"] == "Heights"
    assert edited["edited_at"] is not None
    assert (await edit(client, alice, post["id"], caption="third words")).status_code == 200

    history = await client.get(f"/posts/{post['id']}/history", headers=bob.headers)
    assert history.status_code == 200, history.text
    versions = history.json()["versions"]
    assert [version["caption"] for version in versions] == ["second words", "first words"]
    assert versions[1]["location_name"] == "Lewes"
    assert versions[1]["alt_texts"] == {media_id: "old alt"}
    assert versions[0]["alt_texts"] == {media_id: "new alt"}
    assert versions[0]["content_warning"] == "Heights"
    assert versions[1]["replaced_at"] <= versions[0]["replaced_at"]

    # Someone who can see the post: 403; someone who cannot: 404 (for history too).
    assert_error(await edit(client, bob, post["id"], caption="mine"), 403, "not_your_post")
    assert_error(await edit(client, carol, post["id"], caption="mine"), 404, "post_not_found")
    history = await client.get(f"/posts/{post['id']}/history", headers=carol.headers)
    assert_error(history, 404, "post_not_found")
    # Options alone are no edit of what the post says: no new version.
    assert (await edit(client, alice, post["id"], hide_like_count=True)).status_code == 200
    history = await client.get(f"/posts/{post['id']}/history", headers=alice.headers)
    assert len(history.json()["versions"]) == 2
    assert_error(await edit(client, alice, post["id"], caption="x", surprise=1), 422)


async def test_an_edit_moves_the_post_between_hashtag_pages(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    tag_old, tag_new = f"old{alice.id}", f"new{alice.id}"
    post_id = await quick_post(client, alice, f"#{tag_old}")

    async def tagged(tag: str) -> list[str]:
        response = await client.get(f"/hashtags/{tag}/posts")
        if response.status_code == 404:  # a tag no live post carries has no page
            assert_error(response, 404, "hashtag_not_found")
            return []
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["posts"]]

    assert await tagged(tag_old) == [post_id]
    assert (await edit(client, alice, post_id, caption=f"#{tag_new} now")).status_code == 200
    assert await tagged(tag_old) == []
    assert await tagged(tag_new) == [post_id]


async def test_only_newly_mentioned_people_are_notified_of_an_edit(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob, carol = await register(client), await register(client), await register(client)
    post_id = await quick_post(client, alice, f"with @{bob.username}")
    await server.settle()

    async def mentions(account: Account) -> int:
        await server.settle()
        response = await client.get("/notifications", headers=account.headers)
        assert response.status_code == 200, response.text
        kinds = [item["type"] for item in response.json()["notifications"]]
        return kinds.count("mention")

    assert await mentions(bob) == 1
    caption = f"with @{bob.username} and @{carol.username}"
    assert (await edit(client, alice, post_id, caption=caption)).status_code == 200
    assert (await mentions(carol), await mentions(bob)) == (1, 1)
    # Editing again with the same people tells no one twice.
    assert (await edit(client, alice, post_id, caption=caption + "!")).status_code == 200
    assert (await mentions(carol), await mentions(bob)) == (1, 1)


async def test_an_edit_reaches_the_followers_feed_at_once(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob = await register(client), await register(client)
    await follow(client, bob, alice)
    post = await new_post(client, alice, caption="before", alt_texts=lambda ids: {ids[0]: "a"})
    await server.settle()
    response = await client.get("/feed", headers=bob.headers)
    assert [item["media"][0]["alt"] for item in response.json()["posts"]] == ["a"]
    media_id = post["media"][0]["id"]
    edited = await edit(client, alice, post["id"], caption="after", alt_texts={media_id: "b"})
    assert edited.status_code == 200, edited.text
    response = await client.get("/feed", headers=bob.headers)
    (seen,) = response.json()["posts"]
    assert (seen["caption"], seen["media"][0]["alt"]) == ("after", "b")
    assert seen["edited_at"] == edited.json()["post"]["edited_at"]


# -- comments and likes -------------------------------------------------------------------


async def test_turning_comments_off_refuses_new_ones_and_keeps_the_old(
    client: httpx.AsyncClient,
) -> None:
    alice, bob = await register(client), await register(client)
    post_id = await quick_post(client, alice)
    earlier = await comment(client, bob, post_id, "nice")
    assert (await edit(client, alice, post_id, comments_enabled=False)).status_code == 200
    assert (await read(client, post_id, bob))["comments_enabled"] is False
    for who in (bob, alice):
        response = await client.post(
            f"/posts/{post_id}/comments", json={"text": "more"}, headers=who.headers
        )
        assert_error(response, 403, "comments_disabled")
    listed = await client.get(f"/posts/{post_id}/comments", headers=bob.headers)
    assert [item["id"] for item in listed.json()["comments"]] == [earlier["id"]]
    assert (await edit(client, alice, post_id, comments_enabled=True)).status_code == 200
    await comment(client, bob, post_id, "back on")
    # Created with comments off.
    quiet = await new_post(client, alice, comments_enabled=False)
    response = await client.post(
        f"/posts/{quiet['id']}/comments", json={"text": "hi"}, headers=bob.headers
    )
    assert_error(response, 403, "comments_disabled")


async def test_a_hidden_like_count_is_shown_to_the_author_only(
    client: httpx.AsyncClient,
) -> None:
    alice, bob = await register(client), await register(client)
    post = await new_post(client, alice, hide_like_count=True)
    await like(client, bob, post["id"])
    assert (await read(client, post["id"], alice))["like_count"] == 1
    assert (await read(client, post["id"], bob))["like_count"] is None
    assert (await read(client, post["id"]))["like_count"] is None
    assert (await read(client, post["id"], bob))["liked_by_me"] is True
    assert (await edit(client, alice, post["id"], hide_like_count=False)).status_code == 200
    assert (await read(client, post["id"], bob))["like_count"] == 1


# -- pins -------------------------------------------------------------------------------


async def test_pinned_posts_come_first_on_the_grid_at_most_three(
    client: httpx.AsyncClient,
) -> None:
    alice, bob = await register(client), await register(client)
    ids = [await quick_post(client, alice, f"post {i}") for i in range(6)]
    for post_id in (ids[1], ids[3], ids[0]):
        response = await client.post(f"/posts/{post_id}/pin", headers=alice.headers)
        assert response.status_code == 200
        assert response.json() == {"pinned": True}
    again = await client.post(f"/posts/{ids[0]}/pin", headers=alice.headers)
    assert again.status_code == 200, again.text  # idempotent
    assert_error(
        await client.post(f"/posts/{ids[5]}/pin", headers=alice.headers), 409, "too_many_pins"
    )
    assert_error(
        await client.post(f"/posts/{ids[5]}/pin", headers=bob.headers), 403, "not_your_post"
    )
    # Newest pin first, then the rest newest first, none repeated, over small pages too.
    expected = [ids[0], ids[3], ids[1], ids[5], ids[4], ids[2]]
    assert await grid(client, alice, bob) == expected
    pages = await pages_of(client, f"/users/{alice.id}/posts", bob.headers, 2)
    assert [post_id for page in pages for post_id in page] == expected
    assert (await read(client, ids[3], bob))["pinned"] is True

    response = await client.delete(f"/posts/{ids[3]}/pin", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {"pinned": False}
    response = await client.delete(f"/posts/{ids[3]}/pin", headers=alice.headers)
    assert response.status_code == 200, response.text
    assert await grid(client, alice, bob) == [ids[0], ids[1], ids[5], ids[4], ids[3], ids[2]]
    assert (await client.post(f"/posts/{ids[5]}/pin", headers=alice.headers)).status_code == 200


# -- archive ----------------------------------------------------------------------------


async def test_archiving_hides_a_post_from_others_and_restoring_puts_it_back(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob = await register(client), await register(client)
    await follow(client, bob, alice)
    ids = [await quick_post(client, alice, f"post {i}") for i in range(3)]
    await server.settle()

    response = await client.post(f"/posts/{ids[1]}/archive", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {"archived": True}
    assert (await client.post(f"/posts/{ids[1]}/archive", headers=alice.headers)).status_code == 200
    assert_error(
        await client.post(f"/posts/{ids[0]}/archive", headers=bob.headers), 403, "not_your_post"
    )
    assert_error(await client.get(f"/posts/{ids[1]}", headers=bob.headers), 404)
    assert (await read(client, ids[1], alice))["archived"] is True
    assert await grid(client, alice, bob) == [ids[2], ids[0]]
    assert ids[1] not in await whole_feed(client, bob)
    assert_error(
        await client.post(f"/posts/{ids[1]}/like", headers=bob.headers), 404, "post_not_found"
    )
    archive = await pages_of(client, "/users/me/archive", alice.headers, 1)
    assert archive == [[ids[1]]]
    assert (await client.get("/users/me/archive")).status_code == 401

    response = await client.delete(f"/posts/{ids[1]}/archive", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {"archived": False}
    await server.settle()
    assert await grid(client, alice, bob) == [ids[2], ids[1], ids[0]]
    assert await whole_feed(client, bob) == [ids[2], ids[1], ids[0]]
    assert await pages_of(client, "/users/me/archive", alice.headers, 5) == [[]]
