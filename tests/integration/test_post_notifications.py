"""Post notifications (the bell): turned on for an account you follow, a notification for
each of its new posts and stories; refused without an approved follow; dropped by an
unfollow or a block; shown as `relationship.notify` on the profile."""

from __future__ import annotations

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
    post_story,
    register,
    set_private,
    unblock,
    unfollow,
)
from tests.integration.test_hybrid_feed import quick_post

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def _bell(client: httpx.AsyncClient, fan: Account, star: Account) -> bool:
    response = await client.get(f"/users/{star.id}", headers=fan.headers)
    assert response.status_code == 200, response.text
    notify: bool = response.json()["relationship"]["notify"]
    return notify


async def _told(
    server: RunningServer, client: httpx.AsyncClient, account: Account
) -> list[tuple[str, str | None, str]]:
    """(type, post id, text) of the account's post and story notifications."""
    await server.settle()
    response = await client.get("/notifications?limit=50", headers=account.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["notifications"]
    return [
        (n["type"], n["post"]["id"] if n["post"] else None, n["text"])
        for n in items
        if n["type"] in ("post", "story")
    ]


async def test_the_bell_tells_of_each_new_post_and_story(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    star, fan, quiet = await register(client), await register(client), await register(client)
    await follow(client, fan, star)
    await follow(client, quiet, star)
    assert await _bell(client, fan, star) is False
    on = await client.post(f"/users/{star.id}/notify", headers=fan.headers)
    assert on.status_code == 200, on.text
    assert on.json() == {"notify": True}
    assert (await client.post(f"/users/{star.id}/notify", headers=fan.headers)).json() == {
        "notify": True
    }
    assert await _bell(client, fan, star) is True
    assert await _bell(client, quiet, star) is False

    post_id = await quick_post(client, star, "new one")
    story = await post_story(client, star)
    told = await _told(server, client, fan)
    assert told == [
        ("story", None, f"{star.username} shared a new story."),
        ("post", post_id, f"{star.username} shared a new post."),
    ]
    assert await _told(server, client, quiet) == []  # following without the bell: nothing
    assert await _told(server, client, star) == []
    assert story["id"]

    # Off: no more.
    off = await client.delete(f"/users/{star.id}/notify", headers=fan.headers)
    assert off.json() == {"notify": False}
    assert (await client.delete(f"/users/{star.id}/notify", headers=fan.headers)).json() == {
        "notify": False
    }
    await quick_post(client, star, "unheard")
    assert len(await _told(server, client, fan)) == 2

    # A deleted post takes its notification with it.
    gone = await client.delete(f"/posts/{post_id}", headers=star.headers)
    assert gone.status_code == 204
    assert [kind for kind, _, _ in await _told(server, client, fan)] == ["story"]


async def test_the_bell_needs_an_approved_follow(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    star, fan = await register(client), await register(client)
    assert_error(
        await client.post(f"/users/{star.id}/notify", headers=fan.headers), 403, "not_following"
    )
    await set_private(client, star)
    await follow(client, fan, star)  # a request
    assert_error(
        await client.post(f"/users/{star.id}/notify", headers=fan.headers),
        403,
        "follow_not_approved",
    )
    assert await _bell(client, fan, star) is False
    await approve(client, star, fan)
    assert (await client.post(f"/users/{star.id}/notify", headers=fan.headers)).status_code == 200
    post_id = await quick_post(client, star)
    assert [(kind, pid) for kind, pid, _ in await _told(server, client, fan)] == [("post", post_id)]

    assert_error(await client.post(f"/users/{fan.id}/notify", headers=fan.headers), 422)
    assert_error(await client.post("/users/999999999/notify", headers=fan.headers), 404)
    assert_error(await client.post(f"/users/{star.id}/notify"), 401)
    assert_error(await client.delete(f"/users/{star.id}/notify"), 401)


async def test_unfollowing_or_a_block_drops_the_bell(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    star, fan, other = await register(client), await register(client), await register(client)
    for account in (fan, other):
        await follow(client, account, star)
        assert (
            await client.post(f"/users/{star.id}/notify", headers=account.headers)
        ).status_code == 200
    await unfollow(client, fan, star)
    await follow(client, fan, star)
    assert await _bell(client, fan, star) is False

    await block(client, star, other)
    await unblock(client, star, other)
    await follow(client, other, star)
    assert await _bell(client, other, star) is False
    await quick_post(client, star)
    await post_story(client, star)
    assert await _told(server, client, fan) == []
    assert await _told(server, client, other) == []

    # Blocked by the account: it does not exist for you, its bell neither.
    await block(client, star, fan)
    assert_error(await client.post(f"/users/{star.id}/notify", headers=fan.headers), 404)
