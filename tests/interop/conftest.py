"""A real `shutter serve` process for the interop tests, on both profiles, and the HTTP
steps every client's sign-in shares (an account, the consent a person gives)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from shutter.settings import Settings
from tests.e2e.test_serve import ServeProcess
from tests.factories import distinct_image
from tests.services import deployment_env

T = TypeVar("T")
WAIT_S = 60.0  # a bound for tests to fail by (on a busy machine), not a speed claim


@dataclass(frozen=True)
class Person:
    id: str
    username: str
    token: str  # Shutter's own access token, as the web client holds it

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[ServeProcess]:
    """`shutter serve` as an operator starts it, on the test's profile (the distributed
    one with its handlers in the same process, as a small deployment runs it)."""
    serve = ServeProcess(tmp_path, settings.data_dir)
    serve.env = deployment_env(
        settings,
        SHUTTER_DATA_DIR=str(settings.data_dir),
        SHUTTER_SECRET_KEY=settings.secret_key or "",
        SHUTTER_RATE_LIMITS="off",
        SHUTTER_MODERATION="off",
        SHUTTER_IN_PROCESS_WORKERS="true",
        SHUTTER_LOG_LEVEL="WARNING",
        # A client closing an idle event stream is noticed at the next heartbeat.
        SHUTTER_WS_HEARTBEAT_SECONDS="2",
    )
    serve.start()
    try:
        yield serve
    finally:
        serve.stop()


def new_person(api: httpx.Client) -> Person:
    username = f"p{uuid.uuid4().hex[:10]}"
    response = api.post(
        "/api/v1/auth/register",
        json={"username": username, "email": f"{username}@example.com", "password": "pw-" * 4},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return Person(body["user"]["id"], username, body["access_token"])


def consent(api: httpx.Client, person: Person, authorize_url: str) -> dict[str, str]:
    """What a person does on the consent page (GET it, press Allow), by HTTP: the
    answer's `redirect_to` query, or `{"code": …}` for the out-of-band URI."""
    page = api.get(authorize_url, follow_redirects=True)
    assert page.status_code == 200, page.text
    asked = {key: values[0] for key, values in parse_qs(urlsplit(authorize_url).query).items()}
    decision = api.post("/oauth/authorize", json={**asked, "approve": True}, headers=person.headers)
    assert decision.status_code == 200, decision.text
    answer: dict[str, Any] = decision.json()
    if answer.get("redirect_to"):
        query = parse_qs(urlsplit(answer["redirect_to"]).query)
        return {key: values[0] for key, values in query.items()}
    return {"code": answer["code"]}


def eventually(check: Callable[[], T | None], what: str) -> T:
    """Poll `check` until it gives a value (a condition, not a fixed sleep)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = check()
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {WAIT_S}s: {what}")


def post_photo(api: httpx.Client, author: Person, caption: str) -> str:
    """A photo post by Shutter's own API (upload, complete, post); returns its id."""
    data = distinct_image()
    ticket = api.post(
        "/api/v1/media",
        json={"content_type": "image/png", "size_bytes": len(data)},
        headers=author.headers,
    ).json()
    sent = httpx.request(
        ticket["upload_method"],
        ticket["upload_url"],
        content=data,
        headers=ticket["upload_headers"],
        timeout=30,
    )
    assert sent.status_code in (200, 204), sent.text
    media_id = ticket["media_id"]
    api.post(f"/api/v1/media/{media_id}/complete", headers=author.headers)

    def ready() -> bool | None:
        media = api.get(f"/api/v1/media/{media_id}", headers=author.headers).json()
        assert media["status"] != "failed", media
        return True if media["status"] == "ready" else None

    eventually(ready, "the upload processed")
    created = api.post(
        "/api/v1/posts", json={"media_ids": [media_id], "caption": caption}, headers=author.headers
    )
    assert created.status_code == 201, created.text
    post_id: str = created.json()["post"]["id"]
    return post_id
