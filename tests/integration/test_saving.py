"""Saving posts as people use it: save and unsave (idempotent), "All saved" newest save
first, named private collections (create, rename, reorder, add, remove, delete), the
`saved_by_me` flag batched per page, and saved posts that become invisible leaving every
list. The visibility matrix (test_visibility_matrix.py) has the saved list and the
collection reads as read paths too."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    approve,
    block,
    follow,
    pages_of,
    register,
    set_private,
    unblock,
    unfollow,
)
from tests.integration.test_hybrid_feed import quick_post

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def save(client: httpx.AsyncClient, account: Account, post_id: str) -> httpx.Response:
    return await client.post(f"/posts/{post_id}/save", headers=account.headers)


async def saved_ids(client: httpx.AsyncClient, account: Account, limit: int = 50) -> list[str]:
    pages = await pages_of(client, "/users/me/saved", account.headers, limit)
    return [post_id for page in pages for post_id in page]


async def new_collection(client: httpx.AsyncClient, account: Account, name: str) -> dict[str, Any]:
    response = await client.post("/collections", json={"name": name}, headers=account.headers)
    assert response.status_code == 201, response.text
    collection: dict[str, Any] = response.json()["collection"]
    return collection


async def collection_ids(
    client: httpx.AsyncClient, account: Account, collection_id: str, limit: int = 50
) -> list[str]:
    pages = await pages_of(client, f"/collections/{collection_id}", account.headers, limit)
    return [post_id for page in pages for post_id in page]


async def put_in(
    client: httpx.AsyncClient, account: Account, collection_id: str, post_id: str
) -> httpx.Response:
    return await client.post(
        f"/collections/{collection_id}/posts/{post_id}", headers=account.headers
    )


async def test_saving_is_idempotent_newest_first_paginated_and_flags_posts(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, reader = await register(client), await register(client)
    post_ids = [await quick_post(client, author, f"post {i}") for i in range(5)]
    for post_id in (post_ids[1], post_ids[3], post_ids[0], post_ids[4]):
        response = await save(client, reader, post_id)
        assert response.status_code == 200, response.text
        assert response.json() == {"saved": True}
    # Saving again changes nothing: the post keeps its place (its first save).
    assert (await save(client, reader, post_ids[1])).json() == {"saved": True}

    pages = await pages_of(client, "/users/me/saved", reader.headers, 3)
    assert pages == [[post_ids[4], post_ids[0], post_ids[3]], [post_ids[1]]]

    # saved_by_me on every post object the reader gets, false for the others and anonymous.
    grid = await client.get(f"/users/{author.id}/posts", headers=reader.headers)
    flags = {post["id"]: post["saved_by_me"] for post in grid.json()["posts"]}
    assert flags == {post_id: post_id != post_ids[2] for post_id in post_ids}
    single = await client.get(f"/posts/{post_ids[0]}", headers=reader.headers)
    assert single.json()["post"]["saved_by_me"] is True
    theirs = await client.get(f"/posts/{post_ids[0]}", headers=author.headers)
    assert theirs.json()["post"]["saved_by_me"] is False
    anonymous = await client.get(f"/posts/{post_ids[0]}")
    assert anonymous.json()["post"]["saved_by_me"] is False
    saved_page = await client.get("/users/me/saved", headers=reader.headers)
    assert all(post["saved_by_me"] for post in saved_page.json()["posts"])
    # The feeds too (their query brings the flag along), chronological and ranked.
    await follow(client, reader, author)
    await server.settle()
    for mode in ("chronological", "ranked"):
        feed = await client.get(f"/feed?mode={mode}&limit=50", headers=reader.headers)
        assert feed.status_code == 200, feed.text
        flags = {post["id"]: post["saved_by_me"] for post in feed.json()["posts"]}
        assert flags == {post_id: post_id != post_ids[2] for post_id in post_ids}, mode

    unsaved = await client.delete(f"/posts/{post_ids[0]}/save", headers=reader.headers)
    assert unsaved.status_code == 200, unsaved.text
    assert unsaved.json() == {"saved": False}
    again = await client.delete(f"/posts/{post_ids[0]}/save", headers=reader.headers)
    assert again.json() == {"saved": False}
    assert await saved_ids(client, reader) == [post_ids[4], post_ids[3], post_ids[1]]
    assert await saved_ids(client, author) == []  # saves are the saver's own


async def test_saving_asks_for_a_visible_post_and_a_signed_in_reader(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    private, stranger = await register(client), await register(client)
    post_id = await quick_post(client, private)
    await set_private(client, private)
    assert_error(await save(client, stranger, post_id), 404, "post_not_found")
    assert_error(await save(client, stranger, "999999999"), 404, "post_not_found")
    assert_error(await client.post(f"/posts/{post_id}/save"), 401)
    assert_error(await client.get("/users/me/saved"), 401)
    assert_error(await client.get("/collections"), 401)
    assert_error(await client.delete(f"/posts/{post_id}/save", headers=stranger.headers), 404)
    assert_error(await client.post("/posts/0/save", headers=stranger.headers), 422)
    assert_error(await client.get("/users/me/saved?cursor=x", headers=stranger.headers), 422)


async def test_collections_are_private_named_ordered_and_tied_to_saving(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, owner, other = await register(client), await register(client), await register(client)
    post_ids = [await quick_post(client, author, f"p{i}") for i in range(4)]
    trips = await new_collection(client, owner, "  Trips  ")
    assert trips["name"] == "Trips"
    assert (trips["post_count"], trips["cover"]) == (0, None)
    food = await new_collection(client, owner, "Food")

    # Adding to a collection saves the post; adding twice changes nothing.
    for post_id in post_ids[:3]:
        added = await put_in(client, owner, trips["id"], post_id)
        assert added.status_code == 200, added.text
        assert added.json() == {
            "collection_id": trips["id"],
            "post_id": post_id,
            "in_collection": True,
            "saved": True,
        }
    assert (await put_in(client, owner, trips["id"], post_ids[0])).status_code == 200
    assert (await put_in(client, owner, food["id"], post_ids[1])).status_code == 200
    assert set(await saved_ids(client, owner)) == set(post_ids[:3])

    # Newest addition first, cursor-paginated.
    pages = await pages_of(client, f"/collections/{trips['id']}", owner.headers, 2)
    assert pages == [[post_ids[2], post_ids[1]], [post_ids[0]]]
    body = (await client.get(f"/collections/{trips['id']}", headers=owner.headers)).json()
    assert body["collection"]["post_count"] == 3
    assert body["collection"]["cover"]["post_id"] == post_ids[2]
    assert body["collection"]["cover"]["thumb_url"]

    # The list, newest collection first; with ?post_id= each says whether it holds it.
    listed = (await client.get("/collections", headers=owner.headers)).json()
    assert [c["id"] for c in listed["collections"]] == [food["id"], trips["id"]]
    holding = await client.get(f"/collections?post_id={post_ids[0]}", headers=owner.headers)
    assert {c["id"]: c["has_post"] for c in holding.json()["collections"]} == {
        food["id"]: False,
        trips["id"]: True,
    }

    # Rename and reorder: the listed posts first, the others after in their order.
    patched = await client.patch(
        f"/collections/{trips['id']}",
        json={"name": "Summer trips", "post_ids": [post_ids[0]]},
        headers=owner.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["collection"]["name"] == "Summer trips"
    assert await collection_ids(client, owner, trips["id"]) == [
        post_ids[0],
        post_ids[2],
        post_ids[1],
    ]
    reordered = await client.patch(
        f"/collections/{trips['id']}",
        json={"post_ids": [post_ids[1], post_ids[2], post_ids[0]]},
        headers=owner.headers,
    )
    assert reordered.status_code == 200, reordered.text
    assert await collection_ids(client, owner, trips["id"], 1) == [
        post_ids[1],
        post_ids[2],
        post_ids[0],
    ]
    # A post added after a reorder comes first.
    assert (await put_in(client, owner, trips["id"], post_ids[3])).status_code == 200
    assert (await collection_ids(client, owner, trips["id"]))[0] == post_ids[3]

    # Bad input answers in the envelope.
    path = f"/collections/{trips['id']}"
    assert_error(
        await client.patch(path, json={"post_ids": ["123"]}, headers=owner.headers),
        422,
        "not_in_collection",
    )
    twice = {"post_ids": [post_ids[0], post_ids[0]]}
    assert_error(await client.patch(path, json=twice, headers=owner.headers), 422)
    assert_error(await client.patch(path, json={"name": "x" * 101}, headers=owner.headers), 422)
    assert_error(await client.patch(path, json={"name": "   "}, headers=owner.headers), 422)
    assert_error(await client.post("/collections", json={"name": ""}, headers=owner.headers), 422)
    assert_error(await client.post("/collections", json={}, headers=owner.headers), 422)
    assert_error(
        await client.post("/collections", json={"name": "a", "x": 1}, headers=owner.headers), 422
    )
    assert (await new_collection(client, owner, "n" * 100))["name"] == "n" * 100

    # Someone else's collection does not exist for them, whatever they try.
    for response in (
        await client.get(path, headers=other.headers),
        await client.patch(path, json={"name": "mine"}, headers=other.headers),
        await client.delete(path, headers=other.headers),
        await put_in(client, other, trips["id"], post_ids[0]),
        await client.delete(f"{path}/posts/{post_ids[0]}", headers=other.headers),
    ):
        assert_error(response, 404, "collection_not_found")
    assert (await client.get("/collections", headers=other.headers)).json()["collections"] == []
    assert_error(await client.get("/collections/12345", headers=owner.headers), 404)

    # Taking a post out of a collection keeps it saved; unsaving takes it out of all.
    removed = await client.delete(f"{path}/posts/{post_ids[2]}", headers=owner.headers)
    assert removed.json() == {
        "collection_id": trips["id"],
        "post_id": post_ids[2],
        "in_collection": False,
        "saved": True,
    }
    assert post_ids[2] in await saved_ids(client, owner)
    assert post_ids[2] not in await collection_ids(client, owner, trips["id"])
    unsaved = await client.delete(f"/posts/{post_ids[1]}/save", headers=owner.headers)
    assert unsaved.json() == {"saved": False}
    assert post_ids[1] not in await collection_ids(client, owner, trips["id"])
    assert await collection_ids(client, owner, food["id"]) == []

    # Deleting a collection keeps its posts saved.
    assert (await client.delete(path, headers=owner.headers)).status_code == 204
    assert_error(await client.get(path, headers=owner.headers), 404, "collection_not_found")
    assert post_ids[0] in await saved_ids(client, owner)


async def test_a_collection_of_a_post_you_cannot_see_is_refused(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    private, owner = await register(client), await register(client)
    post_id = await quick_post(client, private)
    await set_private(client, private)
    collection = await new_collection(client, owner, "Secret")
    assert_error(await put_in(client, owner, collection["id"], post_id), 404, "post_not_found")
    assert await saved_ids(client, owner) == []


async def test_the_number_of_collections_is_capped(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    from shutter.saving.schemas import COLLECTIONS_PER_USER_MAX

    owner = await register(client)
    results = await asyncio.gather(
        *(
            client.post("/collections", json={"name": f"c{i}"}, headers=owner.headers)
            for i in range(COLLECTIONS_PER_USER_MAX + 3)
        )
    )
    statuses = sorted(response.status_code for response in results)
    assert statuses == [201] * COLLECTIONS_PER_USER_MAX + [409] * 3
    refused = [response for response in results if response.status_code == 409]
    assert_error(refused[0], 409, "too_many_collections")
    pages = await pages_of(client, "/collections", owner.headers, 50, items="collections")
    assert sum(len(page) for page in pages) == COLLECTIONS_PER_USER_MAX


async def test_saved_posts_that_become_invisible_leave_every_list_and_come_back(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    """Deleted, blocked either way, gone private without you, unfollowed while private:
    out of "All saved" and collections at once; what is undone brings them back."""
    reader = await register(client)
    collection = await new_collection(client, reader, "All of them")
    authors = {
        name: await register(client) for name in ("deleted", "blocker", "blocked", "private")
    }
    posts = {name: await quick_post(client, account) for name, account in authors.items()}
    for post_id in posts.values():
        assert (await put_in(client, reader, collection["id"], post_id)).status_code == 200

    async def visible() -> tuple[set[str], set[str], int]:
        saved = set(await saved_ids(client, reader, 2))
        held = set(await collection_ids(client, reader, collection["id"], 2))
        count = (await client.get("/collections", headers=reader.headers)).json()
        return saved, held, count["collections"][0]["post_count"]

    everything = set(posts.values())
    assert await visible() == (everything, everything, 4)

    deleted = await client.delete(f"/posts/{posts['deleted']}", headers=authors["deleted"].headers)
    assert deleted.status_code == 204
    await block(client, authors["blocker"], reader)
    await block(client, reader, authors["blocked"])
    await set_private(client, authors["private"])
    left = {posts["deleted"], posts["blocker"], posts["blocked"], posts["private"]}
    assert await visible() == (everything - left, everything - left, 0)

    # Following the private author again (approved) and lifting the blocks bring them back.
    await follow(client, reader, authors["private"])
    await approve(client, authors["private"], reader)
    await unblock(client, authors["blocker"], reader)
    await unblock(client, reader, authors["blocked"])
    back = everything - {posts["deleted"]}
    assert await visible() == (back, back, 3)
    # ... and an unfollow of the private author takes its post out again.
    await unfollow(client, reader, authors["private"])
    assert await visible() == (back - {posts["private"]}, back - {posts["private"]}, 2)

    # A post no longer visible can still be unsaved, telling nothing about it.
    gone = await client.delete(f"/posts/{posts['private']}/save", headers=reader.headers)
    assert gone.json() == {"saved": False}
    await follow(client, reader, authors["private"])
    await approve(client, authors["private"], reader)
    assert posts["private"] not in set(await saved_ids(client, reader))


async def test_saved_posts_of_a_suspended_or_deactivated_author_or_a_removed_post_leave(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    from shutter.moderation import service as moderation

    reader, suspended, leaving, removed = (
        await register(client),
        await register(client),
        await register(client),
        await register(client),
    )
    moderator = await register(client)
    async with server.context.db.write() as uow:
        await moderation.set_role(server.context, uow.conn, moderator.username, "moderator")
    posts = {
        name: await quick_post(client, account)
        for name, account in (("suspended", suspended), ("leaving", leaving), ("removed", removed))
    }
    collection = await new_collection(client, reader, "Mixed")
    for post_id in posts.values():
        assert (await put_in(client, reader, collection["id"], post_id)).status_code == 200
    for body in (
        {"action": "suspend", "target_type": "user", "target_id": suspended.id},
        {"action": "remove", "target_type": "post", "target_id": posts["removed"]},
    ):
        acted = await client.post(
            "/admin/actions", json={**body, "reason": "test"}, headers=moderator.headers
        )
        assert acted.status_code == 201, acted.text
    gone = await client.request(
        "DELETE", "/users/me", json={"password": leaving.password}, headers=leaving.headers
    )
    assert gone.status_code == 202, gone.text
    assert await saved_ids(client, reader) == []
    assert await collection_ids(client, reader, collection["id"]) == []
