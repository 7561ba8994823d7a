"""`shutter serve` as a user starts it: a real process, a fresh data dir, the README's flow
over HTTP, and a restart that keeps everything."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.script import ScriptDirectory
from PIL import Image

from shutter.db.migrate import alembic_config
from shutter.db.tables import metadata
from tests.integration.test_migrations import sqlite_schema

# Bounds to fail by on a busy machine, not speed claims.
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 15.0
FAN_OUT_TIMEOUT_S = 60.0
GPS_IFD = 0x8825


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServeProcess:
    """`python -m shutter.cli serve` on a free loopback port, logging into files."""

    def __init__(self, workdir: Path, data_dir: Path) -> None:
        self.workdir = workdir
        self.env = {
            **os.environ,
            "SHUTTER_DATA_DIR": str(data_dir),
            "SHUTTER_RATE_LIMITS": "off",
            # Browser tests open Explore as the same person once per viewport: leaving
            # out what was shown is tested over HTTP (test_explore_seen.py).
            "SHUTTER_EXPLORE_SEEN_DAYS": "0",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = ""
        self.log_path = workdir / "serve.log"
        self.starts = 0

    def start(self, port: int | None = None) -> None:
        """Starts the server, on `port` when given (a restart at the same address)."""
        port = port or _free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts} on port {port}\n".encode())
            log.flush()
            # cwd is the test's own directory, so no developer .env file leaks in.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "shutter.cli", "serve", "--port", str(port)],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"shutter serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"shutter serve did not answer /healthz in {START_TIMEOUT_S}s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=f"{self.base_url}/api/v1", timeout=30)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "shutter-data"


@pytest.fixture
def shutter(tmp_path: Path, data_dir: Path) -> Iterator[ServeProcess]:
    serve = ServeProcess(tmp_path, data_dir)
    try:
        yield serve
    finally:
        serve.stop()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _photo_with_gps() -> bytes:
    """A JPEG that carries a camera make and a GPS position, as phone photos do."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneCam"  # Make
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _register(api: httpx.Client, username: str, password: str) -> dict[str, Any]:
    response = api.post(
        "/auth/register",
        json={"username": username, "email": f"{username}@example.com", "password": password},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _login(api: httpx.Client, login: str, password: str) -> str:
    response = api.post("/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _upload(
    api: httpx.Client, token: str, data: bytes, content_type: str = "image/jpeg"
) -> dict[str, Any]:
    """The pre-signed flow: ticket, PUT the bytes where it says, complete."""
    ticket = api.post(
        "/media",
        json={"content_type": content_type, "size_bytes": len(data)},
        headers=_bearer(token),
    )
    assert ticket.status_code == 201, ticket.text
    upload = ticket.json()
    sent = httpx.request(
        upload["upload_method"],
        upload["upload_url"],
        content=data,
        headers=upload["upload_headers"],
        timeout=30,
    )
    assert sent.status_code in (200, 204), sent.text
    done = api.post(f"/media/{upload['media_id']}/complete", headers=_bearer(token))
    # 202 while processing; 200 when the media was processed before `complete` arrived.
    assert done.status_code in (200, 202), done.text
    deadline = time.monotonic() + FAN_OUT_TIMEOUT_S
    while (media := api.get(f"/media/{upload['media_id']}", headers=_bearer(token)).json())[
        "status"
    ] == "processing":  # a media worker makes the variants; poll as a client would
        assert time.monotonic() < deadline, media
        time.sleep(0.1)
    assert media["status"] == "ready", media
    return media


def _feed_ids(api: httpx.Client, token: str) -> list[str]:
    response = api.get("/feed", headers=_bearer(token))
    assert response.status_code == 200, response.text
    return [post["id"] for post in response.json()["posts"]]


def _wait_for_feed(api: httpx.Client, token: str, expected: list[str]) -> None:
    """Fan-out is asynchronous: poll the feed until it shows `expected`, or fail."""
    deadline = time.monotonic() + FAN_OUT_TIMEOUT_S
    while (seen := _feed_ids(api, token)) != expected:
        assert time.monotonic() < deadline, f"feed shows {seen}, expected {expected}"
        time.sleep(0.1)


def _head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_serve_runs_the_readme_flow_and_keeps_data_across_a_restart(
    shutter: ServeProcess, data_dir: Path
) -> None:
    assert not data_dir.exists()
    shutter.start()

    # First start on an empty data dir: the schema, at the newest migration, and a secret
    # kept for the next start.
    tables, revision = sqlite_schema(data_dir / "shutter.db")
    assert set(metadata.tables) <= tables
    assert revision == _head_revision()
    assert (data_dir / "secret_key").stat().st_mode & 0o077 == 0

    ready = httpx.get(f"{shutter.base_url}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    readiness = ready.json()
    assert (readiness["status"], readiness["profile"]) == ("ready", "embedded")
    assert {"database", "objects"} <= set(readiness["checks"])
    assert set(readiness["checks"].values()) == {"ok"}

    with shutter.api() as api:
        _register(api, "alice", "correct horse 1")
        _register(api, "bob", "battery staple 2")
        alice = _login(api, "alice", "correct horse 1")
        bob = _login(api, "bob@example.com", "battery staple 2")

        media = _upload(api, alice, _photo_with_gps())
        assert media["status"] == "ready"
        assert (media["width"], media["height"]) == (64, 48)

        created = api.post(
            "/posts",
            json={"media_ids": [media["id"]], "caption": "First light"},
            headers={**_bearer(alice), "Idempotency-Key": "first-post"},
        )
        assert created.status_code == 201, created.text
        post_id = created.json()["post"]["id"]

        alice_id = api.get("/users/by-username/alice").json()["id"]
        followed = api.post(f"/users/{alice_id}/follow", headers=_bearer(bob))
        assert followed.status_code == 200, followed.text
        assert followed.json() == {"status": "following"}

        feed = api.get("/feed", headers=_bearer(bob)).json()
        assert [post["id"] for post in feed["posts"]] == [post_id]
        assert feed["posts"][0]["caption"] == "First light"
        assert feed["posts"][0]["author"]["username"] == "alice"
        assert feed["next_cursor"] is None

        image = httpx.get(feed["posts"][0]["media"][0]["urls"]["original"], timeout=30)
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/jpeg"
        served = Image.open(io.BytesIO(image.content))
        assert served.size == (64, 48)
        assert not served.getexif(), "the served photo still carries EXIF (GPS, camera)"

        # A post made after the follow reaches Bob through the server's own event handling.
        second = _upload(api, alice, _photo_with_gps())
        later = api.post(
            "/posts",
            json={"media_ids": [second["id"]], "caption": "Golden hour"},
            headers=_bearer(alice),
        )
        assert later.status_code == 201, later.text
        later_id = later.json()["post"]["id"]
        _wait_for_feed(api, bob, [later_id, post_id])

    shutter.stop()
    shutter.start()  # same data dir, new process, new port

    with shutter.api() as api:
        assert api.get("/users/me", headers=_bearer(bob)).status_code == 200, (
            "a token issued before the restart stopped working (was the secret regenerated?)"
        )
        bob = _login(api, "bob", "battery staple 2")
        feed = api.get("/feed", headers=_bearer(bob)).json()
        assert [post["id"] for post in feed["posts"]] == [later_id, post_id]
        first_image = feed["posts"][1]["media"][0]["urls"]["original"]
        again = httpx.get(first_image, timeout=30)
        assert again.status_code == 200
        assert again.content == image.content

    assert httpx.get(f"{shutter.base_url}/readyz", timeout=10).status_code == 200


def test_serve_refuses_several_workers_without_shared_stores(tmp_path: Path) -> None:
    env = {**os.environ, "SHUTTER_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "shutter.cli", "serve", "--workers", "2"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--workers > 1 needs the distributed profile" in result.stderr
