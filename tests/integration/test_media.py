"""Media upload over HTTP, on both profiles: announce, send the bytes to the pre-signed URL
(the app itself in the embedded profile, the S3 server in the distributed one), complete.

Each test starts a server, so related cases are checked in one test.
"""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.assertions import assert_error
from tests.factories import (
    GPS_IFD,
    ORIENTATION,
    Account,
    camera_jpeg,
    complete_upload,
    get_media,
    image_bytes,
    png_bomb,
    processed,
    publish,
    register,
    send_bytes,
    start_upload,
    unsigned,
    upload_image,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

IMMUTABLE = "public, max-age=31536000, immutable"
SIZES = ("thumb", "small", "medium", "large", "original")


async def download(client: httpx.AsyncClient, url: str, **headers: str) -> httpx.Response:
    """Fetch a media URL as a browser would: no API token."""
    return await client.get(url, headers=headers)


def picture(response: httpx.Response) -> Image.Image:
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content))


# -- the whole flow ----------------------------------------------------------------------


async def test_an_uploaded_image_becomes_ready_with_its_size_and_a_cacheable_original(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    data = image_bytes((64, 48), "JPEG")

    ticket = await start_upload(client, alice, data)

    assert set(ticket) == {
        "media_id",
        "upload_url",
        "upload_method",
        "upload_headers",
        "upload_parts",
        "expires_at",
    }
    assert ticket["upload_parts"] is None  # a photo always goes up in one PUT
    assert re.fullmatch(r"[0-9]+", ticket["media_id"])
    assert ticket["upload_method"] == "PUT"
    assert ticket["upload_headers"] == {"Content-Type": "image/jpeg"}
    assert ticket["expires_at"].endswith("Z")
    lifetime = datetime.fromisoformat(ticket["expires_at"]) - datetime.now(UTC)
    assert 3500 < lifetime.total_seconds() <= 3600  # upload_url_ttl_seconds, one hour
    waiting = await get_media(client, alice, ticket["media_id"])
    assert (waiting["status"], waiting["urls"], waiting["width"]) == ("pending", None, None)

    sent = await send_bytes(ticket, data)
    assert sent.status_code in (200, 204), sent.text
    done = await complete_upload(client, alice, ticket["media_id"])

    # Processing happens off the request path: 202 while it runs (200 if a worker was
    # quicker than the answer; the code always says what the body says).
    answer = (done.status_code, done.json()["status"])
    assert answer in ((202, "processing"), (200, "ready")), done.text
    if answer[0] == 202:
        assert done.json()["urls"] is None
    media = await processed(client, alice, ticket["media_id"])
    assert media["id"] == ticket["media_id"]
    assert (media["type"], media["status"], media["error"]) == ("image", "ready", None)
    assert (media["width"], media["height"]) == (64, 48)
    assert set(media["urls"]) == set(SIZES)
    assert media["blurhash"]
    original = await download(client, media["urls"]["original"])
    assert picture(original).size == (64, 48)
    assert original.headers["content-type"] == "image/jpeg"
    assert original.headers["cache-control"] == IMMUTABLE
    for size in ("small", "medium", "large"):  # never upscaled
        variant = await download(client, media["urls"][size])
        assert variant.headers["content-type"] == "image/webp"
        assert (picture(variant).format, picture(variant).size) == ("WEBP", (64, 48))
    thumb = picture(await download(client, media["urls"]["thumb"]))
    assert (thumb.format, thumb.size) == ("WEBP", (48, 48))  # a centre square


async def test_png_webp_and_gif_are_accepted_and_served_as_themselves(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)

    for image_format, content_type in (
        ("PNG", "image/png"),
        ("WEBP", "image/webp"),
        ("GIF", "image/gif"),
    ):
        data = image_bytes((30, 20), image_format)
        media = await get_media(
            client, alice, await upload_image(client, alice, data, content_type)
        )
        assert (media["width"], media["height"]) == (30, 20), image_format
        served = await download(client, media["urls"]["original"])
        assert served.headers["content-type"] == content_type
        assert picture(served).format == image_format


async def test_media_calls_need_a_login(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    media_id = await upload_image(client, alice)

    assert_error(
        await client.post("/media", json={"content_type": "image/jpeg", "size_bytes": 10}),
        401,
    )
    assert_error(await client.get(f"/media/{media_id}"), 401)
    assert_error(await client.post(f"/media/{media_id}/complete"), 401)


# -- what POST /media refuses ------------------------------------------------------------


@pytest.mark.parametrize("settings_overrides", [{"image_max_bytes": 50_000}])
async def test_announcing_an_upload_checks_type_and_size(client: httpx.AsyncClient) -> None:
    alice = await register(client)

    async def announce(content_type: str, size_bytes: Any) -> httpx.Response:
        return await client.post(
            "/media",
            json={"content_type": content_type, "size_bytes": size_bytes},
            headers=alice.headers,
        )

    for content_type in ("application/pdf", "text/html", "image/svg+xml", "image/tiff"):
        assert_error(await announce(content_type, 1000), 415, "unsupported_media_type")
    assert (await announce("video/mp4", 50_001)).status_code == 201  # videos have their limit
    too_big = assert_error(await announce("image/jpeg", 50_001), 413, "file_too_large")
    assert "MB" in too_big["message"]
    assert (await announce("image/jpeg", 50_000)).status_code == 201  # exactly the limit
    assert (await announce("IMAGE/PNG", 10)).status_code == 201  # types are case-insensitive
    for size in (0, -1, "ten", None):
        assert_error(await announce("image/jpeg", size), 422, "validation_error")
    assert_error(await client.post("/media", json={"size_bytes": 10}, headers=alice.headers), 422)


# -- what /complete refuses --------------------------------------------------------------


async def test_completing_before_the_upload_is_409_and_a_later_upload_still_works(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    data = image_bytes()
    ticket = await start_upload(client, alice, data)

    early = await complete_upload(client, alice, ticket["media_id"])

    assert_error(early, 409, "upload_missing")
    assert (await get_media(client, alice, ticket["media_id"]))["status"] == "pending"
    sent = await send_bytes(ticket, data)
    assert sent.status_code in (200, 204), sent.text
    done = await complete_upload(client, alice, ticket["media_id"])
    assert done.status_code == 202, done.text
    assert (await processed(client, alice, ticket["media_id"]))["status"] == "ready"


async def test_bytes_of_another_type_than_declared_fail_the_media(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    jpeg = image_bytes((20, 20), "JPEG")
    ticket = await start_upload(client, alice, jpeg, "image/png")
    sent = await send_bytes(ticket, jpeg)
    assert sent.status_code in (200, 204), sent.text

    assert (await complete_upload(client, alice, ticket["media_id"])).status_code == 202

    media = await processed(client, alice, ticket["media_id"])
    assert media["status"] == "failed"
    assert media["error"]["code"] == "type_mismatch"
    assert media["error"]["message"]
    assert media["urls"] is None
    again = await complete_upload(client, alice, ticket["media_id"])
    assert_error(again, 409, "media_failed")
    assert_error(await publish(client, alice, [ticket["media_id"]]), 422, "media_not_ready")


async def failed_upload(
    client: httpx.AsyncClient, account: Account, data: bytes, content_type: str
) -> dict[str, str]:
    """Upload and complete bytes that processing must refuse; returns the media's error."""
    ticket = await start_upload(client, account, data, content_type)
    sent = await send_bytes(ticket, data)
    assert sent.status_code in (200, 204), sent.text
    assert (await complete_upload(client, account, ticket["media_id"])).status_code == 202
    media = await processed(client, account, ticket["media_id"])
    assert (media["status"], media["urls"]) == ("failed", None), media
    assert media["error"]["message"]
    error: dict[str, str] = media["error"]
    return error


async def test_a_file_that_is_no_image_fails_unsupported_content(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    text = b"#!/bin/sh\necho this is not a picture\n" * 10

    error = await failed_upload(client, alice, text, "image/jpeg")

    assert error["code"] == "unsupported_content"


async def test_a_truncated_jpeg_is_422_undecodable(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    noisy = io.BytesIO()  # noise compresses badly: half the file is half the pixels
    Image.effect_noise((200, 150), 80).convert("RGB").save(noisy, format="JPEG")
    cut = noisy.getvalue()[: len(noisy.getvalue()) // 2]

    assert (await failed_upload(client, alice, cut, "image/jpeg"))["code"] == "undecodable"


async def test_a_decompression_bomb_is_413_too_many_pixels(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bomb = png_bomb(20_000, 20_000)  # 400 megapixels, about 50 KB

    error = await failed_upload(client, alice, bomb, "image/png")

    assert error["code"] == "too_many_pixels"


@pytest.mark.parametrize("settings_overrides", [{"image_max_pixels": 1000}])
async def test_the_pixel_limit_is_image_max_pixels(client: httpx.AsyncClient) -> None:
    alice = await register(client)

    assert await upload_image(client, alice, image_bytes((40, 25), "PNG"), "image/png")
    big = image_bytes((40, 26), "PNG")  # 1040 pixels
    error = await failed_upload(client, alice, big, "image/png")
    assert error["code"] == "too_many_pixels"
    assert "40x26" in error["message"]
    # An animation is decoded frame by frame: 11 frames of 10x10 are 1100 pixels.
    frames = [Image.new("RGB", (10, 10), (n * 20, 0, 0)) for n in range(11)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    animation = await failed_upload(client, alice, out.getvalue(), "image/gif")
    assert animation["code"] == "too_many_pixels"


@pytest.mark.parametrize("sent_size", ["fewer", "more"])
async def test_bytes_that_do_not_match_the_declared_size_never_become_media(
    client: httpx.AsyncClient, profile: str, sent_size: str
) -> None:
    alice = await register(client)
    data = image_bytes((64, 48))
    declared = len(data) + 10 if sent_size == "fewer" else len(data) - 10
    announced = await client.post(
        "/media", json={"content_type": "image/jpeg", "size_bytes": declared}, headers=alice.headers
    )
    ticket = announced.json()

    sent = await send_bytes(ticket, data)
    done = await complete_upload(client, alice, ticket["media_id"])

    if profile == "embedded":  # the app, playing the object store, refuses the PUT itself
        assert_error(sent, 422 if sent_size == "fewer" else 413, "size_mismatch")
        assert_error(done, 409, "upload_missing")
    else:  # S3 stores what it is sent; completing finds out
        assert sent.status_code == 200, sent.text
        assert_error(done, 422, "size_mismatch")
    assert (await get_media(client, alice, ticket["media_id"]))["status"] != "ready"


async def test_completing_twice_is_harmless(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    media_id = await upload_image(client, alice)
    first = await get_media(client, alice, media_id)

    again = await complete_upload(client, alice, media_id)

    assert again.status_code == 200, again.text  # ready already: nothing more to do
    assert unsigned(again.json()) == unsigned(first)
    assert picture(await download(client, first["urls"]["original"])).size == (64, 48)


async def test_a_retried_completion_racing_the_first_makes_one_ready_media(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    data = image_bytes()
    ticket = await start_upload(client, alice, data)
    await send_bytes(ticket, data)

    answers = await asyncio.gather(
        *(complete_upload(client, alice, ticket["media_id"]) for _ in range(5))
    )

    for answer in answers:  # each is told processing has started (or is done)
        assert answer.status_code in (200, 202), answer.text
    assert (await processed(client, alice, ticket["media_id"]))["status"] == "ready"


# -- what the served original keeps and loses --------------------------------------------


async def test_each_exif_orientation_is_applied_to_every_size(client: httpx.AsyncClient) -> None:
    alice = await register(client)

    for orientation in range(1, 9):  # 5 to 8 turn the picture a quarter: portrait
        stored = camera_jpeg((60, 40), orientation=orientation)
        media = await get_media(client, alice, await upload_image(client, alice, stored))

        shown = (40, 60) if orientation >= 5 else (60, 40)
        assert (media["width"], media["height"]) == shown, orientation
        for size in SIZES:
            served = picture(await download(client, media["urls"][size]))
            assert ORIENTATION not in served.getexif(), (orientation, size)
            assert served.size == ((40, 40) if size == "thumb" else shown), (orientation, size)


async def test_the_served_original_has_no_gps_or_other_metadata(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    photo = camera_jpeg((60, 40), comment=b"Anna's flat, 4th floor")
    assert GPS_IFD in Image.open(io.BytesIO(photo)).getexif()

    media = await get_media(client, alice, await upload_image(client, alice, photo))

    for size in SIZES:  # the original included
        served = await download(client, media["urls"][size])
        image = picture(served)
        assert GPS_IFD not in image.getexif(), size
        assert dict(image.getexif()) == {}, size  # no maker, model or serial either
        assert "comment" not in image.info, size
        assert b"Shutter Test Camera" not in served.content, size
        assert b"Anna's flat" not in served.content, size


@pytest.mark.parametrize("settings_overrides", [{"media_base_url": "https://cdn.example.com/"}])
async def test_media_urls_live_under_the_cdn_base_and_never_change(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    media_id = await upload_image(client, alice)

    first = (await get_media(client, alice, media_id))["urls"]
    post = (await publish(client, alice, [media_id])).json()["post"]
    again = (await get_media(client, alice, media_id))["urls"]

    assert all(url.startswith("https://cdn.example.com/") for url in first.values())
    assert "//" not in first["original"].removeprefix("https://")
    assert again == first  # the same URL on every read, so browsers and the CDN cache it
    assert post["media"][0]["urls"] == first


# -- whose media ---------------------------------------------------------------------------


async def test_someone_elses_media_is_404(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    mallory = await register(client)
    media_id = await upload_image(client, alice)
    data = image_bytes()
    pending = await start_upload(client, alice, data)
    await send_bytes(pending, data)

    assert_error(await client.get(f"/media/{media_id}", headers=mallory.headers), 404)
    assert_error(
        await complete_upload(client, mallory, pending["media_id"]), 404, "media_not_found"
    )
    assert (await get_media(client, alice, pending["media_id"]))["status"] == "pending"
    assert_error(await client.get("/media/123456789", headers=alice.headers), 404)
    assert_error(await client.get("/media/abc", headers=alice.headers), 422)
    assert_error(await client.get(f"/media/{2**63}", headers=alice.headers), 422)
