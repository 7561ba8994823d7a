"""Factories for test objects, driven through the public HTTP API."""

from __future__ import annotations

import io
import itertools
import struct
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from PIL import Image

_counter = itertools.count(1)


@dataclass
class Account:
    id: str
    username: str
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def register(
    client: httpx.AsyncClient, username: str | None = None, password: str = "correct horse 1"
) -> Account:
    username = username or f"user{next(_counter)}"
    email = f"{username}@example.com"
    response = await client.post(
        "/auth/register", json={"username": username, "email": email, "password": password}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(body["user"]["id"], username, email, password, body["access_token"])


def image_bytes(
    size: tuple[int, int] = (64, 48),
    image_format: str = "JPEG",
    color: tuple[int, int, int] = (200, 30, 30),
    **save_options: Any,
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=image_format, **save_options)
    return out.getvalue()


async def start_upload(
    client: httpx.AsyncClient, account: Account, data: bytes, content_type: str = "image/jpeg"
) -> dict[str, Any]:
    response = await client.post(
        "/media",
        json={"content_type": content_type, "size_bytes": len(data)},
        headers=account.headers,
    )
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


async def send_bytes(ticket: dict[str, Any], data: bytes) -> httpx.Response:
    """PUT the bytes where the ticket says (the app itself, or the S3 server)."""
    async with httpx.AsyncClient(timeout=30) as raw:
        return await raw.request(
            ticket["upload_method"],
            ticket["upload_url"],
            content=data,
            headers=ticket["upload_headers"],
        )


async def upload_image(
    client: httpx.AsyncClient,
    account: Account,
    data: bytes | None = None,
    content_type: str = "image/jpeg",
) -> str:
    """Upload and complete an image; returns the ready media id."""
    data = data if data is not None else image_bytes()
    ticket = await start_upload(client, account, data, content_type)
    sent = await send_bytes(ticket, data)
    assert sent.status_code in (200, 204), sent.text
    done = await client.post(f"/media/{ticket['media_id']}/complete", headers=account.headers)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "ready"
    media_id: str = ticket["media_id"]
    return media_id


async def create_post(
    client: httpx.AsyncClient, account: Account, caption: str = "", media_count: int = 1
) -> dict[str, Any]:
    media_ids = [await upload_image(client, account) for _ in range(media_count)]
    response = await client.post(
        "/posts", json={"media_ids": media_ids, "caption": caption}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    post: dict[str, Any] = response.json()["post"]
    return post


async def follow(client: httpx.AsyncClient, follower: Account, followee: Account) -> str:
    response = await client.post(f"/users/{followee.id}/follow", headers=follower.headers)
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


# -- media, posts and the feed ---------------------------------------------------------------

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def camera_jpeg(
    size: tuple[int, int] = (60, 40),
    *,
    orientation: int | None = None,
    with_gps: bool = True,
    comment: bytes | None = b"shot at home",
) -> bytes:
    """A JPEG carrying what a phone writes: maker and model, a GPS position, optionally an
    orientation tag and a comment."""
    exif = Image.Exif()
    exif[0x010F] = "Shutter Test Camera"  # Make
    exif[0x0110] = "Model 1"  # Model
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if with_gps:
        exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    options: dict[str, Any] = {"exif": exif.tobytes()}
    if comment is not None:
        options["comment"] = comment
    return image_bytes(size, "JPEG", **options)


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid, all-black 1-bit PNG of width x height pixels. Decoded it would take
    width*height bytes of memory; compressed it is a few dozen kilobytes."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    rows_per_chunk = 500
    full, rest = divmod(height, rows_per_chunk)
    parts = [compressor.compress(row * rows_per_chunk) for _ in range(full)]
    body = b"".join(parts) + compressor.compress(row * rest) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


async def complete_upload(
    client: httpx.AsyncClient, account: Account, media_id: str
) -> httpx.Response:
    return await client.post(f"/media/{media_id}/complete", headers=account.headers)


async def get_media(client: httpx.AsyncClient, account: Account, media_id: str) -> dict[str, Any]:
    response = await client.get(f"/media/{media_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    media: dict[str, Any] = response.json()
    return media


async def publish(
    client: httpx.AsyncClient,
    account: Account,
    media_ids: list[str],
    caption: str = "",
    *,
    location: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> httpx.Response:
    """POST /posts as it is sent, for tests that look at refusals."""
    body: dict[str, Any] = {"media_ids": media_ids, "caption": caption}
    if location is not None:
        body["location"] = location
    headers = dict(account.headers)
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return await client.post("/posts", json=body, headers=headers)


async def set_private(client: httpx.AsyncClient, account: Account, is_private: bool = True) -> None:
    response = await client.patch(
        "/users/me", json={"is_private": is_private}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["is_private"] is is_private


async def unfollow(client: httpx.AsyncClient, follower: Account, followee: Account) -> None:
    response = await client.delete(f"/users/{followee.id}/follow", headers=follower.headers)
    assert response.status_code == 200, response.text


async def profile(client: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    response = await client.get(f"/users/{account.id}", headers=account.headers)
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()
    return user


async def pages_of(
    client: httpx.AsyncClient,
    path: str,
    headers: dict[str, str] | None = None,
    limit: int = 20,
    *,
    items: str = "posts",
    params: dict[str, Any] | None = None,
    between_pages: Callable[[], Awaitable[object]] | None = None,
) -> list[list[str]]:
    """Follow next_cursor from the first page to the end; returns the item ids page by
    page. `between_pages` runs after each page but the last (to change things mid-scroll)."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {**(params or {}), "limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        response = await client.get(path, params=query, headers=headers or {})
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["id"] for item in body[items]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 1000, "next_cursor never ends"
        if between_pages is not None:
            await between_pages()


async def scroll(
    client: httpx.AsyncClient, path: str, account: Account | None, limit: int
) -> list[list[str]]:
    """The post ids of every page of a post list, page by page."""
    return await pages_of(client, path, account.headers if account else None, limit)


def unsigned(value: Any) -> Any:
    """`value` with the query string cut off every URL in it. Pre-signed S3 URLs carry the
    time they were signed, so two reads of one post differ only there."""
    if isinstance(value, dict):
        return {key: unsigned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unsigned(item) for item in value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return value.split("?", 1)[0]
    return value
