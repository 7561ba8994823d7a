"""The embedded profile's own object store: signed upload URLs and the file server."""

from __future__ import annotations

import errno
import os
import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shutter.media.service import collect_garbage
from shutter.stores import objects
from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    complete_upload,
    get_media,
    image_bytes,
    processed,
    register,
    send_bytes,
    start_upload,
    upload_image,
)
from tests.integration.test_media import IMMUTABLE, download, picture

# -- the embedded profile's own object store ------------------------------------------------


@pytest.fixture(params=["embedded"])
def profile(request: pytest.FixtureRequest) -> str:
    """The app plays the object store in the embedded profile only."""
    value: str = request.param
    return value


async def test_a_tampered_upload_url_is_403(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    data = image_bytes()
    ticket = await start_upload(client, alice, data)
    url = httpx.URL(ticket["upload_url"])
    signature = url.params["signature"]
    forged_signature = ("0" if signature[0] != "0" else "1") + signature[1:]
    tampered = {
        "signature": url.copy_set_param("signature", forged_signature),
        "size": url.copy_set_param("size", str(len(data) * 100)),
        "content_type": url.copy_set_param("content_type", "image/png"),
        "expires": url.copy_set_param("expires", str(int(url.params["expires"]) + 86_400)),
        "key": url.copy_with(path=url.path.replace(ticket["media_id"], "1")),
    }

    async with httpx.AsyncClient() as raw:
        for what, forged in tampered.items():
            headers = {"Content-Type": forged.params.get("content_type", "image/jpeg")}
            answer = await raw.put(forged, content=data, headers=headers)
            assert answer.status_code == 403, (what, answer.text)
            assert_error(answer, 403, "invalid_signature")

    assert_error(await complete_upload(client, alice, ticket["media_id"]), 409, "upload_missing")
    assert (await send_bytes(ticket, data)).status_code == 204  # the genuine URL still works


@pytest.mark.parametrize("settings_overrides", [{"upload_url_ttl_seconds": 10}])
async def test_an_upload_url_expires_after_upload_url_ttl_seconds(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await register(client)
    data = image_bytes()
    ticket = await start_upload(client, alice, data)
    lifetime = datetime.fromisoformat(ticket["expires_at"]) - datetime.now(UTC)
    assert 8 < lifetime.total_seconds() <= 10

    class Later:
        """The object store's clock, 11 seconds on: later than the URL's expiry."""

        @staticmethod
        def time() -> float:
            return time.time() + 11

    monkeypatch.setattr(objects, "time", Later)
    expired = await send_bytes(ticket, data)

    error = assert_error(expired, 403, "invalid_signature")
    assert "expired" in error["message"]
    monkeypatch.undo()
    assert (await send_bytes(ticket, data)).status_code == 204


async def test_the_upload_must_carry_the_declared_content_type(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    data = image_bytes()
    ticket = await start_upload(client, alice, data)

    async with httpx.AsyncClient() as raw:
        for sent_type in ("image/png", "application/octet-stream"):
            answer = await raw.put(
                ticket["upload_url"], content=data, headers={"Content-Type": sent_type}
            )
            assert_error(answer, 415, "content_type_mismatch")
        unlabelled = await raw.put(ticket["upload_url"], content=data)
        assert_error(unlabelled, 415, "content_type_mismatch")

    assert_error(await complete_upload(client, alice, ticket["media_id"]), 409, "upload_missing")


async def test_a_body_larger_than_declared_is_refused_even_without_content_length(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    data = image_bytes()
    ticket = await start_upload(client, alice, data)
    padded = data + b"\x00" * 100_000

    async def streamed() -> Any:  # chunked transfer: no Content-Length to check up front
        for start in range(0, len(padded), 8192):
            yield padded[start : start + 8192]

    async with httpx.AsyncClient() as raw:
        declared = await raw.put(
            ticket["upload_url"], content=padded, headers=ticket["upload_headers"]
        )
        chunked = await raw.put(
            ticket["upload_url"], content=streamed(), headers=ticket["upload_headers"]
        )

    assert_error(declared, 413, "size_mismatch")
    assert_error(chunked, 422, "size_mismatch")
    assert_error(await complete_upload(client, alice, ticket["media_id"]), 409, "upload_missing")
    assert (await send_bytes(ticket, data)).status_code == 204


async def test_an_upload_url_cannot_replace_a_completed_upload(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    data = image_bytes()
    ticket = await start_upload(client, alice, data)
    await send_bytes(ticket, data)
    assert (await complete_upload(client, alice, ticket["media_id"])).status_code in (200, 202)

    replaced = await send_bytes(ticket, data)
    media = await processed(client, alice, ticket["media_id"])

    assert_error(replaced, 409, "upload_closed")
    assert picture(await download(client, media["urls"]["original"])).size == (64, 48)


async def test_served_files_are_immutable_conditional_and_ranged(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    media = await get_media(client, alice, await upload_image(client, alice))
    url = media["urls"]["original"]

    full = await download(client, url)
    assert full.status_code == 200
    assert full.headers["cache-control"] == IMMUTABLE
    etag = full.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # names the (content-addressed) key

    unchanged = await download(client, url, **{"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    weak = await download(client, url, **{"If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304
    listed = await download(client, url, **{"If-None-Match": f'"older-copy", {etag}'})
    assert listed.status_code == 304
    changed = await download(client, url, **{"If-None-Match": '"something-else"'})
    assert changed.status_code == 200
    assert changed.content == full.content

    part = await download(client, url, Range="bytes=0-99")
    assert part.status_code == 206
    assert part.content == full.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(full.content)}"
    tail = await download(client, url, Range="bytes=-10")
    assert tail.status_code == 206
    assert tail.content == full.content[-10:]

    head = await client.head(url)
    assert head.status_code == 200
    assert int(head.headers["content-length"]) == len(full.content)


async def test_a_file_url_with_a_wrong_signature_is_404(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    media = await get_media(client, alice, await upload_image(client, alice))
    url = httpx.URL(media["urls"]["original"])
    signature = url.params["sig"]
    forged = ("0" if signature[0] != "0" else "1") + signature[1:]

    for wrong in (
        url.copy_set_param("sig", forged),
        url.copy_remove_param("sig"),
        url.copy_with(path=url.path.replace("/files/media/", "/files/uploads/")),
        url.copy_with(path=url.path.replace(url.path.rsplit("/", 1)[1], "secret_key")),
    ):
        assert_error(await download(client, str(wrong)), 404)
    assert (await download(client, str(url))).status_code == 200


# -- a full disk ------------------------------------------------------------------------------


class FullDisk:
    """A scratch-file writer that fails as a full disk does, after taking some bytes."""

    def __init__(self, fd: int) -> None:
        self.file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> int:
        self.file.write(data[:10])
        self.file.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.file.close()


async def test_a_full_disk_answers_507_and_leaves_no_partial_file(
    client: httpx.AsyncClient, server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await register(client)
    data = image_bytes((40, 30))
    ticket = await start_upload(client, alice, data)
    store = server.context.objects
    monkeypatch.setattr(objects, "_open_for_writing", FullDisk)

    upload = await send_bytes(ticket, data)

    error = assert_error(upload, 507, "insufficient_storage")
    assert "storage" in error["message"]
    assert upload.headers["x-content-type-options"] == "nosniff"
    with pytest.raises(OSError, match="No space left"):
        await store.put("media/ab/abc/thumb.webp", b"x" * 100, "image/webp")
    assert list(store.root.rglob("*")) == [store.scratch]  # no scratch file, no object
    monkeypatch.undo()
    assert (await send_bytes(ticket, data)).status_code == 204  # space again: it works


async def test_scratch_files_left_by_a_crash_are_removed_by_the_lifecycle_job(
    server: RunningServer,
) -> None:
    store = server.context.objects
    store.scratch.mkdir(parents=True, exist_ok=True)
    crashed, writing = store.scratch / ".upload-crashed", store.scratch / ".put-now"
    crashed.write_bytes(b"half an upload")
    writing.write_bytes(b"being written")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(crashed, (two_hours_ago, two_hours_ago))

    await collect_garbage(server.context)

    assert not crashed.exists()
    assert writing.exists()  # a write under way is left alone


async def test_served_media_carry_nosniff(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    media = await get_media(client, alice, await upload_image(client, alice))

    served = await download(client, media["urls"]["original"])
    missing = await download(client, media["urls"]["original"].replace("sig=", "sig=0"))

    assert served.headers["x-content-type-options"] == "nosniff"
    assert missing.headers["x-content-type-options"] == "nosniff"
