"""The media pipeline over HTTP on both profiles: video from upload to post, how media
files are served, retries after a store hiccup, and the lifecycle job."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shutter.media.service import collect_garbage
from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    complete_upload,
    get_media,
    image_bytes,
    processed,
    publish,
    register,
    send_bytes,
    start_upload,
    upload_image,
    video_bytes,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

IMMUTABLE = "public, max-age=31536000, immutable"


async def test_a_phone_video_becomes_a_playable_mp4_with_a_poster_in_its_post(
    client: httpx.AsyncClient, profile: str
) -> None:
    alice = await register(client)
    movie = video_bytes("mov", size=(96, 64), seconds=1.0, rotation=90)
    video_id = await upload_image(client, alice, movie, "video/quicktime")
    photo_id = await upload_image(client, alice, image_bytes((800, 600)))

    created = await publish(client, alice, [video_id, photo_id], "a clip and a photo")

    assert created.status_code == 201, created.text
    post = (await client.get(f"/posts/{created.json()['post']['id']}")).json()["post"]
    video, photo = post["media"]
    assert (video["type"], video["width"], video["height"]) == ("video", 64, 96)  # upright
    assert 0.8 <= video["duration_s"] <= 1.3
    assert video["blurhash"]
    assert set(video["urls"]) == {"thumb", "small", "medium", "large", "original"}
    mp4 = await client.get(video["urls"]["original"])
    assert mp4.status_code == 200
    assert mp4.headers["content-type"] == "video/mp4"
    assert mp4.content.index(b"moov") < mp4.content.index(b"mdat")
    poster = await client.get(video["poster_url"])
    assert (poster.status_code, poster.headers["content-type"]) == (200, "image/webp")
    # Byte ranges, so that a player can seek (both the app and S3 serve them).
    part = await client.get(video["urls"]["original"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.content == mp4.content[:100]
    # A photo's sizes are distinct files, each at its width.
    assert (photo["type"], photo["width"], photo["height"]) == ("image", 800, 600)
    assert "duration_s" not in photo
    assert len({photo["urls"][name].split("?")[0] for name in ("thumb", "small", "medium")}) == 3
    if profile == "embedded":  # the app itself serves: cacheable forever, revalidation
        assert mp4.headers["cache-control"] == IMMUTABLE
        again = await client.get(
            video["urls"]["original"], headers={"If-None-Match": mp4.headers["etag"]}
        )
        assert again.status_code == 304
    else:  # S3 got the objects with their type and cache header
        assert mp4.headers["cache-control"] == IMMUTABLE
    # Someone else reading the post sees the same media object.
    bob = await register(client)
    seen = (await client.get(f"/posts/{post['id']}", headers=bob.headers)).json()["post"]
    assert [item["id"] for item in seen["media"]] == [video_id, photo_id]


@pytest.mark.parametrize("settings_overrides", [{"video_max_bytes": 2000}])
async def test_a_video_over_its_size_limit_is_refused_up_front(client: httpx.AsyncClient) -> None:
    alice = await register(client)

    refused = await client.post(
        "/media", json={"content_type": "video/mp4", "size_bytes": 2001}, headers=alice.headers
    )

    assert_error(refused, 413, "file_too_large")


async def test_a_store_hiccup_during_processing_is_retried(
    client: httpx.AsyncClient, server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await register(client)
    data = image_bytes((50, 40))
    ticket = await start_upload(client, alice, data)
    await send_bytes(ticket, data)
    store = server.context.objects
    real_read = store.read
    failures = []

    async def flaky_read(key: str) -> bytes:
        if not failures:
            failures.append(key)
            raise ConnectionError("store unreachable")
        return await real_read(key)

    monkeypatch.setattr(store, "read", flaky_read)

    assert (await complete_upload(client, alice, ticket["media_id"])).status_code in (200, 202)
    media = await processed(client, alice, ticket["media_id"])

    assert failures  # the first attempt did fail
    assert (media["status"], media["width"]) == ("ready", 50)


@pytest.mark.parametrize("settings_overrides", [{"media_retention_seconds": 0}])
async def test_the_lifecycle_job_deletes_what_nothing_needs_and_keeps_the_rest(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    alice = await register(client)
    kept_id = await upload_image(client, alice, image_bytes(color=(1, 2, 3)))
    kept_post = (await publish(client, alice, [kept_id])).json()["post"]
    gone_id = await upload_image(client, alice, image_bytes(color=(4, 5, 6)))
    gone_post = (await publish(client, alice, [gone_id])).json()["post"]
    orphan_id = await upload_image(client, alice, image_bytes(color=(7, 8, 9)))
    orphan = await get_media(client, alice, orphan_id)
    deleted_media = (await client.get(f"/posts/{gone_post['id']}")).json()["post"]["media"][0]
    never_completed = await start_upload(client, alice, image_bytes())
    avatar_id = await upload_image(client, alice, image_bytes(color=(10, 11, 12)))
    avatar = await client.patch(
        "/users/me", json={"avatar_media_id": avatar_id}, headers=alice.headers
    )
    assert avatar.status_code == 200, avatar.text
    assert (
        await client.delete(f"/posts/{gone_post['id']}", headers=alice.headers)
    ).status_code == 204

    collected = await collect_garbage(server.context)

    assert collected.media == 3  # the orphan, the deleted post's media, the upload never made
    for media_id in (orphan_id, never_completed["media_id"]):
        assert_error(await client.get(f"/media/{media_id}", headers=alice.headers), 404)
    for url in list(orphan["urls"].values()) + list(deleted_media["urls"].values()):
        assert (await client.get(url)).status_code in (403, 404), url
    post = (await client.get(f"/posts/{kept_post['id']}")).json()["post"]
    for url in post["media"][0]["urls"].values():
        assert (await client.get(url)).status_code == 200
    me = (await client.get("/users/me", headers=alice.headers)).json()
    assert (await client.get(me["avatar_url"])).status_code == 200
    assert (await get_media(client, alice, avatar_id))["status"] == "ready"
    assert (await collect_garbage(server.context)).media == 0  # nothing more to do


async def test_the_same_bytes_posted_twice_share_files_that_outlive_either_copy(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    alice = await register(client)
    data = image_bytes(color=(90, 90, 90))
    first_id = await upload_image(client, alice, data)
    second_id = await upload_image(client, alice, data)
    first: dict[str, Any] = await get_media(client, alice, first_id)
    second = await get_media(client, alice, second_id)
    assert first["urls"]["original"].split("?")[0] == second["urls"]["original"].split("?")[0]
    server.context.settings.media_retention_seconds = 0
    post = (await publish(client, alice, [second_id])).json()["post"]

    collected = await collect_garbage(server.context)

    assert collected.media == 1  # the first copy, never posted
    kept = (await client.get(f"/posts/{post['id']}")).json()["post"]["media"][0]
    for url in kept["urls"].values():
        assert (await client.get(url)).status_code == 200
