"""megalodon (npm), a Node client nobody here wrote, against a `shutter serve` process on
both profiles: it registers an app and logs in by the out-of-band authorization code (the
consent given by HTTP), reads the home timeline (the same posts in the same order as
Shutter's own feed) and streams an update over the Mastodon WebSocket.

Needs node and `make browser` (which installs tests/interop/node_modules); without them
the test is skipped with a loud reason, and fails under CI=true."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from shutter.mastodon.entities import mid
from tests import services
from tests.e2e.test_serve import ServeProcess
from tests.interop.conftest import (
    WAIT_S,
    Person,
    consent,
    eventually,
    new_person,
    post_photo,
)

HERE = Path(__file__).parent
SCRIPT = HERE / "megalodon_client.mjs"


def _node() -> str:
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "no node on PATH"
    elif not (HERE / "node_modules" / "megalodon").is_dir():
        missing = "megalodon is not installed (run `make browser`)"
    if missing is not None:
        if services.IN_CI:
            pytest.fail(f"CI=true and the megalodon test cannot run: {missing}")
        pytest.skip(f"MEGALODON INTEROP TEST SKIPPED: {missing}")
    assert node is not None
    return node


def _read(stdout: IO[str], key: str) -> Any:
    """The next JSON line of the script's that carries `key` (errors fail the test)."""
    for line in stdout:
        said = json.loads(line)
        assert "error" not in said, said["error"]
        if key in said:
            return said[key]
    raise AssertionError(f"megalodon exited before saying {key}")


@pytest.fixture
def node_client(served: ServeProcess) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [_node(), str(SCRIPT), served.base_url],
        cwd=HERE,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def test_megalodon_logs_in_reads_the_home_timeline_and_streams(
    served: ServeProcess, node_client: subprocess.Popen[str]
) -> None:
    assert node_client.stdin is not None
    assert node_client.stdout is not None
    with httpx.Client(base_url=served.base_url, timeout=30) as api:
        alice, bob = new_person(api), new_person(api)
        followed = api.post(f"/api/v1/users/{alice.id}/follow", headers=bob.headers)
        assert followed.status_code == 200, followed.text
        posted = [post_photo(api, alice, f"photo {n}") for n in range(3)]
        native = _native_feed(api, bob, len(posted))

        code = consent(api, bob, _read(node_client.stdout, "authorize_url"))["code"]
        node_client.stdin.write(code + "\n")
        node_client.stdin.flush()
        assert _read(node_client.stdout, "username") == bob.username
        home = _read(node_client.stdout, "home")
        assert [status["id"] for status in home] == [mid(post_id) for post_id in native]
        assert home[0]["content"] == "<p>photo 2</p>"

        assert _read(node_client.stdout, "connected") is True
        fresh = post_photo(api, alice, "streamed to Node")
        assert _read(node_client.stdout, "update") == mid(fresh)
        assert node_client.wait(WAIT_S) == 0


def _native_feed(api: httpx.Client, reader: Person, count: int) -> list[str]:
    """The reader's home feed by Shutter's own API, once the fan-out brought `count`."""

    def feed() -> list[str] | None:
        posts = api.get("/api/v1/feed", headers=reader.headers).json()["posts"]
        return [post["id"] for post in posts] if len(posts) >= count else None

    return eventually(feed, f"{count} posts in the follower's feed")
