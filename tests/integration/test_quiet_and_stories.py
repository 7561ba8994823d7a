"""Quiet without blocking and stories (issue 22 §4-5) over HTTP, on both profiles: mutes in
the hybrid feed (pushed and pulled authors), removing a follower, comment filters, the
close-friends list, the story archive, highlights and the media they keep.

The visibility matrix (test_visibility_matrix.py) checks mutes and close-friends stories
on every read path; these tests check each feature's own behaviour and its bad input.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shutter.db.tables import media, stories
from shutter.stories import tasks as stories_tasks
from tests.assertions import assert_error, eventually
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    approve,
    block,
    comment,
    follow,
    mute,
    post_story,
    profile,
    register,
    set_close_friends,
    set_private,
    unmute,
    upload_image,
)
from tests.integration.test_hybrid_feed import (
    drop_timeline,
    quick_post,
    stored_timeline,
    whole_feed,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def _ids(client: httpx.AsyncClient, reader: Account, path: str, key: str) -> list[str]:
    response = await client.get(path, headers=reader.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()[key]]


async def _ranked(client: httpx.AsyncClient, reader: Account) -> list[str]:
    return await _ids(client, reader, "/feed?mode=ranked&limit=50", "posts")


@pytest.mark.parametrize("settings_overrides", [{"celebrity_threshold": 3, "timeline_max": 10}])
async def test_a_mute_hides_pushed_and_pulled_posts_at_read_time(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    star, friend = await register(client), await register(client)
    fans = [await register(client) for _ in range(3)]
    fan = fans[0]
    for someone in fans:
        await follow(client, someone, star)
    await follow(client, fan, friend)
    await server.settle()
    assert await server.context.timelines.is_pulled(int(star.id))
    pulled = [await quick_post(client, star, f"star {n}") for n in range(3)]
    pushed = [await quick_post(client, friend, f"friend {n}") for n in range(3)]
    own = await quick_post(client, fan, "mine")
    await server.settle()
    everything = sorted([*pulled, *pushed, own], key=int, reverse=True)
    assert await whole_feed(client, fan) == everything

    await mute(client, fan, star, posts=True, stories=False)
    await mute(client, fan, friend)
    assert await whole_feed(client, fan) == [own]
    assert await _ranked(client, fan) == [own]
    # Others' feeds are untouched, and the muted can still be opened directly.
    assert await whole_feed(client, fans[1]) == sorted(pulled, key=int, reverse=True)
    assert (await client.get(f"/posts/{pulled[0]}", headers=fan.headers)).status_code == 200
    grid = await _ids(client, fan, f"/users/{friend.id}/posts", "posts")
    assert set(grid) == set(pushed)
    # A timeline rebuilt while muted still holds the muted posts: unmuting shows them.
    await drop_timeline(server.context.timelines, int(fan.id))
    assert await whole_feed(client, fan) == [own]

    async def rebuilt() -> bool:
        return set(await stored_timeline(server, fan) or []) >= {int(p) for p in pushed}

    await eventually(rebuilt)
    await unmute(client, fan, star)
    await unmute(client, fan, friend)
    assert await whole_feed(client, fan) == everything

    # Bad input, in the envelope.
    assert_error(await client.post(f"/users/{fan.id}/mute", headers=fan.headers), 422)
    assert_error(await client.post("/users/12345/mute", headers=fan.headers), 404, "user_not_found")
    extra = await client.post(f"/users/{star.id}/mute", json={"loud": 1}, headers=fan.headers)
    assert_error(extra, 422)
    # Muting neither is no mute at all.
    await mute(client, fan, star, posts=False, stories=False)
    assert (await client.get("/users/me/muted", headers=fan.headers)).json()["muted"] == []


async def test_removing_a_follower_ends_the_follow_without_a_block(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob, carol = await register(client), await register(client), await register(client)
    await set_private(client, carol)
    for owner in (alice, carol):
        await follow(client, bob, owner)
    await approve(client, carol, bob)
    posts = [await quick_post(client, owner) for owner in (alice, carol)]
    await server.settle()
    assert set(await whole_feed(client, bob)) == set(posts)
    assert (await profile(client, bob))["following_count"] == 2

    for owner in (alice, carol):
        removed = await client.delete(f"/users/me/followers/{bob.id}", headers=owner.headers)
        assert removed.status_code == 204, removed.text
        again = await client.delete(f"/users/me/followers/{bob.id}", headers=owner.headers)
        assert again.status_code == 204, again.text  # idempotent
        assert (await profile(client, owner))["follower_count"] == 0
    # At once, before any handler: the posts leave bob's feed, the counts are exact.
    assert await whole_feed(client, bob) == []
    assert (await profile(client, bob))["following_count"] == 0
    # No block: bob still sees alice, and may follow again; carol's account asks again.
    seen = await client.get(f"/users/{alice.id}", headers=bob.headers)
    assert seen.json()["relationship"]["blocked_by"] is False
    assert await follow(client, bob, alice) == "following"
    assert await follow(client, bob, carol) == "requested"
    await server.settle()
    assert await whole_feed(client, bob) == [posts[0]]

    own = await client.delete(f"/users/me/followers/{alice.id}", headers=alice.headers)
    assert_error(own, 422, "cannot_remove_self")
    unknown = await client.delete("/users/me/followers/12345", headers=alice.headers)
    assert_error(unknown, 404, "user_not_found")


async def test_comment_filters_hide_matching_comments_and_can_limit_comments_to_followers(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob, carol = await register(client), await register(client), await register(client)
    await follow(client, bob, alice)
    post = await quick_post(client, alice, "my photo")
    path = "/users/me/comment-filters"
    got = await client.get(path, headers=alice.headers)
    assert got.json() == {"words": [], "followers_only": False}

    too_many = {"words": [f"w{n}" for n in range(101)], "followers_only": False}
    assert_error(await client.put(path, json=too_many, headers=alice.headers), 422)
    too_long = {"words": ["x" * 51], "followers_only": False}
    assert_error(await client.put(path, json=too_long, headers=alice.headers), 422)
    put = await client.put(
        path, json={"words": ["Rude", "bad word", "rude"]}, headers=alice.headers
    )
    assert put.status_code == 200, put.text
    assert put.json() == {"words": ["rude", "bad word"], "followers_only": False}

    hidden = await comment(client, bob, post, "you are RUDE!")
    phrase = await comment(client, carol, post, "what a Bad Word")
    fine = await comment(client, carol, post, "rudeness is not a whole word")
    own = await comment(client, alice, post, "rude of me")  # the author's own: never hidden

    async def listed(reader: Account | None) -> dict[str, bool]:
        headers = reader.headers if reader else {}
        response = await client.get(f"/posts/{post}/comments", headers=headers)
        assert response.status_code == 200, response.text
        return {item["id"]: item["hidden"] for item in response.json()["comments"]}

    assert await listed(alice) == {
        hidden["id"]: True,
        phrase["id"]: True,
        fine["id"]: False,
        own["id"]: False,
    }
    # The commenter sees their comment, unmarked; nobody else sees it.
    assert await listed(bob) == {hidden["id"]: False, fine["id"]: False, own["id"]: False}
    assert await listed(carol) == {phrase["id"]: False, fine["id"]: False, own["id"]: False}
    assert await listed(None) == {fine["id"]: False, own["id"]: False}
    replies = await client.get(f"/comments/{hidden['id']}/replies", headers=carol.headers)
    assert_error(replies, 404, "comment_not_found")
    await server.settle()
    notes = (await client.get("/notifications", headers=alice.headers)).json()["notifications"]
    assert [n["type"] for n in notes if n["type"] == "comment"] == ["comment"]  # fine only

    limited = {"words": [], "followers_only": True}
    assert (await client.put(path, json=limited, headers=alice.headers)).status_code == 200
    refused = await client.post(
        f"/posts/{post}/comments", json={"text": "hi"}, headers=carol.headers
    )
    assert_error(refused, 403, "comments_followers_only")
    await comment(client, bob, post, "a follower may")
    await comment(client, alice, post, "and so may I")


async def test_the_close_friends_list_holds_existing_accounts_you_do_not_block(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob, carol, dave = [await register(client) for _ in range(4)]
    path = "/users/me/close-friends"
    assert (await client.get(path, headers=alice.headers)).json() == {"user_ids": [], "users": []}
    await set_close_friends(client, alice, [bob, carol, bob])
    listed = (await client.get(path, headers=alice.headers)).json()
    assert listed["user_ids"] == [bob.id, carol.id]
    assert [user["username"] for user in listed["users"]] == [bob.username, carol.username]

    await block(client, alice, dave)
    for ids, code in (
        ([dave.id], "invalid_close_friends"),  # blocked
        ([alice.id], "invalid_close_friends"),  # oneself
        (["12345"], "invalid_close_friends"),  # nobody
    ):
        response = await client.put(path, json={"user_ids": ids}, headers=alice.headers)
        assert_error(response, 422, code)
    too_many = {"user_ids": [str(n) for n in range(1, 1002)]}
    assert_error(await client.put(path, json=too_many, headers=alice.headers), 422)
    assert (await client.get(path, headers=alice.headers)).json()["user_ids"] == [bob.id, carol.id]
    # A block later takes the account off the list as read.
    await block(client, carol, alice)
    assert (await client.get(path, headers=alice.headers)).json()["user_ids"] == [bob.id]

    media_id = await upload_image(client, alice)
    wrong = await client.post(
        "/stories", json={"media_id": media_id, "audience": "friends"}, headers=alice.headers
    )
    assert_error(wrong, 422)


async def _media_key(server: RunningServer, story_id: str) -> str:
    async with server.context.db.read() as conn:
        query = select(media.c.original_key).select_from(
            stories.join(media, media.c.id == stories.c.media_id)
        )
        key: str = (await conn.execute(query.where(stories.c.id == int(story_id)))).scalar_one()
        return key


async def _archive(client: httpx.AsyncClient, owner: Account) -> list[dict[str, Any]]:
    """The whole archive, one story per page (to exercise the cursor)."""
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        response = await client.get(
            f"/users/me/stories/archive?limit=1&cursor={cursor}", headers=owner.headers
        )
        assert response.status_code == 200, response.text
        found += response.json()["stories"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return found


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            # Long enough for the live half to run on a loaded machine before expiry.
            "story_ttl_seconds": 15,
            "story_expiry_interval_seconds": 3600,  # the job runs once at start, then never
            "story_media_retention_seconds": 0,
        }
    ],
)
async def test_the_archive_keeps_expired_stories_and_highlights_keep_their_media(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob, carol = await register(client), await register(client), await register(client)
    await set_private(client, alice)
    await follow(client, bob, alice)
    await approve(client, alice, bob)
    await set_close_friends(client, alice, [bob])
    kept = await post_story(client, alice)
    friends_only = await post_story(client, alice, audience="close_friends")
    dropped = await post_story(client, alice)
    taken_down = await post_story(client, alice)
    gone = await client.delete(f"/stories/{taken_down['id']}", headers=alice.headers)
    assert gone.status_code == 204
    newest_first = [dropped["id"], friends_only["id"], kept["id"]]
    live = await _archive(client, alice)
    assert [story["id"] for story in live] == newest_first
    # (Whether each is expired yet depends on the machine's pace: checked after expiry.)
    assert [story["close_friends"] for story in live] == [False, True, False]

    # Highlights, while the stories are live and after; the title and stories are checked.
    path = "/highlights"
    body = {"title": "Summer", "story_ids": [kept["id"], friends_only["id"]]}
    created = await client.post(path, json=body, headers=alice.headers)
    assert created.status_code == 201, created.text
    highlight = created.json()["highlight"]
    assert [item["id"] for item in highlight["items"]] == [kept["id"], friends_only["id"]]
    for wrong, status in (
        ({"title": "x" * 51, "story_ids": [kept["id"]]}, 422),
        ({"title": "", "story_ids": [kept["id"]]}, 422),
        ({"title": "none", "story_ids": []}, 422),
        ({"title": "deleted", "story_ids": [taken_down["id"]]}, 422),
    ):
        assert_error(await client.post(path, json=wrong, headers=alice.headers), status)
    bobs = await post_story(client, bob)
    theirs = await client.post(
        path, json={"title": "theirs", "story_ids": [bobs["id"]]}, headers=alice.headers
    )
    assert_error(theirs, 422, "invalid_stories")

    async def expired() -> bool:
        return await _ids(client, bob, f"/users/{alice.id}/stories", "items") == []

    await eventually(expired, 60)
    assert await stories_tasks.expire_stories(server.context) >= 3
    await stories_tasks.remove_retained_media(server.context)
    objects = server.context.objects
    assert await objects.size(await _media_key(server, kept["id"])) is not None
    assert await objects.size(await _media_key(server, friends_only["id"])) is not None
    assert await objects.size(await _media_key(server, dropped["id"])) is None

    archive = await _archive(client, alice)
    assert [story["id"] for story in archive] == newest_first
    assert all(story["expired"] for story in archive)
    assert [story["media"] is None for story in archive] == [True, False, False]
    no_media = await client.post(
        path, json={"title": "late", "story_ids": [dropped["id"]]}, headers=alice.headers
    )
    assert_error(no_media, 422, "invalid_stories")

    # Who sees the highlight: followers of the private account; close friends see all of it.
    shown = await client.get(f"/users/{alice.id}/highlights", headers=bob.headers)
    assert shown.status_code == 200, shown.text
    (seen,) = shown.json()["highlights"]
    assert [item["id"] for item in seen["items"]] == [kept["id"], friends_only["id"]]
    async with httpx.AsyncClient(timeout=30) as raw:
        image = await raw.get(seen["items"][0]["media"]["urls"]["original"])
    assert image.status_code == 200
    await set_close_friends(client, alice, [])
    again = await client.get(f"/highlights/{highlight['id']}", headers=bob.headers)
    assert [item["id"] for item in again.json()["highlight"]["items"]] == [kept["id"]]
    stranger = await client.get(f"/users/{alice.id}/highlights", headers=carol.headers)
    assert_error(stranger, 403, "private_account")
    assert_error(await client.get(f"/highlights/{highlight['id']}", headers=carol.headers), 404)
    rename = await client.patch(
        f"/highlights/{highlight['id']}", json={"title": "Mine"}, headers=bob.headers
    )
    assert_error(rename, 403, "not_your_highlight")

    # Out of the highlight, then the highlight gone: the media follow the retention.
    patched = await client.patch(
        f"/highlights/{highlight['id']}",
        json={"title": " Summer 2026 ", "story_ids": [friends_only["id"]]},
        headers=alice.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["highlight"]["title"] == "Summer 2026"
    await stories_tasks.remove_retained_media(server.context)
    assert await objects.size(await _media_key(server, kept["id"])) is None
    assert await objects.size(await _media_key(server, friends_only["id"])) is not None
    deleted = await client.delete(f"/highlights/{highlight['id']}", headers=alice.headers)
    assert deleted.status_code == 204
    assert (await client.get("/highlights", headers=alice.headers)).json() == {"highlights": []}
    await stories_tasks.remove_retained_media(server.context)
    assert await objects.size(await _media_key(server, friends_only["id"])) is None
