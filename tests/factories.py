"""Factories for test objects, driven through the public HTTP API."""

from __future__ import annotations

import asyncio
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
    """Upload and complete an image (or video), wait for processing; returns the ready
    media id."""
    data = data if data is not None else image_bytes()
    ticket = await start_upload(client, account, data, content_type)
    sent = await send_bytes(ticket, data)
    assert sent.status_code in (200, 204), sent.text
    done = await client.post(f"/media/{ticket['media_id']}/complete", headers=account.headers)
    # 202 processing, or 200 when a worker was quicker than the answer.
    assert (done.status_code, done.json()["status"]) in ((202, "processing"), (200, "ready")), (
        done.text
    )
    media = await processed(client, account, ticket["media_id"])
    assert media["status"] == "ready", media
    media_id: str = ticket["media_id"]
    return media_id


async def processed(
    client: httpx.AsyncClient, account: Account, media_id: str, timeout_s: float = 120
) -> dict[str, Any]:
    """Poll GET /media/{id} (as a client would) until processing has finished; returns
    the media object, `ready` or `failed`."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        response = await client.get(f"/media/{media_id}", headers=account.headers)
        assert response.status_code == 200, response.text
        media: dict[str, Any] = response.json()
        if media["status"] not in ("pending", "processing"):
            return media
        assert asyncio.get_running_loop().time() < deadline, f"still {media['status']}"
        await asyncio.sleep(0.02)


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


async def many_accounts(server: Any, count: int, prefix: str | None = None) -> list[Account]:
    """`count` accounts written straight to the database (registering each over HTTP
    would spend most of a test hashing passwords); their tokens work like real ones."""
    from shutter.db.tables import users
    from shutter.timeutil import utcnow

    context = server.context
    prefix = prefix or f"crowd{next(_counter)}x"
    now = utcnow()
    rows = [
        {
            "id": context.ids.next_id(),
            "username": f"{prefix}{index}",
            "email": f"{prefix}{index}@example.com",
            "password_hash": "not-a-hash",
            "created_at": now,
            "updated_at": now,
        }
        for index in range(count)
    ]
    async with context.db.write() as uow:
        await uow.conn.execute(users.insert(), rows)
    return [
        Account(
            str(row["id"]), row["username"], row["email"], "", context.tokens.issue(row["id"], 0)
        )
        for row in rows
    ]


async def many_likes(server: Any, post_id: str, accounts: list[Account]) -> None:
    """Likes of `post_id` by every one of `accounts`, written straight to the database in
    one transaction, with the post's like_count moved as the use case moves it (liking
    over HTTP, a request each, would spend most of a test on requests it is not about)."""
    from shutter.db.tables import likes
    from shutter.posts.counters import add_to_post_counter
    from shutter.timeutil import utcnow

    context = server.context
    now = utcnow()
    rows = [
        {
            "id": context.ids.next_id(),
            "post_id": int(post_id),
            "user_id": int(account.id),
            "created_at": now,
        }
        for account in accounts
    ]
    async with context.db.write() as uow:
        await uow.conn.execute(likes.insert(), rows)
        await add_to_post_counter(uow.conn, int(post_id), "like_count", len(rows))


async def comment(
    client: httpx.AsyncClient,
    account: Account,
    post_id: str,
    text: str,
    parent_id: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text}
    if parent_id is not None:
        body["parent_id"] = parent_id
    response = await client.post(f"/posts/{post_id}/comments", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()["comment"]
    return created


async def like(client: httpx.AsyncClient, account: Account, post_id: str) -> dict[str, Any]:
    response = await client.post(f"/posts/{post_id}/like", headers=account.headers)
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


# -- stories and blocks ----------------------------------------------------------------------


def distinct_image(seed: int | None = None) -> bytes:
    """A small PNG whose bytes no other call makes (originals are content-addressed, so
    two equal images share one stored object)."""
    n = seed if seed is not None else next(_counter)
    return image_bytes((8 + n % 50, 8 + n // 50 % 50), "PNG", color=(n % 256, n // 256 % 256, 7))


async def post_story(
    client: httpx.AsyncClient,
    account: Account,
    media_id: str | None = None,
    audience: str = "everyone",
) -> dict[str, Any]:
    """Post a story (of a fresh, distinct image unless `media_id` is given); returns it."""
    if media_id is None:
        media_id = await upload_image(client, account, distinct_image(), "image/png")
    body = {"media_id": media_id, "audience": audience}
    response = await client.post("/stories", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    story: dict[str, Any] = response.json()["story"]
    return story


async def block_row(context: Any, blocker: Account, blocked: Account) -> None:
    """`blocker` blocks `blocked` by writing the row straight into the table the visibility
    rule reads, leaving follows in place: the block is then the only thing hiding the two
    from each other (the blocks API would also remove the follows)."""
    from shutter.db.tables import blocks
    from shutter.timeutil import utcnow

    async with context.db.write() as uow:
        await uow.conn.execute(
            blocks.insert().values(
                blocker_id=int(blocker.id),
                blocked_id=int(blocked.id),
                id=context.ids.next_id(),
                created_at=utcnow(),
            )
        )


# -- media fixtures made here (no binaries in git) --------------------------------------------


def swapped_primaries_icc() -> bytes:
    """A tiny ICC v2 RGB display profile whose red and blue primaries are swapped: a pixel
    stored as pure red *means* pure blue. A pipeline that honours profiles shows it blue."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + b"\0" * 4 + s15(x) + s15(y) + s15(z)

    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    text = b"swapped\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text)) + text + b"\0" * 8 + b"\0" * 70
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.1431, 0.0606, 0.7141)),  # sRGB's blue primary (D50)
        (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.4361, 0.2225, 0.0139)),  # sRGB's red primary
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text" + b"\0" * 4 + b"none\0\0\0\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0" * 4
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def video_bytes(
    container: str = "mp4",
    *,
    size: tuple[int, int] = (96, 64),
    seconds: float = 1.0,
    rate: int = 12,
    rotation: int = 0,
    audio: bool = True,
    codec: str = "libx264",
    colour_at: Callable[[float], tuple[int, int, int]] | None = None,
) -> bytes:
    """A short synthetic video made with PyAV: a frame whose top half is white and bottom
    half dark (so that an upright copy can be told from a turned one), or all of the
    colour `colour_at(seconds)`, optional mono audio, and optionally a phone's
    display-rotation matrix (counter-clockwise degrees)."""
    import av

    out = io.BytesIO()
    with av.open(out, "w", format=container) as sink:
        video = sink.add_stream(codec, rate=rate)
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        if rotation:
            video.set_display_rotation(rotation)
        sound = None
        if audio:
            sound = sink.add_stream("aac" if container != "webm" else "libopus", rate=48_000)
            sound.layout = "mono"
        for index in range(int(seconds * rate)):
            if colour_at is not None:
                picture = Image.new("RGB", size, colour_at(index / rate))
            else:
                picture = Image.new("RGB", size, (30, 30 + index % 50, 60))
                picture.paste((255, 255, 255), (0, 0, size[0], size[1] // 2))
            sink.mux(video.encode(av.VideoFrame.from_image(picture)))
        sink.mux(video.encode(None))
        if sound is not None:
            samples = int(seconds * 48_000)
            for start in range(0, samples, 960):
                frame = av.AudioFrame(format="fltp", layout="mono", samples=960)
                frame.planes[0].update(bytes(4 * 960))
                frame.sample_rate, frame.pts = 48_000, start
                sink.mux(sound.encode(frame))
            sink.mux(sound.encode(None))
    return out.getvalue()


# -- privacy and safety ----------------------------------------------------------------------


async def approve(client: httpx.AsyncClient, owner: Account, requester: Account) -> None:
    response = await client.post(f"/follow-requests/{requester.id}/approve", headers=owner.headers)
    assert response.status_code == 204, response.text


async def block(client: httpx.AsyncClient, blocker: Account, blocked: Account) -> None:
    response = await client.post(f"/users/{blocked.id}/block", headers=blocker.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "blocked"}


async def unblock(client: httpx.AsyncClient, blocker: Account, blocked: Account) -> None:
    response = await client.delete(f"/users/{blocked.id}/block", headers=blocker.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "none"}


def lying_webm(
    *, frames: int, step_ms: int, claimed_rate: int, claimed_duration_s: float | None = None
) -> bytes:
    """A tiny (32x32, VP8) WebM whose frames are `step_ms` apart while its header claims
    `claimed_rate` frames a second (and, if given, a total length of `claimed_duration_s`):
    what an attacker sends to get more work done than the header admits."""
    import struct
    from fractions import Fraction

    import av

    out = io.BytesIO()
    with av.open(out, "w", format="webm") as sink:
        video = sink.add_stream("libvpx", rate=claimed_rate)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        video.codec_context.time_base = Fraction(1, 1000)
        for index in range(frames):
            frame = av.VideoFrame.from_image(Image.new("RGB", (32, 32), (index % 256, 0, 0)))
            frame.pts, frame.time_base = index * step_ms, Fraction(1, 1000)
            sink.mux(video.encode(frame))
        sink.mux(video.encode(None))
    data = out.getvalue()
    if claimed_duration_s is not None:
        # The Segment's Duration element (id 0x4489, an 8-byte float of milliseconds).
        at = data.index(b"\x44\x89\x88") + 3
        data = data[:at] + struct.pack(">d", claimed_duration_s * 1000) + data[at + 8 :]
    return data


async def mute(
    client: httpx.AsyncClient,
    muter: Account,
    muted: Account,
    *,
    posts: bool = True,
    stories: bool = True,
) -> dict[str, Any]:
    response = await client.post(
        f"/users/{muted.id}/mute", json={"posts": posts, "stories": stories}, headers=muter.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def unmute(client: httpx.AsyncClient, muter: Account, muted: Account) -> None:
    response = await client.delete(f"/users/{muted.id}/mute", headers=muter.headers)
    assert response.status_code == 200, response.text


async def set_close_friends(
    client: httpx.AsyncClient, owner: Account, friends: list[Account]
) -> None:
    body = {"user_ids": [friend.id for friend in friends]}
    response = await client.put("/users/me/close-friends", json=body, headers=owner.headers)
    assert response.status_code == 200, response.text


# -- reels -----------------------------------------------------------------------------------


async def post_reel(client: httpx.AsyncClient, account: Account, caption: str = "") -> str:
    """Publish a video post (a reel) made of a tiny silent clip; returns the post id."""
    clip = video_bytes(size=(32, 32), seconds=0.5, rate=8, audio=False)
    media_id = await upload_image(client, account, clip, "video/mp4")
    response = await publish(client, account, [media_id], caption)
    assert response.status_code == 201, response.text
    post_id: str = response.json()["post"]["id"]
    return post_id
