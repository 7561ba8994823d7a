"""A worker SIGKILLed in the middle of an import resumes it: the same posts, once each."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.archives import InstagramArchive, Medium, Post
from tests.assertions import eventually
from tests.conftest import PROFILES, RunningServer
from tests.factories import distinct_image, register
from tests.integration.test_fanout_faults import WAIT_S, start_worker, started
from tests.integration.test_portability import grid, upload_archive

pytestmark = [pytest.mark.timeout(600), pytest.mark.usefixtures("fast_password_hashing")]
POSTS = 12


@pytest.fixture(params=PROFILES[1:])
def profile(request: pytest.FixtureRequest) -> str:
    """Worker processes exist in the distributed profile only."""
    value: str = request.param
    return value


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # A short ack wait: JetStream redelivers the interrupted import soon after the kill.
    return {"in_process_workers": False, "event_ack_wait_seconds": 2}


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
