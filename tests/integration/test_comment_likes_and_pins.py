"""Comments as their readers and the post's author handle them: a heart on each comment
with its count and the reader's own like (idempotent, exact under a crowd, the comment's
author notified but not for their own like), one pinned comment per post that opens the
list once, and the post's author deleting anyone's comment on their post. The
visibility matrix (test_visibility_matrix.py) has the comment-like path too."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    block,
    comment,
    many_accounts,
    pages_of,
    register,
    set_private,
)
from tests.integration.test_hybrid_feed import quick_post

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def like_comment(
    client: httpx.AsyncClient, account: Account, comment_id: str
) -> httpx.Response:
    return await client.post(f"/comments/{comment_id}/like", headers=account.headers)


async def listed(
    client: httpx.AsyncClient, account: Account | None, post_id: str, limit: int = 50
) -> list[dict[str, Any]]:
    headers = account.headers if account is not None else {}
    response = await client.get(f"/posts/{post_id}/comments?limit={limit}", headers=headers)
    assert response.status_code == 200, response.text
    comments: list[dict[str, Any]] = response.json()["comments"]
    return comments


async def inbox(
    server: RunningServer, client: httpx.AsyncClient, account: Account
) -> list[dict[str, Any]]:
    await server.settle()
    response = await client.get("/notifications", headers=account.headers)
    assert response.status_code == 200, response.text
    notifications: list[dict[str, Any]] = response.json()["notifications"]
    return notifications


async def test_a_comment_like_counts_once_shows_on_the_list_and_can_be_withdrawn(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, ann, bob = await register(client), await register(client), await register(client)
    post_id = await quick_post(client, author)
    first = await comment(client, ann, post_id, "lovely light")
    second = await comment(client, bob, post_id, "agreed")
    reply = await comment(client, author, post_id, "thanks", parent_id=first["id"])
    assert (first["like_count"], first["liked_by_me"], first["pinned"]) == (0, False, False)

    liked = await like_comment(client, bob, first["id"])
    assert liked.status_code == 200, liked.text
    assert liked.json() == {"liked": True, "like_count": 1}
    assert (await like_comment(client, bob, first["id"])).json() == {"liked": True, "like_count": 1}
    assert (await like_comment(client, author, first["id"])).json()["like_count"] == 2
    assert (await like_comment(client, ann, reply["id"])).json()["like_count"] == 1

    seen_by_bob = await listed(client, bob, post_id)
    assert [(c["id"], c["like_count"], c["liked_by_me"]) for c in seen_by_bob] == [
        (first["id"], 2, True),
        (second["id"], 0, False),
    ]
    seen_by_ann = await listed(client, ann, post_id)
    assert [c["liked_by_me"] for c in seen_by_ann] == [False, False]
    anonymous = await listed(client, None, post_id)
    assert [(c["like_count"], c["liked_by_me"]) for c in anonymous] == [(2, False), (0, False)]
    replies = (await client.get(f"/comments/{first['id']}/replies", headers=ann.headers)).json()
    assert [(c["like_count"], c["liked_by_me"]) for c in replies["comments"]] == [(1, True)]

    unliked = await client.delete(f"/comments/{first['id']}/like", headers=bob.headers)
    assert unliked.json() == {"liked": False, "like_count": 1}
    again = await client.delete(f"/comments/{first['id']}/like", headers=bob.headers)
    assert again.json() == {"liked": False, "like_count": 1}
    assert [c["liked_by_me"] for c in await listed(client, bob, post_id)] == [False, False]


async def test_the_comments_author_is_told_of_likes_but_not_of_their_own(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, ann, bob = await register(client), await register(client), await register(client)
    post_id = await quick_post(client, author)
    mine = await comment(client, ann, post_id, "first!")
    await like_comment(client, ann, mine["id"])  # one's own like tells no one
    assert [n["type"] for n in await inbox(server, client, ann)] == []

    await like_comment(client, bob, mine["id"])
    # Handled before the next like: workers may take two events of one instant in either
    # order, and the newest liker is named first.
    await server.settle()
    await like_comment(client, author, mine["id"])
    (told,) = await inbox(server, client, ann)
    assert told["type"] == "comment_like"
    assert told["actor_count"] == 2
    assert told["comment"] == {"id": mine["id"], "text": "first!"}
    assert told["post"]["id"] == post_id
    assert told["text"] == f"{author.username} and {bob.username} liked your comment: first!"

    # Withdrawn with the likes.
    await client.delete(f"/comments/{mine['id']}/like", headers=bob.headers)
    await client.delete(f"/comments/{mine['id']}/like", headers=author.headers)
    assert await inbox(server, client, ann) == []


async def test_a_crowd_liking_a_comment_at_once_counts_exactly(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author = await register(client)
    post_id = await quick_post(client, author)
    target = await comment(client, author, post_id, "like me")
    crowd = await many_accounts(server, 200)
    gate = asyncio.Semaphore(50)

    async def like_twice(account: Account) -> None:
        async with gate:
            for _ in range(2):  # a double tap must not count twice either
                response = await like_comment(client, account, target["id"])
                assert response.status_code == 200, response.text

    await asyncio.gather(*(like_twice(account) for account in crowd))
    (shown,) = await listed(client, author, post_id)
    assert shown["like_count"] == 200


async def test_liking_asks_for_a_comment_the_reader_may_see(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, ann = await register(client), await register(client)
    post_id = await quick_post(client, author)
    target = await comment(client, ann, post_id, "hello")
    assert_error(await client.post(f"/comments/{target['id']}/like"), 401)
    assert_error(await like_comment(client, ann, "999999999"), 404, "comment_not_found")
    assert_error(await like_comment(client, ann, "abc"), 422)
    assert_error(await like_comment(client, ann, str(2**63)), 422)
    deleted = await client.delete(f"/comments/{target['id']}", headers=ann.headers)
    assert deleted.status_code == 204
    assert_error(await like_comment(client, author, target["id"]), 404, "comment_not_found")
    assert_error(
        await client.delete(f"/comments/{target['id']}/like", headers=author.headers),
        404,
        "comment_not_found",
    )


async def test_the_post_author_pins_one_comment_which_opens_the_list_once(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, ann = await register(client), await register(client)
    post_id = await quick_post(client, author)
    ids = [(await comment(client, ann, post_id, f"comment {i}"))["id"] for i in range(5)]

    pinned = await client.post(f"/comments/{ids[3]}/pin", headers=author.headers)
    assert pinned.status_code == 200, pinned.text
    assert pinned.json() == {"pinned": True}
    assert (await client.post(f"/comments/{ids[3]}/pin", headers=author.headers)).json() == {
        "pinned": True
    }
    # First, marked, and never again on a later page, whatever the page size.
    for limit in (1, 2, 3, 50):
        pages = await pages_of(
            client, f"/posts/{post_id}/comments", ann.headers, limit, items="comments"
        )
        flat = [comment_id for page in pages for comment_id in page]
        assert flat == [ids[3], ids[0], ids[1], ids[2], ids[4]], limit
        assert all(len(page) <= limit for page in pages), limit
    shown = await listed(client, None, post_id)
    assert [c["pinned"] for c in shown] == [True, False, False, False, False]

    # Pinning another replaces the pin.
    await client.post(f"/comments/{ids[1]}/pin", headers=author.headers)
    assert [c["id"] for c in await listed(client, ann, post_id)] == [
        ids[1],
        ids[0],
        ids[2],
        ids[3],
        ids[4],
    ]
    # Unpinning is idempotent; a comment not pinned stays unpinned.
    unpinned = await client.delete(f"/comments/{ids[1]}/pin", headers=author.headers)
    assert unpinned.json() == {"pinned": False}
    assert (await client.delete(f"/comments/{ids[3]}/pin", headers=author.headers)).json() == {
        "pinned": False
    }
    assert [c["id"] for c in await listed(client, ann, post_id)] == ids
    # A deleted pinned comment leaves no trace; the list goes on without it.
    await client.post(f"/comments/{ids[2]}/pin", headers=author.headers)
    assert (await client.delete(f"/comments/{ids[2]}", headers=ann.headers)).status_code == 204
    assert [c["id"] for c in await listed(client, ann, post_id)] == [ids[0], ids[1], ids[3], ids[4]]


async def test_only_the_post_author_pins_and_only_top_level_comments(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, ann = await register(client), await register(client)
    post_id = await quick_post(client, author)
    mine = await comment(client, ann, post_id, "mine")
    reply = await comment(client, author, post_id, "reply", parent_id=mine["id"])
    assert_error(await client.post(f"/comments/{mine['id']}/pin", headers=ann.headers), 403)
    refused = await client.delete(f"/comments/{mine['id']}/pin", headers=ann.headers)
    assert_error(refused, 403, "not_your_post")
    assert_error(
        await client.post(f"/comments/{reply['id']}/pin", headers=author.headers),
        422,
        "reply_not_pinnable",
    )
    assert_error(await client.post(f"/comments/{mine['id']}/pin"), 401)
    assert_error(
        await client.post("/comments/999999999/pin", headers=author.headers),
        404,
        "comment_not_found",
    )
    assert [c["pinned"] for c in await listed(client, ann, post_id)] == [False]


async def test_the_post_author_deletes_anyones_comment_and_nobody_else_may(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, ann, bob = await register(client), await register(client), await register(client)
    post_id = await quick_post(client, author)
    by_ann = await comment(client, ann, post_id, "rude words")
    by_bob = await comment(client, bob, post_id, "nice")
    refused = await client.delete(f"/comments/{by_ann['id']}", headers=bob.headers)
    assert_error(refused, 403, "not_your_comment")
    deleted = await client.delete(f"/comments/{by_ann['id']}", headers=author.headers)
    assert deleted.status_code == 204
    assert [c["id"] for c in await listed(client, bob, post_id)] == [by_bob["id"]]
    assert_error(await client.delete(f"/comments/{by_ann['id']}", headers=ann.headers), 404)


async def test_a_pinned_or_filtered_comment_follows_the_one_rule(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, ann, bob = await register(client), await register(client), await register(client)
    post_id = await quick_post(client, author)
    pinned = await comment(client, ann, post_id, "pin me")
    plain = await comment(client, bob, post_id, "plain")
    assert (await client.post(f"/comments/{pinned['id']}/pin", headers=author.headers)).is_success
    # Bob blocks Ann: her pinned comment is neither first nor anywhere in his list, and
    # he cannot like it; the others still see it first.
    await block(client, bob, ann)
    assert [c["id"] for c in await listed(client, bob, post_id)] == [plain["id"]]
    assert_error(await like_comment(client, bob, pinned["id"]), 404, "comment_not_found")
    assert [c["id"] for c in await listed(client, None, post_id)] == [pinned["id"], plain["id"]]
    # A comment hidden by the author's filter cannot be liked by those it is hidden from.
    put = await client.put(
        "/users/me/comment-filters", json={"words": ["spoiler"]}, headers=author.headers
    )
    assert put.status_code == 200, put.text
    hidden = await comment(client, bob, post_id, "spoiler alert")
    assert_error(await like_comment(client, ann, hidden["id"]), 404, "comment_not_found")
    assert (await like_comment(client, author, hidden["id"])).json()["like_count"] == 1
    # A private account's comments are out of reach of a stranger, like and pin alike.
    stranger = await register(client)
    await set_private(client, author)
    assert_error(await like_comment(client, stranger, plain["id"]), 404, "comment_not_found")
    refused = await client.post(f"/comments/{plain['id']}/pin", headers=stranger.headers)
    assert_error(refused, 404, "comment_not_found")
