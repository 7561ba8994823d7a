"""Stories over HTTP, on both profiles: posting (and what media may become a story), the
tray and its order, seen state and viewers, private accounts and blocks, and the exact
deadline, which holds even when the expiry job does not run.

Each test starts a server, so related cases are checked in one test.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shutter.db.tables import media, outbox, stories
from shutter.stories import tasks as stories_tasks
from tests.assertions import assert_error, eventually
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    block_row,
    distinct_image,
    follow,
    image_bytes,
    post_story,
    publish,
    register,
    set_private,
    start_upload,
    upload_image,
    video_bytes,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

STORY_FIELDS = {
    "id",
    "author",
    "media",
    "created_at",
    "expires_at",
    "seen",
    "audience",
    "close_friends",
}
ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def tray(client: httpx.AsyncClient, reader: Account) -> list[dict[str, Any]]:
    response = await client.get("/stories/feed", headers=reader.headers)
    assert response.status_code == 200, response.text
    reels: list[dict[str, Any]] = response.json()["tray"]
    return reels


def tray_shape(reels: list[dict[str, Any]]) -> list[tuple[str, bool, list[str]]]:
    """(username, has_unseen, story ids) per reel, in tray order."""
    return [
        (reel["user"]["username"], reel["has_unseen"], [item["id"] for item in reel["items"]])
        for reel in reels
    ]


async def reel(client: httpx.AsyncClient, reader: Account, owner: Account) -> httpx.Response:
    return await client.get(f"/users/{owner.id}/stories", headers=reader.headers)


async def reel_ids(client: httpx.AsyncClient, reader: Account, owner: Account) -> list[str]:
    response = await reel(client, reader, owner)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def see(client: httpx.AsyncClient, reader: Account, story_id: str) -> httpx.Response:
    return await client.post(f"/stories/{story_id}/seen", headers=reader.headers)


async def viewer_names(client: httpx.AsyncClient, author: Account, story_id: str) -> list[str]:
    """Every viewer's username, most recent first, one per page (to exercise the cursor)."""
    names: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        response = await client.get(
            f"/stories/{story_id}/viewers", params=params, headers=author.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        names += [viewer["user"]["username"] for viewer in body["viewers"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return names
        assert len(names) < 100, "next_cursor never ends"


# -- posting ---------------------------------------------------------------------------------


async def test_a_story_is_posted_from_ready_media_and_can_be_taken_down(
    client: httpx.AsyncClient,
) -> None:
    alice, bob = await register(client), await register(client)
    media_id = await upload_image(client, alice, image_bytes((40, 30), "PNG"), "image/png")

    response = await client.post("/stories", json={"media_id": media_id}, headers=alice.headers)

    assert response.status_code == 201, response.text
    body = response.json()
    story = body["story"]
    assert set(story) == STORY_FIELDS
    assert story["author"]["id"] == alice.id
    assert story["media"]["id"] == media_id
    assert (story["media"]["type"], story["media"]["width"]) == ("image", 40)
    assert story["media"]["urls"]["original"].startswith("http")
    assert story["seen"] is False
    assert ISO_UTC.fullmatch(story["created_at"])
    assert ISO_UTC.fullmatch(story["expires_at"])
    assert body["expires_at"] == story["expires_at"]
    lifetime = parse_time(story["expires_at"]) - parse_time(story["created_at"])
    assert lifetime == timedelta(days=1)
    assert await reel_ids(client, bob, alice) == [story["id"]]

    # The media now belongs to the story: it cannot become another story nor a post.
    again = await client.post("/stories", json={"media_id": media_id}, headers=alice.headers)
    assert_error(again, 422, "media_in_use")
    assert_error(await publish(client, alice, [media_id]), 422, "media_in_use")

    # Only the author takes it down; afterwards it is gone for everyone.
    assert_error(
        await client.delete(f"/stories/{story['id']}", headers=bob.headers), 403, "not_your_story"
    )
    gone = await client.delete(f"/stories/{story['id']}", headers=alice.headers)
    assert gone.status_code == 204, gone.text
    assert await reel_ids(client, bob, alice) == []
    assert await tray(client, alice) == []
    assert_error(
        await client.delete(f"/stories/{story['id']}", headers=alice.headers),
        404,
        "story_not_found",
    )


async def test_media_that_cannot_become_a_story_is_refused_in_the_envelope(
    client: httpx.AsyncClient,
) -> None:
    alice, bob = await register(client), await register(client)
    posted = await upload_image(client, alice, distinct_image(), "image/png")
    assert (await publish(client, alice, [posted])).status_code == 201
    bobs = await upload_image(client, bob, distinct_image(), "image/png")
    pending = (await start_upload(client, alice, image_bytes()))["media_id"]

    async def attempt(body: Any, account: Account | None = alice) -> httpx.Response:
        headers = account.headers if account else {}
        return await client.post("/stories", json=body, headers=headers)

    assert_error(await attempt({"media_id": "123456789"}), 404, "media_not_found")
    assert_error(await attempt({"media_id": bobs}), 404, "media_not_found")
    assert_error(await attempt({"media_id": pending}), 422, "media_not_ready")
    assert_error(await attempt({"media_id": posted}), 422, "media_in_use")
    assert_error(await attempt({"media_id": "not-a-number"}), 422, "validation_error")
    assert_error(await attempt({"media_id": str(2**64)}), 422, "validation_error")
    assert_error(await attempt({}), 422, "validation_error")
    assert_error(await attempt({"media_id": bobs}, None), 401, "unauthenticated")
    assert await tray(client, alice) == []


# -- the tray, seen state and viewers ------------------------------------------------------


async def test_tray_puts_own_reel_first_then_unseen_then_most_recent(
    client: httpx.AsyncClient,
) -> None:
    reader, ann, ben, cat, stranger = [await register(client) for _ in range(5)]
    for followee in (ann, ben, cat):
        await follow(client, reader, followee)
    ann_first = await post_story(client, ann)
    ben_story = await post_story(client, ben)
    ann_second = await post_story(client, ann)
    cat_story = await post_story(client, cat)
    await post_story(client, stranger)  # not followed: never in the reader's tray
    own = await post_story(client, reader)

    assert tray_shape(await tray(client, reader)) == [
        (reader.username, True, [own["id"]]),
        (cat.username, True, [cat_story["id"]]),
        (ann.username, True, [ann_first["id"], ann_second["id"]]),  # items oldest first
        (ben.username, True, [ben_story["id"]]),
    ]

    # Seeing cat's only story sends cat's reel behind the unseen ones; seeing one of ann's
    # two leaves ann unseen. Marking seen twice is harmless.
    for _ in range(2):
        assert (await see(client, reader, cat_story["id"])).status_code == 204
    assert (await see(client, reader, ann_first["id"])).status_code == 204
    assert (await see(client, reader, own["id"])).status_code == 204
    reels = await tray(client, reader)
    assert tray_shape(reels) == [
        (reader.username, False, [own["id"]]),
        (ann.username, True, [ann_first["id"], ann_second["id"]]),
        (ben.username, True, [ben_story["id"]]),
        (cat.username, False, [cat_story["id"]]),
    ]
    assert [item["seen"] for item in reels[1]["items"]] == [True, False]
    profile = (await reel(client, reader, ann)).json()
    assert (profile["has_unseen"], [item["seen"] for item in profile["items"]]) == (
        True,
        [True, False],
    )
    # Seen state is the reader's own: ann's other viewers still have everything unseen.
    assert [item["seen"] for item in (await reel(client, ben, ann)).json()["items"]] == [
        False,
        False,
    ]

    # The author sees who viewed, most recent first, herself excluded; nobody else may.
    assert (await see(client, ben, cat_story["id"])).status_code == 204
    assert (await see(client, cat, cat_story["id"])).status_code == 204
    assert await viewer_names(client, cat, cat_story["id"]) == [ben.username, reader.username]
    assert_error(
        await client.get(f"/stories/{cat_story['id']}/viewers", headers=reader.headers),
        403,
        "not_your_story",
    )
    assert_error(await see(client, reader, "987654321"), 404, "story_not_found")


async def test_private_accounts_show_stories_to_approved_followers_and_blocks_hide_both_ways(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    owner, fan, outsider = [await register(client) for _ in range(3)]
    await set_private(client, owner)
    secret = await post_story(client, owner)

    assert await follow(client, fan, owner) == "requested"
    for reader in (fan, outsider):
        assert_error(await reel(client, reader, owner), 403, "private_account")
        assert_error(await see(client, reader, secret["id"]), 404, "story_not_found")
        assert await tray(client, reader) == []
    approved = await client.post(f"/follow-requests/{fan.id}/approve", headers=owner.headers)
    assert approved.status_code == 204, approved.text
    assert tray_shape(await tray(client, fan)) == [(owner.username, True, [secret["id"]])]
    assert await reel_ids(client, fan, owner) == [secret["id"]]

    # Blocks: author eve blocks frank; gus blocks eve. Both follow her and saw her story.
    eve, frank, gus, hal = [await register(client) for _ in range(4)]
    story = await post_story(client, eve)
    for viewer in (frank, gus, hal):
        await follow(client, viewer, eve)
        assert (await see(client, viewer, story["id"])).status_code == 204
    assert await viewer_names(client, eve, story["id"]) == [
        hal.username,
        gus.username,
        frank.username,
    ]
    await block_row(server.context, eve, frank)
    await block_row(server.context, gus, eve)

    assert await viewer_names(client, eve, story["id"]) == [hal.username]
    for hidden in (frank, gus):
        assert await tray(client, hidden) == []
        assert_error(await see(client, hidden, story["id"]), 404, "story_not_found")
    # The one rule: the blocked cannot tell the blocker exists; the blocker is told why.
    assert_error(await reel(client, frank, eve), 404, "user_not_found")
    assert_error(await reel(client, eve, gus), 404, "user_not_found")
    assert_error(await reel(client, gus, eve), 403, "user_blocked")
    assert_error(await reel(client, eve, frank), 403, "user_blocked")
    assert tray_shape(await tray(client, hal)) == [(eve.username, False, [story["id"]])]


# -- expiry ------------------------------------------------------------------------------------


async def story_row(server: RunningServer, story_id: str) -> Any:
    async with server.context.db.read() as conn:
        query = select(stories).where(stories.c.id == int(story_id))
        return (await conn.execute(query)).mappings().one()


async def original_key(server: RunningServer, media_id: str) -> str:
    async with server.context.db.read() as conn:
        query = select(media.c.original_key).where(media.c.id == int(media_id))
        key: str = (await conn.execute(query)).scalar_one()
        return key


async def expired_events(server: RunningServer, story_id: str) -> int:
    async with server.context.db.read() as conn:
        rows = await conn.execute(select(outbox.c.payload).where(outbox.c.topic == "story.expired"))
        return sum(f'"story_id":{story_id}' in payload for payload in rows.scalars())


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "story_ttl_seconds": 2,
            "story_expiry_interval_seconds": 3600,  # the job runs once at start, then never
            "story_media_retention_seconds": 2,
        }
    ],
)
async def test_stories_vanish_at_the_deadline_without_the_job_which_later_tidies_up(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob = await register(client), await register(client)
    await follow(client, bob, alice)
    shared_bytes = distinct_image()
    posted = await upload_image(client, alice, shared_bytes, "image/png")
    assert (await publish(client, alice, [posted])).status_code == 201
    twin = await upload_image(client, alice, shared_bytes, "image/png")  # same object as the post
    own = await upload_image(client, alice, distinct_image(), "image/png")
    stories_posted = [await post_story(client, alice, media_id) for media_id in (own, twin)]
    ids = [story["id"] for story in stories_posted]
    assert await reel_ids(client, bob, alice) == ids
    assert tray_shape(await tray(client, bob)) == [(alice.username, True, ids)]

    async def vanished() -> bool:
        return await tray(client, bob) == [] and await reel_ids(client, bob, alice) == []

    await eventually(vanished)
    # Served by nobody after the deadline, though the job has not touched the rows.
    assert await tray(client, alice) == []
    assert_error(await see(client, bob, ids[0]), 404, "story_not_found")
    assert_error(
        await client.get(f"/stories/{ids[0]}/viewers", headers=alice.headers),
        404,
        "story_not_found",
    )
    assert (await story_row(server, ids[0]))["deleted_at"] is None

    # The job, run late: soft-deletes both, one StoryExpired event each, even if re-run.
    assert await stories_tasks.expire_stories(server.context) == 2
    assert await stories_tasks.expire_stories(server.context) == 0
    for story_id in ids:
        assert (await story_row(server, story_id))["deleted_at"] is not None
        assert await expired_events(server, story_id) == 1

    # Media are kept for the retention window, then removed, except an object that a
    # post still shows.
    objects = server.context.objects
    own_key, shared_key = await original_key(server, own), await original_key(server, twin)
    assert await objects.size(own_key) is not None

    async def media_removed() -> bool:
        await stories_tasks.remove_retained_media(server.context)
        return await objects.size(own_key) is None

    await eventually(media_removed, every_s=0.3)
    assert await objects.size(shared_key) is not None
    for story_id in ids:
        assert (await story_row(server, story_id))["media_deleted_at"] is not None
    post_media = (await client.get(f"/users/{alice.id}/posts", headers=bob.headers)).json()
    async with httpx.AsyncClient(timeout=30) as raw:
        image = await raw.get(post_media["posts"][0]["media"][0]["urls"]["original"])
    assert image.status_code == 200
    assert image.content == await objects.read(shared_key)


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "story_ttl_seconds": 1,
            "story_expiry_interval_seconds": 0.2,
            "story_media_retention_seconds": 0,
        }
    ],
)
async def test_the_server_runs_the_expiry_job_by_itself(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice = await register(client)
    story = await post_story(client, alice)
    key = await original_key(server, story["media"]["id"])

    async def tidied() -> bool:
        row = await story_row(server, story["id"])
        return row["media_deleted_at"] is not None

    await eventually(tidied)
    assert (await story_row(server, story["id"]))["deleted_at"] is not None
    assert await server.context.objects.size(key) is None
    assert await expired_events(server, story["id"]) == 1


def story_urls(story: dict[str, Any]) -> list[str]:
    media_object = story["media"]
    return sorted({*media_object["urls"].values(), media_object["poster_url"]})


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "story_ttl_seconds": 6,
            "story_expiry_interval_seconds": 3600,  # the job runs once at start, then never
            "story_media_retention_seconds": 0,
        }
    ],
)
async def test_story_media_expire_with_the_story_and_every_file_is_deleted_after_it(
    server: RunningServer, client: httpx.AsyncClient, profile: str
) -> None:
    alice, bob = await register(client), await register(client)
    await follow(client, bob, alice)
    clip = video_bytes("mp4", size=(48, 32), seconds=0.5, rate=8, audio=False)
    media_id = await upload_image(client, alice, clip, "video/mp4")
    # The owner's own lasting links (as GET /media/{id} hands them out).
    lasting = (await client.get(f"/media/{media_id}", headers=alice.headers)).json()
    lasting_urls = sorted({*lasting["urls"].values(), lasting["poster_url"]})
    story = await post_story(client, alice, media_id)
    expires_at = parse_time(story["expires_at"]).timestamp()
    (seen,) = (await reel(client, bob, alice)).json()["items"]
    urls = story_urls(seen)
    assert len(urls) >= 3  # the MP4, the poster and its sizes

    async with httpx.AsyncClient(timeout=30) as raw:
        for url in urls:
            params = httpx.URL(url).params
            if profile == "embedded":
                assert int(params["exp"]) <= expires_at
            else:  # a pre-signed GET from the bucket, never the lasting CDN address
                assert int(params["X-Amz-Expires"]) <= 6
            served = await raw.get(url)
            assert served.status_code == 200, url
            cache = served.headers["cache-control"]
            assert re.fullmatch(r"private, max-age=\d+", cache), cache
            assert int(cache.rsplit("=", 1)[1]) <= 6
            assert served.headers.get("x-content-type-options", "nosniff") == "nosniff"

        async def vanished() -> bool:
            return (await reel(client, bob, alice)).json()["items"] == []

        await eventually(vanished)
        assert await stories_tasks.expire_stories(server.context) == 1
        assert await stories_tasks.remove_retained_media(server.context) == 1

        for url in lasting_urls:  # every file is gone, not only the original
            assert (await raw.get(url)).status_code == 404, url
        for url in urls:  # and the story's own links have expired anyway
            assert (await raw.get(url)).status_code in (403, 404), url
