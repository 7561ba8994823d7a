"""Bounded media work on both profiles: a video that would cost too much is refused with a
clear reason, a job past its wall-clock limit is killed and fails, media work has a lane of
its own (fan-out and notifications never wait behind it), and uploads are rate-limited by
count and by bytes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from shutter.media import pool
from tests.assertions import assert_error, eventually
from tests.conftest import RunningServer
from tests.factories import (
    complete_upload,
    follow,
    image_bytes,
    lying_webm,
    processed,
    register,
    send_bytes,
    start_upload,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def failed_media(
    client: httpx.AsyncClient, account: Any, data: bytes, content_type: str
) -> dict[str, Any]:
    ticket = await start_upload(client, account, data, content_type)
    assert (await send_bytes(ticket, data)).status_code in (200, 204)
    assert (await complete_upload(client, account, ticket["media_id"])).status_code == 202
    media = await processed(client, account, ticket["media_id"], timeout_s=60)
    assert media["status"] == "failed", media
    return media


async def test_a_small_video_at_a_thousand_frames_a_second_is_refused_with_a_reason(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    # 1,000 fps behind a header that says 30: caught by counting decoded frames.
    fast = lying_webm(frames=300, step_ms=1, claimed_rate=30)

    media = await failed_media(client, alice, fast, "video/webm")

    assert media["error"]["code"] == "frame_rate_too_high"
    assert "120 frames a second" in media["error"]["message"]


@pytest.mark.parametrize("settings_overrides", [{"media_job_timeout_seconds": 0.001}])
async def test_a_job_past_its_wall_clock_limit_is_killed_and_the_media_fails(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "KILL_GRACE_S", 0.0)  # no grace: the kill itself is tested
    alice = await register(client)
    before = await pool.call(1, pool.os.getpid, timeout_s=60)

    # Big enough that no machine decodes and re-encodes it within the 1 ms limit (a 64×48
    # photo sometimes finished in time on a quiet machine: the test then saw it ready).
    photo = image_bytes((1600, 1200))
    media = await failed_media(client, alice, photo, "image/jpeg")

    assert media["error"]["code"] == "processing_timeout"
    assert "0.001 s" in media["error"]["message"]
    after = await pool.call(1, pool.os.getpid, timeout_s=60)
    assert after != before  # the worker that overran was replaced


async def test_notifications_are_delivered_while_a_media_job_is_stuck(
    client: httpx.AsyncClient, server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shutter.media import service

    release = asyncio.Event()
    started = asyncio.Event()

    async def stuck_processing(_context: Any, _media_id: int) -> None:
        started.set()
        await release.wait()

    monkeypatch.setattr(service, "process_media", stuck_processing)
    alice, bob = await register(client), await register(client)
    data = image_bytes((40, 30))
    ticket = await start_upload(client, alice, data)
    await send_bytes(ticket, data)
    await complete_upload(client, alice, ticket["media_id"])
    try:
        await asyncio.wait_for(started.wait(), 30)

        await follow(client, bob, alice)

        async def told() -> bool:
            inbox = await client.get("/notifications", headers=alice.headers)
            return any(item["type"] == "follow" for item in inbox.json()["notifications"])

        await eventually(told, timeout_s=20)
        assert not release.is_set()  # the media job was stuck all along
    finally:
        release.set()


@pytest.mark.parametrize(
    "settings_overrides",
    [{"rate_limits": "on", "rate_limit_uploads": "4/hour", "upload_bytes_per_hour": 5 * 2**20}],
)
async def test_upload_tickets_are_limited_by_count_and_by_bytes(
    client: httpx.AsyncClient,
) -> None:
    alice, bob = await register(client), await register(client)

    async def ticket(account: Any, size: int) -> httpx.Response:
        body = {"content_type": "video/mp4", "size_bytes": size}
        return await client.post("/media", json=body, headers=account.headers)

    assert (await ticket(alice, 2 * 2**20)).status_code == 201
    assert (await ticket(alice, 2 * 2**20)).status_code == 201
    over_budget = await ticket(alice, 2 * 2**20)  # 6 MiB announced in the hour: too many
    assert_error(over_budget, 429, "rate_limited")
    assert 1 <= int(over_budget.headers["Retry-After"]) <= 3600
    assert "MiB" in over_budget.json()["error"]["message"]
    assert (await ticket(alice, 1000)).status_code == 201  # what is left still fits
    too_many = await ticket(alice, 1000)  # the fifth ticket in the hour (refusals count)
    assert_error(too_many, 429, "rate_limited")
    assert 1 <= int(too_many.headers["Retry-After"]) <= 3600
    assert (await ticket(bob, 2 * 2**20)).status_code == 201  # per user
