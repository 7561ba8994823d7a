"""Likes and comments as people use them: counts that add up, who may do what, replies one
level deep, and every refusal in the error envelope."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    comment,
    follow,
    like,
    many_accounts,
    many_likes,
    pages_of,
    register,
    set_private,
)
from tests.integration.test_hybrid_feed import quick_post


async def _post(client: httpx.AsyncClient, account, post_id: str) -> dict:  # type: ignore[no-untyped-def]
    response = await client.get(f"/posts/{post_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()["post"]


async def test_a_like_counts_once_shows_everywhere_and_can_be_withdrawn(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, fan, other = await register(client), await register(client), await register(client)
    post_id = await quick_post(client, author, "first light")
    await follow(client, fan, author)

    assert await like(client, fan, post_id) == {"liked": True, "like_count": 1}
    assert await like(client, fan, post_id) == {"liked": True, "like_count": 1}  # idempotent
    assert await like(client, other, post_id) == {"liked": True, "like_count": 2}

    seen_by_fan = await _post(client, fan, post_id)
    assert (seen_by_fan["like_count"], seen_by_fan["liked_by_me"]) == (2, True)
    seen_by_author = await _post(client, author, post_id)
    assert (seen_by_author["like_count"], seen_by_author["liked_by_me"]) == (2, False)
    await server.settle()
    feed = (await client.get("/feed", headers=fan.headers)).json()["posts"]
    assert [(p["id"], p["like_count"], p["liked_by_me"]) for p in feed] == [(post_id, 2, True)]
    grid = (await client.get(f"/users/{author.id}/posts", headers=other.headers)).json()
    assert grid["posts"][0]["liked_by_me"] is True
    anonymous = (await client.get(f"/posts/{post_id}")).json()["post"]
    assert anonymous["liked_by_me"] is False

    likers = await pages_of(client, f"/posts/{post_id}/likes", fan.headers, 1, items="users")
    assert likers == [[other.id], [fan.id]]  # most recent first

    unliked = await client.delete(f"/posts/{post_id}/like", headers=fan.headers)
    assert unliked.json() == {"liked": False, "like_count": 1}
    again = await client.delete(f"/posts/{post_id}/like", headers=fan.headers)
    assert again.json() == {"liked": False, "like_count": 1}
    assert (await _post(client, fan, post_id))["liked_by_me"] is False


async def test_a_thousand_people_liking_at_once_make_exactly_a_thousand_likes(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author = await register(client)
    post_id = await quick_post(client, author)
    # 800 of them liked already (written straight to the database); the other 200 like
    # at once over HTTP, 100 requests in flight, on top of a count that is not zero.
    await many_likes(server, post_id, await many_accounts(server, 800))
    crowd = await many_accounts(server, 200)
    gate = asyncio.Semaphore(100)

    async def like_twice(account) -> None:  # type: ignore[no-untyped-def]
        async with gate:
            for _ in range(2):  # a double tap must not count twice either
                response = await client.post(f"/posts/{post_id}/like", headers=account.headers)
                assert response.status_code == 200, response.text

    await asyncio.gather(*(like_twice(account) for account in crowd))
    assert (await _post(client, author, post_id))["like_count"] == 1000
    likers = await pages_of(client, f"/posts/{post_id}/likes", author.headers, 50, items="users")
    assert len({user for page in likers for user in page}) == 1000


async def test_likes_follow_the_post_visibility(client: httpx.AsyncClient) -> None:
    owner, stranger = await register(client), await register(client)
    post_id = await quick_post(client, owner)
    await set_private(client, owner)
    assert_error(await client.post(f"/posts/{post_id}/like", headers=stranger.headers), 404)
    assert_error(await client.get(f"/posts/{post_id}/likes", headers=stranger.headers), 404)
    assert_error(
        await client.post(
            f"/posts/{post_id}/comments", json={"text": "hi"}, headers=stranger.headers
        ),
        404,
    )
    assert_error(await client.get(f"/posts/{post_id}/comments"), 404)
    assert_error(await client.post(f"/posts/{post_id}/like"), 401)
    assert_error(await client.post("/posts/123/like", headers=owner.headers), 404, "post_not_found")
    assert_error(await client.post("/posts/abc/like", headers=owner.headers), 422)


async def test_comments_read_oldest_first_with_replies_one_level_deep(
    client: httpx.AsyncClient,
) -> None:
    author, ann, bob = await register(client), await register(client), await register(client)
    post_id = await quick_post(client, author)
    first = await comment(client, ann, post_id, "what a view #travel @" + bob.username)
    second = await comment(client, bob, post_id, "agreed")
    reply = await comment(client, bob, post_id, "same here", parent_id=first["id"])
    # Replying to a reply joins the same thread, as on Instagram.
    nested = await comment(client, author, post_id, "thanks both", parent_id=reply["id"])
    assert nested["parent_id"] == first["id"]
    assert first["hashtags"] == ["travel"]
    assert first["mentions"] == [bob.username]
    assert first["author"]["username"] == ann.username

    top = await pages_of(client, f"/posts/{post_id}/comments", ann.headers, 1, items="comments")
    assert top == [[first["id"]], [second["id"]]]
    listed = (await client.get(f"/posts/{post_id}/comments", headers=ann.headers)).json()
    assert [c["reply_count"] for c in listed["comments"]] == [2, 0]
    replies = await pages_of(
        client, f"/comments/{first['id']}/replies", ann.headers, 1, items="comments"
    )
    assert replies == [[reply["id"]], [nested["id"]]]
    assert (await _post(client, ann, post_id))["comment_count"] == 4


async def test_who_may_delete_a_comment_and_what_goes_with_it(client: httpx.AsyncClient) -> None:
    author, ann, bob = await register(client), await register(client), await register(client)
    post_id = await quick_post(client, author)
    thread = await comment(client, ann, post_id, "top")
    reply = await comment(client, bob, post_id, "reply", parent_id=thread["id"])
    lone = await comment(client, bob, post_id, "lone")

    refused = await client.delete(f"/comments/{lone['id']}", headers=ann.headers)
    assert_error(refused, 403, "not_your_comment")
    # The reply's author may delete it; the thread's count follows.
    assert (await client.delete(f"/comments/{reply['id']}", headers=bob.headers)).status_code == 204
    listed = (await client.get(f"/posts/{post_id}/comments", headers=ann.headers)).json()
    assert [c["reply_count"] for c in listed["comments"]] == [0, 0]
    # The post's author may delete anyone's comment; a thread goes with its replies.
    await comment(client, bob, post_id, "another reply", parent_id=thread["id"])
    assert (await _post(client, ann, post_id))["comment_count"] == 3
    deleted = await client.delete(f"/comments/{thread['id']}", headers=author.headers)
    assert deleted.status_code == 204
    assert (await _post(client, ann, post_id))["comment_count"] == 1
    remaining = (await client.get(f"/posts/{post_id}/comments", headers=ann.headers)).json()
    assert [c["id"] for c in remaining["comments"]] == [lone["id"]]
    assert_error(await client.delete(f"/comments/{thread['id']}", headers=author.headers), 404)
    assert_error(await client.get(f"/comments/{thread['id']}/replies"), 404, "comment_not_found")
    # A deleted post takes its comments with it.
    assert (await client.delete(f"/posts/{post_id}", headers=author.headers)).status_code == 204
    assert_error(await client.delete(f"/comments/{lone['id']}", headers=bob.headers), 404)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"text": ""}, "empty"),
        ({"text": "   \n "}, "blank"),
        ({"text": "x" * 2201}, "too long"),
        ({"text": "bell\x07"}, "control character"),
        ({"text": " ".join(f"#tag{i}" for i in range(31))}, "31 hashtags"),
        ({"text": "hi", "parent_id": "abc"}, "parent id not a number"),
        ({"text": "hi", "parent_id": "99999999999999999999"}, "parent id too large"),
        ({"text": "hi", "extra": 1}, "unknown field"),
        ({}, "no text"),
    ],
)
async def test_a_comment_that_is_not_one_is_refused(
    client: httpx.AsyncClient,
    body: dict,
    why: str,  # type: ignore[type-arg]
) -> None:
    author = await register(client)
    post_id = await quick_post(client, author)
    response = await client.post(f"/posts/{post_id}/comments", json=body, headers=author.headers)
    assert_error(response, 422)
    assert (await _post(client, author, post_id))["comment_count"] == 0, why


async def test_comment_text_follows_the_one_text_rule(client: httpx.AsyncClient) -> None:
    """C1 controls, bidi overrides and isolates, and comments made only of zero-width
    characters are refused; text is stored NFC, newlines, tabs and emoji joiners kept."""
    author = await register(client)
    post_id = await quick_post(client, author)
    path = f"/posts/{post_id}/comments"
    for text in ["c1\x85", "csi\x9b", "rtl\u202dx", "\u2068fsi", "\u200b\u200b", "\u2060\ufeff"]:
        response = await client.post(path, json={"text": text}, headers=author.headers)
        assert "text" in assert_error(response, 422, "validation_error")["message"], text
    kept = await client.post(
        path, json={"text": "Cafe\u0301\n\t👩\u200d💻"}, headers=author.headers
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["comment"]["text"] == "Caf\u00e9\n\t👩\u200d💻"
    assert (await _post(client, author, post_id))["comment_count"] == 1


async def test_a_reply_must_belong_to_the_same_post(client: httpx.AsyncClient) -> None:
    author = await register(client)
    one, two = await quick_post(client, author), await quick_post(client, author)
    elsewhere = await comment(client, author, one, "on the first post")
    response = await client.post(
        f"/posts/{two}/comments",
        json={"text": "confused", "parent_id": elsewhere["id"]},
        headers=author.headers,
    )
    assert_error(response, 404, "comment_not_found")
    longest = await comment(client, author, two, "x" * 2200)  # the limit itself is fine
    assert len(longest["text"]) == 2200


async def test_counts_that_drifted_are_put_right_by_the_reconciler(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    from sqlalchemy import update

    from shutter.db.tables import posts
    from shutter.posts.tasks import CountReconciler

    author, fan = await register(client), await register(client)
    post_id = await quick_post(client, author)
    await like(client, fan, post_id)
    await comment(client, fan, post_id, "nice")
    async with server.context.db.write() as uow:  # a hand edit gone wrong
        await uow.conn.execute(
            update(posts).where(posts.c.id == int(post_id)).values(like_count=7, comment_count=0)
        )
    assert (await _post(client, fan, post_id))["like_count"] == 7
    assert await CountReconciler()(server.context) == 1
    fixed = await _post(client, fan, post_id)
    assert (fixed["like_count"], fixed["comment_count"]) == (1, 1)
    assert await CountReconciler()(server.context) == 0

    # A comment's like count too.
    from shutter.db.tables import comments

    (nice,) = (await client.get(f"/posts/{post_id}/comments")).json()["comments"]
    liked = await client.post(f"/comments/{nice['id']}/like", headers=author.headers)
    assert liked.json() == {"liked": True, "like_count": 1}
    async with server.context.db.write() as uow:
        await uow.conn.execute(
            update(comments).where(comments.c.id == int(nice["id"])).values(like_count=5)
        )
    assert await CountReconciler()(server.context) == 1
    (nice,) = (await client.get(f"/posts/{post_id}/comments")).json()["comments"]
    assert nice["like_count"] == 1
