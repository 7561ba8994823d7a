"""Deleting an account on both profiles: deactivated at once (hidden everywhere, sessions
ended, login refused, restorable), then purged: no row, Redis key or stored object names
the account any more, and everyone else's counts are exact."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import BigInteger, Integer, String, Text, select

from shutter.db.tables import (
    collection_posts,
    exports,
    media,
    metadata,
    post_versions,
    saves,
)
from shutter.portability.deletion import purge_due
from shutter.push import repository as push_repository
from shutter.timeutil import utcnow
from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    comment,
    create_post,
    distinct_image,
    follow,
    like,
    post_story,
    publish,
    register,
    upload_image,
)
from tests.factories import profile as user_profile
from tests.integration.test_messages import send
from tests.integration.test_oauth import user_token

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
PUSH_ENDPOINT = "https://push.example.net/send/deleted-account"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # No grace period: the test runs the purge job itself once the account is deactivated.
    return {"account_deletion_grace_days": 0}


async def delete_account(
    client: httpx.AsyncClient, account: Account, password: str
) -> httpx.Response:
    return await client.request(
        "DELETE", "/users/me", json={"password": password}, headers=account.headers
    )


async def rows_naming(server: RunningServer, user_id: int) -> list[str]:
    """Every table cell holding the id (an id column) or its digits (text, JSON)."""
    found = []
    async with server.context.db.read() as conn:
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).mappings():
                for column in table.columns:
                    value = row[column.name]
                    if (isinstance(column.type, BigInteger | Integer) and value == user_id) or (
                        isinstance(column.type, String | Text)
                        and isinstance(value, str)
                        and str(user_id) in value
                    ):
                        found.append(f"{table.name}.{column.name}")
    return found


async def test_a_deleted_account_is_hidden_at_once_restorable_and_then_purged(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    alice = await register(client)
    bob = await register(client)
    await follow(client, alice, bob)
    await follow(client, bob, alice)
    # Bytes of Alice's own (stored objects are content-addressed: shared bytes are kept).
    photos = [await upload_image(client, alice, distinct_image(), "image/png") for _ in range(2)]
    own = (await publish(client, alice, photos, "mine #gone")).json()["post"]
    theirs = await create_post(client, bob, caption="bob's")
    lovely = await comment(client, alice, theirs["id"], "lovely")
    thanks = await comment(client, bob, own["id"], "thanks")
    bobs_note = await comment(client, bob, theirs["id"], "a note")
    # Comment likes both ways, and Alice's comment pinned on Bob's post.
    for liker, target in ((alice, bobs_note), (alice, thanks), (bob, lovely)):
        liked = await client.post(f"/comments/{target['id']}/like", headers=liker.headers)
        assert liked.status_code == 200, liked.text
    pinned = await client.post(f"/comments/{lovely['id']}/pin", headers=bob.headers)
    assert pinned.status_code == 200, pinned.text
    await like(client, alice, theirs["id"])
    await like(client, bob, own["id"])
    # Saves and collections both ways: Alice's go, and her post leaves Bob's.
    for saver, post_id in ((alice, theirs["id"]), (bob, own["id"])):
        made = await client.post("/collections", json={"name": "keep"}, headers=saver.headers)
        assert made.status_code == 201, made.text
        collection_id = made.json()["collection"]["id"]
        added = await client.post(
            f"/collections/{collection_id}/posts/{post_id}", headers=saver.headers
        )
        assert added.status_code == 200, added.text
    bobs_collection = collection_id
    story = await post_story(client, alice)
    # A followed hashtag (issue 22 §3): the purge leaves no row of it.
    followed = await client.post("/hashtags/gone/follow", headers=alice.headers)
    assert followed.status_code == 200, followed.text
    # A Mastodon app's reading positions (markers): the purge leaves no row of them.
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        _, token = await user_token(root, alice, "write:statuses")
        marked = await root.post(
            "/api/v1/markers",
            data={"home[last_read_id]": theirs["id"]},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert marked.status_code == 200, marked.text
    # Quiet and stories (issue 22): mutes and close-friends lists both ways, a highlight,
    # comment filters: the purge leaves none of them.
    for one, other in ((alice, bob), (bob, alice)):
        muted = await client.post(f"/users/{other.id}/mute", json={}, headers=one.headers)
        assert muted.status_code == 200, muted.text
        listed = await client.put(
            "/users/me/close-friends", json={"user_ids": [other.id]}, headers=one.headers
        )
        assert listed.status_code == 200, listed.text
    kept = await client.post(
        "/highlights", json={"title": "kept", "story_ids": [story["id"]]}, headers=alice.headers
    )
    assert kept.status_code == 201, kept.text
    filters = {"words": ["rude"], "followers_only": True}
    put = await client.put("/users/me/comment-filters", json=filters, headers=alice.headers)
    assert put.status_code == 200, put.text
    # Tables of later issues: an edited caption (post_versions), a report filed, a pending
    # two-factor secret, profile visits both ways, a push subscription, a finished export.
    edited = await client.patch(
        f"/posts/{own['id']}", json={"caption": "mine, edited #gone"}, headers=alice.headers
    )
    assert edited.status_code == 200, edited.text
    reported = await client.post(
        "/reports",
        json={"target_type": "post", "target_id": theirs["id"], "reason": "spam"},
        headers=alice.headers,
    )
    assert reported.status_code == 201, reported.text
    totp = await client.post("/auth/mfa/totp", headers=alice.headers)
    assert totp.status_code == 200, totp.text
    for viewer, visited in ((alice, bob), (bob, alice)):
        seen = await client.get(f"/users/{visited.id}", headers=viewer.headers)
        assert seen.status_code == 200, seen.text
    async with server.context.db.write() as uow:
        await push_repository.save(
            uow.conn, server.context.ids, int(alice.id), PUSH_ENDPOINT, "p256dh", "auth", utcnow()
        )
    exported = await client.post("/exports", headers=alice.headers)
    assert exported.status_code == 202, exported.text
    sent = await send(client, alice, bob, "hello bob")
    await send(client, bob, alice, "hello alice")
    await server.settle()
    export = (await client.get("/exports/latest", headers=alice.headers)).json()["export"]
    assert export["status"] == "done", export
    async with server.context.db.read() as conn:
        export_key = (await conn.execute(select(exports.c.object_key))).scalar_one()
    assert await server.context.objects.size(export_key)
    async with server.context.db.read() as conn:
        keys = [
            key
            for row in (await conn.execute(select(media).where(media.c.owner_id == int(alice.id))))
            .mappings()
            .all()
            for key in (row["upload_key"], row["original_key"], row["poster_key"])
            if key
        ]
    assert len(keys) >= 6

    assert_error(await delete_account(client, alice, "not my password"), 403, "wrong_password")
    response = await delete_account(client, alice, alice.password)
    assert response.status_code == 202, response.text
    assert response.json()["deletion"]["status"] == "scheduled"

    # At once: sessions end, the profile is gone for others, and so is its content.
    assert_error(await client.get("/users/me", headers=alice.headers), 401)
    assert_error(await client.get(f"/users/{alice.id}", headers=bob.headers), 404)
    assert_error(await client.get(f"/posts/{own['id']}", headers=bob.headers), 404)
    feed = (await client.get("/feed", headers=bob.headers)).json()["posts"]
    assert [post["id"] for post in feed] == [theirs["id"]]
    listed = (await client.get(f"/posts/{theirs['id']}/comments", headers=bob.headers)).json()
    assert [c["text"] for c in listed["comments"]] == ["a note"]
    login = await client.post(
        "/auth/login", json={"login": alice.username, "password": alice.password}
    )
    assert_error(login, 403, "account_deactivated")
    taken = await client.post(
        "/auth/register",
        json={"username": alice.username, "email": "else@example.com", "password": "x" * 12},
    )
    assert_error(taken, 409, "username_taken")

    # Restored within the grace period: everything is back.
    restored = await client.post(
        "/users/me/restore", json={"login": alice.username, "password": alice.password}
    )
    assert restored.status_code == 200, restored.text
    alice.token = restored.json()["access_token"]
    assert (await client.get(f"/posts/{own['id']}", headers=bob.headers)).status_code == 200
    assert (await user_profile(client, bob))["follower_count"] == 1

    assert (await delete_account(client, alice, alice.password)).status_code == 202
    await server.settle()
    assert await purge_due(server.context) == 1
    assert await purge_due(server.context) == 0  # nothing left to do: idempotent

    assert await rows_naming(server, int(alice.id)) == []
    for key in keys:
        assert await server.context.objects.size(key) is None, key
    assert await server.context.objects.size(export_key) is None
    if server.context.redis is not None:
        named = [
            key async for key in server.context.redis.scan_iter(match=f"*{alice.id}*", count=1000)
        ]
        assert named == []
    # Everyone else's counts are exact.
    bob_now = await user_profile(client, bob)
    assert (bob_now["follower_count"], bob_now["following_count"]) == (0, 0)
    post = (await client.get(f"/posts/{theirs['id']}", headers=bob.headers)).json()["post"]
    assert (post["like_count"], post["comment_count"]) == (0, 1)
    listed = (await client.get(f"/posts/{theirs['id']}/comments", headers=bob.headers)).json()
    assert [(c["text"], c["like_count"], c["pinned"]) for c in listed["comments"]] == [
        ("a note", 0, False)
    ]
    notes = (await client.get("/notifications", headers=bob.headers)).json()["notifications"]
    assert notes == []
    async with server.context.db.read() as conn:
        for table in (saves, collection_posts, post_versions):
            left = select(table.c.post_id).where(table.c.post_id == int(own["id"]))
            assert (await conn.execute(left)).first() is None, table.name
    kept = await client.get(f"/collections/{bobs_collection}", headers=bob.headers)
    assert kept.status_code == 200, kept.text
    assert kept.json()["collection"]["name"] == "keep"
    # Bob keeps the conversation: Alice's words are gone, his are not.
    conversation = sent["conversation_id"]
    response = await client.get(f"/conversations/{conversation}/messages", headers=bob.headers)
    assert response.status_code == 200, response.text
    history = response.json()["messages"]
    inbox = await client.get("/conversations", headers=bob.headers)
    assert inbox.status_code == 200, inbox.text
    assert len(inbox.json()["conversations"]) == 1
    assert [m["content"] for m in history] == ["", "hello alice"]
    # The username is free again.
    again = await client.post(
        "/auth/register",
        json={"username": alice.username, "email": alice.email, "password": "x" * 12},
    )
    assert again.status_code == 201, again.text


async def test_counts_on_others_posts_leave_out_a_deactivated_account_until_restored(
    client: httpx.AsyncClient,
) -> None:
    alice, bob, carol = [await register(client) for _ in range(3)]
    theirs = await create_post(client, bob, caption="bob's")
    top = await comment(client, carol, theirs["id"], "first")
    await comment(client, alice, theirs["id"], "from alice")
    await comment(client, alice, theirs["id"], "a reply from alice", parent_id=top["id"])
    await comment(client, carol, theirs["id"], "a reply from carol", parent_id=top["id"])
    await like(client, alice, theirs["id"])
    await like(client, carol, theirs["id"])

    async def shown() -> tuple[int, int, int]:
        post = (await client.get(f"/posts/{theirs['id']}", headers=bob.headers)).json()["post"]
        page = (await client.get(f"/posts/{theirs['id']}/comments", headers=bob.headers)).json()
        (first,) = [c for c in page["comments"] if c["id"] == top["id"]]
        return post["comment_count"], post["like_count"], first["reply_count"]

    assert await shown() == (4, 2, 2)
    assert (await delete_account(client, alice, alice.password)).status_code == 202
    # From deactivation, not only after the purge: her comments and like leave the counts.
    assert await shown() == (2, 1, 1)
    # A new comment still moves the count from there.
    await comment(client, carol, theirs["id"], "another")
    assert await shown() == (3, 1, 1)

    restored = await client.post(
        "/users/me/restore", json={"login": alice.username, "password": alice.password}
    )
    assert restored.status_code == 200, restored.text
    assert await shown() == (5, 2, 2)


async def test_a_purge_cut_short_by_a_crash_finishes_on_the_next_run(
    client: httpx.AsyncClient, server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await register(client)
    bob = await register(client)
    await follow(client, bob, alice)
    photos = [await upload_image(client, alice, distinct_image(), "image/png") for _ in range(3)]
    for photo in photos:
        assert (await publish(client, alice, [photo], "soon gone")).status_code == 201
    theirs = await create_post(client, bob, caption="stays")
    await like(client, alice, theirs["id"])
    await server.settle()
    async with server.context.db.read() as conn:
        query = select(media.c.original_key).where(media.c.owner_id == int(alice.id))
        originals = list((await conn.execute(query)).scalars())
    assert len(originals) == 3
    assert (await delete_account(client, alice, alice.password)).status_code == 202

    # The object store fails after two deletions: the purge stops half-way.
    store = server.context.objects
    real_delete = store.delete
    calls = 0

    async def failing_delete(key: str) -> None:
        nonlocal calls
        calls += 1
        if calls > 2:
            raise ConnectionError("object store unreachable")
        await real_delete(key)

    monkeypatch.setattr(store, "delete", failing_delete)
    with pytest.raises(ConnectionError):
        await purge_due(server.context)
    assert await rows_naming(server, int(alice.id)) != []  # the account is still due
    monkeypatch.setattr(store, "delete", real_delete)

    assert await purge_due(server.context) == 1
    assert await rows_naming(server, int(alice.id)) == []
    for key in originals:
        assert await store.size(key) is None, key
    bob_now = await user_profile(client, bob)
    assert (bob_now["follower_count"], bob_now["following_count"], bob_now["post_count"]) == (
        0,
        0,
        1,
    )
    post = (await client.get(f"/posts/{theirs['id']}", headers=bob.headers)).json()["post"]
    assert post["like_count"] == 0


async def test_a_purged_account_leaves_its_groups_and_its_reactions_go(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    alice, bob, carol, dave = [await register(client) for _ in range(4)]
    made = await client.post(
        "/conversations",
        json={"member_ids": [bob.id, carol.id], "name": "Book club"},
        headers=alice.headers,
    )
    assert made.status_code == 201, made.text
    group = made.json()["id"]
    path = f"/conversations/{group}"

    async def say(account: Account, body: dict[str, Any]) -> dict[str, Any]:
        body = {"client_message_id": f"{account.username}-{len(body)}"} | body
        sent = await client.post(f"{path}/messages", json=body, headers=account.headers)
        assert sent.status_code == 201, sent.text
        answer: dict[str, Any] = sent.json()
        return answer

    photo = await upload_image(client, alice, distinct_image(), "image/png")
    await say(alice, {"content": "a picture", "media_id": photo})
    bobs = await say(bob, {"content": "nice"})
    reacted = await client.put(
        f"/messages/{bobs['message_id']}/reaction", json={"emoji": "👍"}, headers=alice.headers
    )
    assert reacted.status_code == 200, reacted.text
    added = await client.post(
        f"{path}/members", json={"user_ids": [dave.id]}, headers=alice.headers
    )
    assert added.status_code == 200, added.text
    # Sent in a message, the photo's files are private: the purge deletes them too.
    async with server.context.db.read() as conn:
        query = select(media.c.original_key).where(media.c.owner_id == int(alice.id))
        private_original = (await conn.execute(query)).scalar_one()
    assert private_original.startswith("private/")

    assert (await delete_account(client, alice, alice.password)).status_code == 202
    await server.settle()
    assert await purge_due(server.context) == 1
    assert await rows_naming(server, int(alice.id)) == []
    assert await server.context.objects.size(private_original) is None

    response = await client.get(f"{path}/messages", headers=carol.headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert [m["seq"] for m in page["messages"]] == [1, 2, 3, 4]
    picture, nice, addition, leaving = page["messages"]
    stand_in = picture["sender_id"]
    assert picture["sender"]["display_name"] == "Deleted account"
    assert (picture["content"], picture["media"]) == ("", None)
    assert nice["reactions"] == []
    assert (addition["sender_id"], addition["system"]["action"]) == (stand_in, "added")
    assert leaving["system"]["action"] == "left"
    assert [user["id"] for user in leaving["system"]["users"]] == [stand_in]
    conversation = (await client.get(path, headers=carol.headers)).json()
    assert [(m["user"]["id"], m["role"]) for m in conversation["members"]] == [
        (bob.id, "admin"),
        (carol.id, "member"),
        (dave.id, "member"),
    ]
