"""Notifications as Instagram shows them: aggregated, withdrawn with the like, never for
your own actions, unread until read, and new activity makes them unread again."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import Account, block_row, comment, follow, like, register, set_private
from tests.integration.test_hybrid_feed import quick_post


async def _inbox(
    server: RunningServer, client: httpx.AsyncClient, account: Account
) -> dict[str, Any]:
    await server.settle()
    response = await client.get("/notifications", headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_likes_aggregate_into_one_notification_and_unlikes_withdraw(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author = await register(client)
    ann, bob, cat = await register(client), await register(client), await register(client)
    post_id = await quick_post(client, author)
    await like(client, author, post_id)  # your own like tells you nothing
    assert (await _inbox(server, client, author))["notifications"] == []

    await like(client, ann, post_id)
    first = (await _inbox(server, client, author))["notifications"]
    assert [n["text"] for n in first] == [f"{ann.username} liked your post."]
    assert first[0]["post"]["id"] == post_id
    assert first[0]["post"]["thumb_url"]

    for fan in (bob, cat):
        await like(client, fan, post_id)
    inbox = await _inbox(server, client, author)
    (grouped,) = inbox["notifications"]
    assert grouped["type"] == "like"
    assert grouped["actor_count"] == 3
    assert [a["username"] for a in grouped["actors"]] == [cat.username, bob.username]
    assert grouped["text"] == f"{cat.username}, {bob.username} and 1 other liked your post."
    assert inbox["unread_count"] == 1

    for fan in (cat, bob):
        await client.delete(f"/posts/{post_id}/like", headers=fan.headers)
    (left,) = (await _inbox(server, client, author))["notifications"]
    assert left["actor_count"] == 1
    assert left["text"] == f"{ann.username} liked your post."
    await client.delete(f"/posts/{post_id}/like", headers=ann.headers)
    assert (await _inbox(server, client, author)) == {
        "notifications": [],
        "unread_count": 0,
        "next_cursor": None,
    }


async def test_comments_replies_and_mentions_reach_the_right_people(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, ann, bob = await register(client), await register(client), await register(client)
    post_id = await quick_post(client, author, f"with @{ann.username} at the lake")
    mentioned = (await _inbox(server, client, ann))["notifications"]
    assert [n["text"] for n in mentioned] == [f"{author.username} mentioned you in a post."]

    top = await comment(client, ann, post_id, "lovely")
    await comment(client, bob, post_id, f"@{ann.username} told you so", parent_id=top["id"])
    await comment(client, author, post_id, "thanks!")  # own comment: nobody to tell

    to_author = [n["text"] for n in (await _inbox(server, client, author))["notifications"]]
    assert to_author == [
        f"{bob.username} commented: @{ann.username} told you so",
        f"{ann.username} commented: lovely",
    ]
    to_ann = [n["type"] for n in (await _inbox(server, client, ann))["notifications"]]
    # The reply already tells Ann; the mention in it does not tell her twice.
    assert to_ann == ["reply", "mention"]

    # Deleting the comment withdraws what it caused.
    await client.delete(f"/comments/{top['id']}", headers=ann.headers)
    remaining = [n["type"] for n in (await _inbox(server, client, author))["notifications"]]
    assert remaining == []
    assert [n["type"] for n in (await _inbox(server, client, ann))["notifications"]] == ["mention"]


async def test_follows_requests_and_acceptances_are_announced(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    star, fan, shy = await register(client), await register(client), await register(client)
    await follow(client, fan, star)
    assert [n["text"] for n in (await _inbox(server, client, star))["notifications"]] == [
        f"{fan.username} started following you."
    ]
    await set_private(client, shy)
    await follow(client, fan, shy)
    requests = (await _inbox(server, client, shy))["notifications"]
    assert [n["type"] for n in requests] == ["follow_request"]
    approved = await client.post(f"/follow-requests/{fan.id}/approve", headers=shy.headers)
    assert approved.status_code == 204
    assert [n["type"] for n in (await _inbox(server, client, shy))["notifications"]] == ["follow"]
    assert [n["text"] for n in (await _inbox(server, client, fan))["notifications"]] == [
        f"{shy.username} accepted your follow request."
    ]


async def test_reading_clears_the_badge_until_something_new_happens(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, ann, bob = await register(client), await register(client), await register(client)
    first, second = await quick_post(client, author), await quick_post(client, author)
    await like(client, ann, first)
    await like(client, ann, second)
    inbox = await _inbox(server, client, author)
    assert inbox["unread_count"] == 2
    older = inbox["notifications"][1]["id"]

    marked = await client.post("/notifications/read", json={"ids": [older]}, headers=author.headers)
    assert marked.json() == {"unread_count": 1}
    badge = await client.get("/notifications/unread-count", headers=author.headers)
    assert badge.json() == {"unread_count": 1}
    assert (await client.post("/notifications/read", headers=author.headers)).json() == {
        "unread_count": 0
    }
    assert all(n["read"] for n in (await _inbox(server, client, author))["notifications"])

    # Bob liking the first post again brings it to the top, unread.
    await like(client, bob, first)
    inbox = await _inbox(server, client, author)
    assert inbox["unread_count"] == 1
    assert inbox["notifications"][0]["post"]["id"] == first
    assert inbox["notifications"][0]["read"] is False

    assert_error(await client.get("/notifications"), 401)
    bad = await client.post("/notifications/read", json={"ids": ["x"]}, headers=author.headers)
    assert_error(bad, 422)


async def test_notifications_page_with_a_cursor(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author = await register(client)
    fans = [await register(client) for _ in range(5)]
    for fan in fans:
        await follow(client, fan, author)
    await server.settle()
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await client.get("/notifications", params=params, headers=author.headers)).json()
        seen += [n["actors"][0]["username"] for n in body["notifications"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [fan.username for fan in reversed(fans)]


async def test_people_in_a_block_neither_show_nor_count(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author = await register(client)
    ann, rude, blocker = [await register(client) for _ in range(3)]
    post_id = await quick_post(client, author)
    await like(client, ann, post_id)
    await comment(client, rude, post_id, "rude remark")
    for fan in (rude, blocker):  # the two most recent likes
        await like(client, fan, post_id)
    await server.settle()
    await block_row(server.context, author, rude)
    await block_row(server.context, blocker, author)

    inbox = await _inbox(server, client, author)
    (liked,) = inbox["notifications"]  # the comment's notification went with its author
    assert [a["username"] for a in liked["actors"]] == [ann.username]
    assert liked["actor_count"] == 1
    assert liked["text"] == f"{ann.username} liked your post."
    assert inbox["unread_count"] == 1


@pytest.mark.parametrize("change", ["author_goes_private", "author_blocks_recipient"])
async def test_a_reply_about_a_post_you_can_no_longer_see_is_not_shown(
    server: RunningServer, client: httpx.AsyncClient, change: str
) -> None:
    """Ann commented on a public post; Bob replied to her. Once the post's author goes
    private (Ann does not follow) or blocks Ann, the reply's notification must not show
    her the reply's text nor the post's thumbnail, nor count in her badge."""
    author, ann, bob = await register(client), await register(client), await register(client)
    post_id = await quick_post(client, author)
    top = await comment(client, ann, post_id, "nice light")
    await comment(client, bob, post_id, "secret reply", parent_id=top["id"])
    (before,) = (await _inbox(server, client, ann))["notifications"]
    assert (before["type"], before["post"]["id"]) == ("reply", post_id)

    if change == "author_goes_private":
        await set_private(client, author)
    else:
        await block_row(server.context, author, ann)
    inbox = await _inbox(server, client, ann)
    assert inbox["notifications"] == []
    assert inbox["unread_count"] == 0
    assert "secret reply" not in str(inbox)


async def test_no_reply_notification_is_made_about_a_post_you_cannot_see(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    """The author went private after Ann commented; a follower's reply to her comment is
    not announced to her at all (not merely hidden: it stays untold if the author goes
    public again)."""
    author, ann, bob = await register(client), await register(client), await register(client)
    post_id = await quick_post(client, author)
    top = await comment(client, ann, post_id, "nice light")
    await follow(client, bob, author)
    await set_private(client, author)
    await comment(client, bob, post_id, "secret reply", parent_id=top["id"])
    assert (await _inbox(server, client, ann))["notifications"] == []

    await set_private(client, author, False)
    assert (await _inbox(server, client, ann))["notifications"] == []
