"""Your data on both profiles: importing an Instagram archive (both layouts, repaired text,
carousels, videos, stories, a damaged file), refusing bad archives, and exporting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shutter.db.tables import stories
from tests.archives import InstagramArchive, Medium, Post
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    create_post,
    distinct_image,
    follow,
    image_bytes,
    register,
    send_bytes,
    start_upload,
    video_bytes,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

T_2019 = 1_560_000_000  # 2019-06-08, before Shutter's id epoch
T_2023 = 1_690_000_000
T_2024 = 1_717_000_000  # 2024-05-29, after it


async def upload_archive(client: httpx.AsyncClient, account: Account, data: bytes) -> str:
    ticket = await start_upload(client, account, data, "application/zip")
    sent = await send_bytes(ticket, data)
    assert sent.status_code in (200, 204), sent.text
    media_id: str = ticket["media_id"]
    return media_id


async def import_archive(
    client: httpx.AsyncClient, account: Account, data: bytes, timeout_s: float = 120
) -> dict[str, Any]:
    """Upload, start the import, and poll it (as the web client does) until it ends."""
    media_id = await upload_archive(client, account, data)
    started = await client.post("/imports", json={"media_id": media_id}, headers=account.headers)
    assert started.status_code == 202, started.text
    job: dict[str, Any] = started.json()["import"]
    assert job["status"] in ("queued", "running", "done")
    deadline = asyncio.get_running_loop().time() + timeout_s
    while job["status"] not in ("done", "failed"):
        assert asyncio.get_running_loop().time() < deadline, job
        await asyncio.sleep(0.05)
        response = await client.get(f"/imports/{job['id']}", headers=account.headers)
        assert response.status_code == 200, response.text
        job = response.json()["import"]
    return job


async def grid(client: httpx.AsyncClient, reader: Account, owner: Account) -> list[dict[str, Any]]:
    response = await client.get(f"/users/{owner.id}/posts?limit=50", headers=reader.headers)
    assert response.status_code == 200, response.text
    posts: list[dict[str, Any]] = response.json()["posts"]
    return posts


def iso(unix_s: int) -> str:
    return datetime.fromtimestamp(unix_s, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def instagram_archive(newer_layout: bool = True) -> InstagramArchive:
    jpeg = image_bytes((40, 30), color=(10, 120, 200))
    truncated = image_bytes((64, 64), color=(1, 2, 3))[:200]
    return InstagramArchive(
        newer_layout=newer_layout,
        posts=[
            Post([Medium("cafe.jpg", jpeg, T_2019)], caption="Café ☕ with @bob #latte"),
            Post(
                [
                    Medium("one.png", distinct_image(9001), T_2023),
                    Medium("two.png", distinct_image(9002), T_2023),
                ],
                caption="Carousel — Zürich",
                taken_at=T_2023,
            ),
            Post([Medium("clip.mp4", video_bytes(seconds=1.0), T_2024)], caption="a clip"),
            Post([Medium("broken.jpg", truncated, T_2023 + 5)], caption="damaged"),
        ],
        stories=[Medium("story.jpg", image_bytes((30, 50), color=(90, 9, 9)), T_2023 + 60)],
        name="Zoë Ünal",
        bio="Photographer 📷 in Köln",
        picture=image_bytes((32, 32), color=(5, 200, 5)),
    )


@pytest.mark.parametrize("newer_layout", [True, False], ids=["newer-layout", "older-layout"])
async def test_an_instagram_archive_becomes_the_profile_it_was(
    client: httpx.AsyncClient, server: RunningServer, newer_layout: bool
) -> None:
    alice = await register(client)
    bob = await register(client)
    await follow(client, bob, alice)
    native = await create_post(client, alice, caption="my first Shutter post")

    job = await import_archive(client, alice, instagram_archive(newer_layout).build())

    assert job["status"] == "done", job
    # The profile, three posts, one story; the damaged photo's post skipped and named.
    assert (job["total"], job["done"], job["skipped"], job["duplicates"]) == (6, 5, 1, 0)
    assert [error["item"] for error in job["errors"]] == ["media/posts/202301/broken.jpg"]
    assert job["errors"][0]["code"] == "undecodable"

    posts = await grid(client, bob, alice)
    # The grid in time order: the Shutter post, then the imported ones as they were posted.
    assert [post["caption"] for post in posts] == [
        "my first Shutter post",
        "a clip",
        "Carousel — Zürich",
        "Café ☕ with @bob #latte",
    ]
    assert posts[0]["id"] == native["id"]
    assert [post["created_at"] for post in posts[1:]] == [iso(T_2024), iso(T_2023), iso(T_2019)]
    assert [[item["type"] for item in post["media"]] for post in posts[1:]] == [
        ["video"],
        ["image", "image"],
        ["image"],
    ]
    assert posts[1]["media"][0]["poster_url"]  # through the normal pipeline: a poster frame
    assert (posts[3]["media"][0]["width"], posts[3]["media"][0]["height"]) == (40, 30)

    me = (await client.get("/users/me", headers=alice.headers)).json()
    assert (me["display_name"], me["bio"]) == ("Zoë Ünal", "Photographer 📷 in Köln")
    assert me["avatar_url"]
    assert me["post_count"] == 4

    # Archived stories are kept, never live.
    reel = await client.get(f"/users/{alice.id}/stories", headers=bob.headers)
    assert reel.status_code == 200, reel.text
    assert reel.json()["items"] == []
    async with server.context.db.read() as conn:
        kept = (
            await conn.execute(
                select(stories.c.created_at, stories.c.archived).where(
                    stories.c.author_id == int(alice.id)
                )
            )
        ).all()
    assert [(row.created_at.timestamp(), row.archived) for row in kept] == [(T_2023 + 60, True)]

    # No fan-out: Bob's feed is not sent old posts as new, and his mention notifies nobody.
    await server.settle()
    feed = (await client.get("/feed", headers=bob.headers)).json()["posts"]
    assert feed[0]["id"] == native["id"]
    notes = (await client.get("/notifications", headers=bob.headers)).json()
    assert notes["notifications"] == [], notes

    # The same archive again adds nothing twice (the damaged item is tried again).
    again = await import_archive(client, alice, instagram_archive(newer_layout).build())
    assert (again["status"], again["done"], again["skipped"], again["duplicates"]) == (
        "done",
        0,
        1,
        5,
    ), again
    assert len(await grid(client, bob, alice)) == 4
    me = (await client.get("/users/me", headers=alice.headers)).json()
    assert me["post_count"] == 4
