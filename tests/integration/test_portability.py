"""Your data on both profiles: importing an Instagram archive (both layouts, repaired text,
carousels, videos, stories, a damaged file), refusing bad archives, and exporting."""

from __future__ import annotations

import asyncio
import io
import json
import os
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from shutter.db.tables import exports, stories
from shutter.portability.exporter import remove_expired
from tests.archives import InstagramArchive, Medium, Post
from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    comment,
    create_post,
    distinct_image,
    follow,
    image_bytes,
    like,
    mute,
    post_story,
    register,
    send_bytes,
    set_close_friends,
    start_upload,
    video_bytes,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
MIB = 1024 * 1024


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Small bounds, so that the refusals are cheap to provoke.
    return {"import_max_bytes": 5 * MIB, "import_max_uncompressed_bytes": 24 * MIB}


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


def aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


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
    assert [(aware(row.created_at).timestamp(), row.archived) for row in kept] == [
        (T_2023 + 60, True)
    ]

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


def zip_of(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


POSTS = "your_instagram_activity/content/posts_1.json"


def posts_json(*uris: str) -> bytes:
    records = [
        {"media": [{"uri": uri, "creation_timestamp": T_2023 + n, "title": f"post {n}"}]}
        for n, uri in enumerate(uris)
    ]
    return json.dumps(records).encode()


async def test_what_is_not_an_instagram_archive_is_refused_with_a_reason(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)

    not_zip = await import_archive(client, alice, b"PK\x03\x04 but not really a zip" * 10)
    assert (not_zip["status"], not_zip["error"]["code"]) == ("failed", "not_a_zip"), not_zip

    other = await import_archive(client, alice, zip_of({"notes.txt": b"hello"}))
    assert other["status"] == "failed"
    assert other["error"]["code"] == "not_instagram_archive"
    assert "Instagram" in other["error"]["message"]

    # 30 MiB of zeros unpacked, more than the 24 MiB allowed: refused before reading any.
    bomb = zip_of({POSTS: posts_json("media/posts/202301/a.jpg"), "pad.bin": bytes(30 * MIB)})
    refused = await import_archive(client, alice, bomb)
    assert (refused["status"], refused["error"]["code"]) == (
        "failed",
        "archive_too_large_unpacked",
    )
    assert (await grid(client, alice, alice)) == []

    # The wrong type, and an archive larger than SHUTTER_IMPORT_MAX_BYTES, at the ticket.
    tar = await client.post(
        "/media",
        json={"content_type": "application/x-tar", "size_bytes": 10},
        headers=alice.headers,
    )
    assert_error(tar, 415, "unsupported_media_type")
    huge = await client.post(
        "/media",
        json={"content_type": "application/zip", "size_bytes": 6 * MIB},
        headers=alice.headers,
    )
    assert_error(huge, 413, "file_too_large")
    # An image is not an archive; an archive is not media to complete.
    photo = await start_upload(client, alice, image_bytes())
    not_archive = await client.post(
        "/imports", json={"media_id": photo["media_id"]}, headers=alice.headers
    )
    assert_error(not_archive, 422, "not_an_archive")
    archive_id = await upload_archive(client, alice, zip_of({"a": b"b"}))
    completed = await client.post(f"/media/{archive_id}/complete", headers=alice.headers)
    assert_error(completed, 409, "archive_not_media")
    # Someone else's upload is not found.
    bob = await register(client)
    stolen = await client.post("/imports", json={"media_id": archive_id}, headers=bob.headers)
    assert_error(stolen, 404, "media_not_found")


async def test_bad_entries_are_skipped_and_reported_and_the_rest_imported(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    good = "media/posts/202301/good.jpg"
    archive = zip_of(
        {
            POSTS: posts_json(
                good,
                "../../../etc/passwd",  # path traversal
                "media/posts/202301/zeros.jpg",  # expands 1000:1
                "media/posts/202301/missing.jpg",
                "media/posts/202301/notes.txt",
            ),
            good: image_bytes((20, 20)),
            "media/posts/202301/zeros.jpg": bytes(2 * MIB),
            "media/posts/202301/notes.txt": b"not a photo",
            "../evil.txt": b"never read",
        }
    )

    job = await import_archive(client, alice, archive)

    assert (job["status"], job["total"], job["done"], job["skipped"]) == ("done", 5, 1, 4), job
    assert [error["code"] for error in job["errors"]] == [
        "unsafe_path",
        "suspicious_compression",
        "file_missing",
        "unsupported_content",
    ]
    assert [post["caption"] for post in await grid(client, alice, alice)] == ["post 0"]


async def test_an_export_holds_everything_and_imports_into_a_fresh_account(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    alice = await register(client)
    bob = await register(client)
    await follow(client, alice, bob)
    await follow(client, bob, alice)
    mine = await create_post(client, alice, caption="first light", media_count=2)
    edited = await client.patch(
        f"/posts/{mine['id']}", json={"caption": "sunset #beach"}, headers=alice.headers
    )
    assert edited.status_code == 200, edited.text
    theirs = await create_post(client, bob, caption="bob's")
    await comment(client, alice, theirs["id"], "nice one")
    await comment(client, bob, mine["id"], "thanks for sharing")
    await like(client, alice, theirs["id"])
    await like(client, bob, mine["id"])
    saved_first = await create_post(client, bob, caption="bob's second")
    assert (await client.post(f"/posts/{saved_first['id']}/save", headers=alice.headers)).is_success
    made = await client.post("/collections", json={"name": "Bob"}, headers=alice.headers)
    collection_id = made.json()["collection"]["id"]
    for post_id in (saved_first["id"], theirs["id"]):
        added = await client.post(
            f"/collections/{collection_id}/posts/{post_id}", headers=alice.headers
        )
        assert added.status_code == 200, added.text
    for sender, recipient, text in ((alice, bob, "hi bob"), (bob, alice, "hi alice")):
        sent = await client.post(
            "/messages",
            json={
                "recipient_id": recipient.id,
                "content": text,
                "client_message_id": text.replace(" ", "-"),
            },
            headers=sender.headers,
        )
        assert sent.status_code in (200, 201), sent.text
    story = await post_story(client, alice)
    # What only the account itself knows: comment likes, mutes, close friends, highlights.
    thanks = await comment(client, bob, mine["id"], "lovely")
    liked = await client.post(f"/comments/{thanks['id']}/like", headers=alice.headers)
    assert liked.status_code == 200, liked.text
    loud = await register(client)
    await mute(client, alice, loud, stories=False)
    await set_close_friends(client, alice, [bob])
    made = await client.post(
        "/highlights", json={"title": "Days", "story_ids": [story["id"]]}, headers=alice.headers
    )
    assert made.status_code == 201, made.text
    highlight = made.json()["highlight"]
    for tag in ("Beach", "dunes"):
        followed = await client.post(f"/hashtags/{tag}/follow", headers=alice.headers)
        assert followed.status_code == 200, followed.text
    await server.settle()

    started = await client.post("/exports", headers=alice.headers)
    assert started.status_code == 202, started.text
    export = started.json()["export"]
    deadline = asyncio.get_running_loop().time() + 120
    while export["status"] not in ("done", "failed"):
        assert asyncio.get_running_loop().time() < deadline, export
        await asyncio.sleep(0.05)
        response = await client.get(f"/exports/{export['id']}", headers=alice.headers)
        assert response.status_code == 200, response.text
        export = response.json()["export"]
    assert export["status"] == "done", export
    assert export["done"] == export["total"]
    assert export["download_url"]
    # Once a day, and the last one stays available.
    again = await client.post("/exports", headers=alice.headers)
    assert_error(again, 429, "rate_limited")
    assert int(again.headers["retry-after"]) > 3600
    other = await client.get(f"/exports/{export['id']}", headers=bob.headers)
    assert_error(other, 404, "export_not_found")

    async with httpx.AsyncClient(timeout=30) as raw:
        download = await raw.get(export["download_url"])
    assert download.status_code == 200, download.text
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        names = set(archive.namelist())
        docs = {name: json.loads(archive.read(name)) for name in names if name.endswith(".json")}
        files = {name: archive.read(name) for name in names if name.startswith("media/")}
    assert set(docs) == {
        "account.json",
        "posts.json",
        "comments.json",
        "likes.json",
        "comment_likes.json",
        "followers.json",
        "following.json",
        "close_friends.json",
        "mutes.json",
        "messages.json",
        "stories.json",
        "highlights.json",
        "saved.json",
        "followed_hashtags.json",
    }
    assert docs["account.json"]["profile"]["username"] == alice.username
    (post,) = docs["posts.json"]
    assert (post["id"], post["caption"], post["like_count"], post["comment_count"]) == (
        mine["id"],
        "sunset #beach",
        1,
        2,
    )
    assert post["created_at"] == mine["created_at"]
    (version,) = post["earlier_versions"]  # the caption before the edit
    assert version["caption"] == "first light"
    assert version["from"] <= version["until"]
    assert len(post["media"]) == 2
    assert all(item["file"] in files and files[item["file"]] for item in post["media"])
    assert [c["text"] for c in docs["comments.json"]] == ["nice one"]
    assert [item["post_id"] for item in docs["likes.json"]] == [theirs["id"]]
    saved = docs["saved.json"]
    assert [item["post_id"] for item in saved["saved"]] == [saved_first["id"], theirs["id"]]
    assert all(item["saved_at"] for item in saved["saved"])
    assert [(c["id"], c["name"], c["post_ids"]) for c in saved["collections"]] == [
        (collection_id, "Bob", [theirs["id"], saved_first["id"]])
    ]
    assert [tag["name"] for tag in docs["followed_hashtags.json"]] == ["beach", "dunes"]
    assert all(tag["followed_at"] for tag in docs["followed_hashtags.json"])
    assert [p["username"] for p in docs["followers.json"]] == [bob.username]
    assert [p["username"] for p in docs["following.json"]] == [bob.username]
    (conversation,) = docs["messages.json"]
    assert conversation["with"]["username"] == bob.username
    assert [(m["from"], m["text"]) for m in conversation["messages"]] == [
        ("me", "hi bob"),
        ("them", "hi alice"),
    ]
    (kept,) = docs["stories.json"]
    assert kept["id"] == story["id"]
    assert kept["media"]["file"] in files
    (comment_like,) = docs["comment_likes.json"]
    assert (comment_like["comment_id"], comment_like["post_id"]) == (thanks["id"], mine["id"])
    assert comment_like["liked_at"]
    assert [(m["username"], m["posts"], m["stories"]) for m in docs["mutes.json"]] == [
        (loud.username, True, False)
    ]
    assert [(f["id"], f["username"]) for f in docs["close_friends.json"]] == [
        (bob.id, bob.username)
    ]
    assert [(h["id"], h["title"], h["story_ids"]) for h in docs["highlights.json"]] == [
        (highlight["id"], "Days", [story["id"]])
    ]

    # Past its link's life the zip is removed from the store, and the link is no more.
    async with server.context.db.write() as uow:
        await uow.conn.execute(
            update(exports)
            .where(exports.c.id == int(export["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        key = (
            await uow.conn.execute(
                select(exports.c.object_key).where(exports.c.id == int(export["id"]))
            )
        ).scalar_one()
    assert await remove_expired(server.context) == 1
    assert await server.context.objects.size(key) is None
    gone = (await client.get(f"/exports/{export['id']}", headers=alice.headers)).json()["export"]
    assert gone["download_url"] is None

    # The export, imported into a fresh account, gives the same posts.
    carol = await register(client)
    job = await import_archive(client, carol, download.content)
    assert (job["status"], job["skipped"]) == ("done", 0), job
    (copy,) = await grid(client, carol, carol)
    assert copy["caption"] == "sunset #beach"
    assert copy["created_at"][:19] == mine["created_at"][:19]
    assert len(copy["media"]) == 2


@pytest.mark.parametrize(
    "settings_overrides",
    [{"import_part_bytes": 5 * MIB, "import_max_uncompressed_bytes": 64 * MIB}],
)
async def test_a_large_archive_goes_up_in_parts_where_the_store_needs_it(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    alice = await register(client)
    archive = InstagramArchive(
        posts=[Post([Medium("p.png", distinct_image(), T_2024)], caption="from a big archive")]
    ).build()
    # 12 MiB of what does not compress, beside the export's own files.
    out = io.BytesIO(archive)
    with zipfile.ZipFile(out, "a") as extra:
        extra.writestr("media/other/padding.bin", os.urandom(12 * MIB), zipfile.ZIP_STORED)
    data = out.getvalue()
    assert 12 * MIB < len(data) <= 5 * MIB * 3

    ticket = await start_upload(client, alice, data, "application/zip")
    if server.settings.s3_bucket is None:
        # The app's own upload route streams any size to disk: one PUT.
        assert ticket["upload_parts"] is None
        assert (await send_bytes(ticket, data)).status_code in (200, 204)
    else:
        parts = ticket["upload_parts"]
        assert [(p["number"], p["offset"], p["size_bytes"]) for p in parts] == [
            (1, 0, 5 * MIB),
            (2, 5 * MIB, 5 * MIB),
            (3, 10 * MIB, len(data) - 10 * MIB),
        ]
        async with httpx.AsyncClient(timeout=30) as raw:

            async def put(part: dict[str, Any]) -> None:
                body = data[part["offset"] : part["offset"] + part["size_bytes"]]
                sent = await raw.put(part["url"], content=body)
                assert sent.status_code == 200, sent.text

            for part in parts[:2]:
                await put(part)
            # Not all there: nothing to import yet, and nothing is assembled.
            early = await client.post(
                "/imports", json={"media_id": ticket["media_id"]}, headers=alice.headers
            )
            assert_error(early, 409, "upload_missing")
            await put(parts[2])

    started = await client.post(
        "/imports", json={"media_id": ticket["media_id"]}, headers=alice.headers
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["import"]["id"]
    deadline = asyncio.get_running_loop().time() + 120
    while (job := (await client.get(f"/imports/{job_id}", headers=alice.headers)).json()["import"])[
        "status"
    ] not in ("done", "failed"):
        assert asyncio.get_running_loop().time() < deadline, job
        await asyncio.sleep(0.05)
    assert (job["status"], job["total"], job["done"]) == ("done", 1, 1), job
    assert [post["caption"] for post in await grid(client, alice, alice)] == ["from a big archive"]
