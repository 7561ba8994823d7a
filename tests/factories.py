"""Factories for test objects, driven through the public HTTP API."""

from __future__ import annotations

import io
import itertools
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
