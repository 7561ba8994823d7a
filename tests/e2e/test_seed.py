"""`shutter seed` fills a fresh data dir with demo accounts that a person can log in as."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from shutter.settings import Settings
from tests.conftest import SECRET, RunningServer


def test_seeded_demo_accounts_have_a_feed_with_photos(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHUTTER_")}
    env.update(SHUTTER_DATA_DIR=str(data_dir), SHUTTER_SECRET_KEY=SECRET)
    seeded = subprocess.run(
        [sys.executable, "-m", "shutter.cli", "seed", "--users", "4", "--posts", "2"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr.decode()
    assert b"seeded 4 accounts" in seeded.stdout + seeded.stderr

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=data_dir, secret_key=SECRET, log_level="WARNING"
    )
    # On a loop of its own, in a thread: a browser test run before this one in the same
    # process leaves Playwright's (sync API) loop running on the main thread.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, _demo1_logs_in_and_reads_the_feed(settings)).result()


async def _demo1_logs_in_and_reads_the_feed(settings: Settings) -> None:
    server = RunningServer(settings)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"{server.base_url}/api/v1") as client:
            login = await client.post(
                "/auth/login", json={"login": "demo1", "password": "shutter-demo"}
            )
            assert login.status_code == 200
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            me = (await client.get("/users/me", headers=headers)).json()
            assert me["post_count"] == 2
            assert me["following_count"] >= 3
            feed = (await client.get("/feed", headers=headers)).json()["posts"]
            authors = {post["author"]["username"] for post in feed}
            assert "demo1" in authors
            assert len(authors) > 1  # followed demo accounts' posts too
            photo = await client.get(feed[0]["media"][0]["urls"]["original"])
            assert photo.status_code == 200
            assert photo.headers["content-type"] == "image/jpeg"
    finally:
        await server.stop()
