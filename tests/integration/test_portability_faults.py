"""A worker SIGKILLed in the middle of an import, an export or an account purge, then
started again: the same end state as without the kill (the import's posts once each, one
export with a complete zip, an account with nothing left of it and exact counts)."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shutter.db.tables import exports, likes, media, users
from tests.archives import InstagramArchive, Medium, Post
from tests.assertions import eventually
from tests.conftest import PROFILES, RunningServer
from tests.factories import (
    Account,
    comment,
    create_post,
    distinct_image,
    follow,
    like,
    publish,
    register,
    upload_image,
)
from tests.factories import profile as user_profile
from tests.integration.test_account_deletion import delete_account, rows_naming
from tests.integration.test_fanout_faults import WAIT_S, start_worker, started
from tests.integration.test_portability import grid, upload_archive
from tests.services import deployment_env

pytestmark = [pytest.mark.timeout(600), pytest.mark.usefixtures("fast_password_hashing")]
POSTS = 12


@pytest.fixture(params=PROFILES[1:])
def profile(request: pytest.FixtureRequest) -> str:
    """Worker processes exist in the distributed profile only."""
    value: str = request.param
    return value


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # A short ack wait: JetStream redelivers the interrupted job soon after the kill. No
    # grace period: a deleted account is due for the purge at once.
    return {
        "in_process_workers": False,
        "event_ack_wait_seconds": 2,
        "account_deletion_grace_days": 0,
    }


def start_purging_worker(server: RunningServer, log: Path) -> subprocess.Popen[bytes]:
    """A worker whose periodic purge runs every fifth of a second."""
    env = deployment_env(
        server.settings,
        SHUTTER_EVENT_ACK_WAIT_SECONDS=str(server.settings.event_ack_wait_seconds),
        SHUTTER_ACCOUNT_PURGE_INTERVAL_SECONDS="0.2",
        SHUTTER_LOG_LEVEL="INFO",
    )
    command = [sys.executable, "-m", "shutter.cli", "worker", "--port", "0"]
    return subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def count(server: RunningServer, query: Any) -> int:
    async with server.context.db.read() as conn:
        return int((await conn.execute(query)).scalar_one())


async def progress(client: httpx.AsyncClient, headers: dict[str, str], job_id: str) -> Any:
    response = await client.get(f"/imports/{job_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["import"]


async def test_a_worker_killed_mid_import_resumes_and_imports_each_item_once(
    server: RunningServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    alice = await register(client)
    archive = InstagramArchive(
        posts=[
            Post([Medium(f"p{n}.png", distinct_image(7000 + n), 1_600_000_000 + n)], f"post {n}")
            for n in range(POSTS)
        ],
        posts_per_file=5,
    ).build()
    media_id = await upload_archive(client, alice, archive)
    log = tmp_path / "worker.log"
    worker = start_worker(server.settings, log, level="INFO")
    try:
        await started(log)
        started_job = await client.post(
            "/imports", json={"media_id": media_id}, headers=alice.headers
        )
        assert started_job.status_code == 202, started_job.text
        job_id = started_job.json()["import"]["id"]

        deadline = asyncio.get_running_loop().time() + WAIT_S
        while (await progress(client, alice.headers, job_id))["done"] < 2:
            assert asyncio.get_running_loop().time() < deadline, "the import never started"
            await asyncio.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        at_kill = await progress(client, alice.headers, job_id)
        assert at_kill["status"] == "running"
        assert 2 <= at_kill["done"] < POSTS, f"the kill was not mid import: {at_kill}"

        worker = start_worker(server.settings, log, level="INFO")

        async def finished() -> bool:
            return (await progress(client, alice.headers, job_id))["status"] == "done"

        await eventually(finished, WAIT_S)
        job = await progress(client, alice.headers, job_id)
        assert (job["total"], job["done"], job["skipped"], job["duplicates"]) == (
            POSTS,
            POSTS,
            0,
            0,
        )
        posts = await grid(client, alice, alice)
        assert [post["caption"] for post in posts] == [f"post {n}" for n in reversed(range(POSTS))]
        me = (await client.get("/users/me", headers=alice.headers)).json()
        assert me["post_count"] == POSTS
    finally:
        worker.kill()
        worker.wait()


async def posts_with_photos(client: httpx.AsyncClient, account: Account, n: int) -> list[str]:
    """n posts of one distinct photo each (distinct bytes: no object is shared)."""
    post_ids = []
    for k in range(n):
        photo = await upload_image(client, account, distinct_image(), "image/png")
        made = await publish(client, account, [photo], f"photo {k}")
        assert made.status_code == 201, made.text
        post_ids.append(made.json()["post"]["id"])
    return post_ids


async def test_a_worker_killed_mid_export_builds_it_again_into_one_complete_zip(
    server: RunningServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    photos = 30
    log = tmp_path / "worker.log"
    worker = start_worker(server.settings, log, level="INFO")
    try:
        await started(log)
        alice = await register(client)
        post_ids = await posts_with_photos(client, alice, photos)
        started_job = await client.post("/exports", headers=alice.headers)
        assert started_job.status_code == 202, started_job.text
        export_id = started_job.json()["export"]["id"]

        async def state() -> Any:
            response = await client.get(f"/exports/{export_id}", headers=alice.headers)
            assert response.status_code == 200, response.text
            return response.json()["export"]

        # Killed once the files are being written into the zip.
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while (await state())["total"] == 0:
            assert asyncio.get_running_loop().time() < deadline, "the export never started"
            await asyncio.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        at_kill = await state()
        assert at_kill["status"] == "running", f"the kill was not mid export: {at_kill}"
        assert at_kill["download_url"] is None

        worker = start_worker(server.settings, log, level="INFO")

        async def finished() -> bool:
            return (await state())["status"] == "done"

        await eventually(finished, WAIT_S)
        export = await state()
        assert export["done"] == export["total"]
        owned = select(func.count()).select_from(exports).where(exports.c.user_id == int(alice.id))
        assert await count(server, owned) == 1
        async with httpx.AsyncClient(timeout=30) as raw:
            download = await raw.get(export["download_url"])
        assert download.status_code == 200, download.text
        with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
            assert archive.testzip() is None  # every entry whole
            names = archive.namelist()
            shipped = json.loads(archive.read("posts.json"))
        assert len(names) == len(set(names))
        assert sorted(post["id"] for post in shipped) == sorted(post_ids)
        files = [name for name in names if name.startswith("media/")]
        assert sorted(files) == sorted(m["file"] for post in shipped for m in post["media"])
        assert len(files) == photos
    finally:
        worker.kill()
        worker.wait()


async def test_a_worker_killed_mid_purge_finishes_it_when_started_again(
    server: RunningServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    worker = start_purging_worker(server, log)
    try:
        await started(log)
        alice, bob = await register(client), await register(client)
        await follow(client, alice, bob)
        await follow(client, bob, alice)
        own = await posts_with_photos(client, alice, 12)
        theirs = await create_post(client, bob, caption="stays")
        await like(client, alice, theirs["id"])
        await like(client, bob, own[0])
        await comment(client, alice, theirs["id"], "soon gone")
        await comment(client, bob, theirs["id"], "stays too")
        async with server.context.db.read() as conn:
            rows = await conn.execute(select(media).where(media.c.owner_id == int(alice.id)))
            keys = [
                key
                for row in rows.mappings()
                for key in (row["upload_key"], row["original_key"], row["poster_key"])
                if key
            ]
        assert len(keys) >= 24
        assert (await delete_account(client, alice, alice.password)).status_code == 202

        # The purge deletes the account's likes early and its users row last: killed in
        # between, the account is half purged.
        her_likes = select(func.count()).select_from(likes).where(likes.c.user_id == int(alice.id))
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while await count(server, her_likes) > 0:
            assert asyncio.get_running_loop().time() < deadline, "the purge never started"
            await asyncio.sleep(0.002)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        her_row = select(func.count()).select_from(users).where(users.c.id == int(alice.id))
        assert await count(server, her_row) == 1, "the kill was not mid purge"
        assert await rows_naming(server, int(alice.id)) != []

        worker = start_purging_worker(server, log)

        async def purged() -> bool:
            return await count(server, her_row) == 0

        await eventually(purged, WAIT_S)
        assert await rows_naming(server, int(alice.id)) == []
        for key in keys:
            assert await server.context.objects.size(key) is None, key
        assert server.context.redis is not None
        named = [
            key async for key in server.context.redis.scan_iter(match=f"*{alice.id}*", count=1000)
        ]
        assert named == []
        bob_now = await user_profile(client, bob)
        assert (bob_now["follower_count"], bob_now["following_count"]) == (0, 0)
        post = (await client.get(f"/posts/{theirs['id']}", headers=bob.headers)).json()["post"]
        assert (post["like_count"], post["comment_count"]) == (0, 1)
    finally:
        worker.kill()
        worker.wait()
