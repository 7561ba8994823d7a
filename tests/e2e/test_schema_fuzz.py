"""The OpenAPI schema fuzzed with schemathesis, as a signed-in user, over real HTTP
against a served Shutter, on both profiles (SQLite refuses less than PostgreSQL does: a NUL
byte in a text field was a 500 there only): no call may answer 5xx, and every 4xx must be
the error envelope. A bounded number of examples per operation keeps it to a minute or
two per profile on the reference machine."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings

from shutter.app import create_app
from shutter.settings import Settings
from tests import services
from tests.conftest import (
    PROFILES,
    SECRET,
    RunningServer,
    _forget_namespace,
    distributed_values,
)

EXAMPLES_PER_OPERATION = 10
# One served app per profile: keep each profile's operations on one test worker (make
# test), the two profiles on two workers side by side.


def _fuzzed(profile: Any) -> Any:
    """A profile of conftest's PROFILES, in a test-worker group of its own."""
    name, marks = (profile, []) if isinstance(profile, str) else (profile.values[0], profile.marks)
    group = pytest.mark.xdist_group(f"schema_fuzz_{name}")
    return pytest.param(name, marks=[*marks, group], id=name)


FUZZED_PROFILES = [_fuzzed(profile) for profile in PROFILES]


# Calls that may end the caller's session or account (sign out, sign out everywhere,
# password change, deletion...). Each is fuzzed as a throwaway account of its own: run as
# the shared user, one of them ended its session and every later call answered 401.
SESSION_ENDING = frozenset(
    {
        "POST /api/v1/auth/logout",
        "POST /api/v1/auth/password",
        "POST /api/v1/auth/email",
        "POST /api/v1/auth/mfa/totp/confirm",
        "DELETE /api/v1/sessions",
        "DELETE /api/v1/sessions/{session_id}",
        "DELETE /api/v1/users/me",
    }
)


@dataclass
class Served:
    base_url: str
    headers: dict[str, str] = field(default_factory=dict)

    def throwaway_headers(self, label: str) -> dict[str, str]:
        """A new account's credentials, for one session-ending operation."""
        name = "x" + hashlib.sha256(label.encode()).hexdigest()[:20]
        with httpx.Client(base_url=f"{self.base_url}/api/v1", timeout=30) as client:
            response = client.post(
                "/auth/register",
                json={"username": name, "email": f"{name}@example.com", "password": "fuzz pass 1"},
            )
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """Shutter served from a thread of its own for the whole module, per profile, with a
    signed-in user (and a second account, so that ids in paths can hit something)."""
    values: dict[str, object] = {
        "data_dir": Path(tmp_path_factory.mktemp("fuzz")) / "data",
        "rate_limits": "off",
        "log_level": "CRITICAL",
        "secret_key": SECRET,
    }
    if request.param == "distributed":
        values.update(distributed_values(request, "shutter-fuzz"))
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]
    started = threading.Event()
    holder: dict[str, object] = {}

    async def serve() -> None:
        server = RunningServer(settings)
        await server.start()
        stop = asyncio.Event()
        holder.update(server=server, loop=asyncio.get_running_loop(), stop=stop)
        started.set()
        await stop.wait()
        await server.stop()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(60), "the server did not start"
    server = holder["server"]
    assert isinstance(server, RunningServer)
    with httpx.Client(base_url=f"{server.base_url}/api/v1", timeout=30) as client:
        users = []
        for name in ("fuzzer", "other"):
            response = client.post(
                "/auth/register",
                json={"username": name, "email": f"{name}@example.com", "password": "fuzz pass 1"},
            )
            assert response.status_code == 201, response.text
            users.append(response.json()["access_token"])
    yield Served(server.base_url, {"Authorization": f"Bearer {users[0]}"})
    loop, stop = holder["loop"], holder["stop"]
    assert isinstance(loop, asyncio.AbstractEventLoop)
    assert isinstance(stop, asyncio.Event)
    loop.call_soon_threadsafe(stop.set)
    thread.join(60)
    if request.param == "distributed":
        _forget_namespace(str(values["namespace"]), services.REDIS_URL)


def _schema() -> schemathesis.BaseSchema:
    """The app's OpenAPI document, built without starting anything (stores open in the
    lifespan, so a throwaway data dir that is never created is enough)."""
    settings = Settings(_env_file=None, data_dir=Path("unused"), secret_key=SECRET)  # type: ignore[call-arg]
    return schemathesis.openapi.from_dict(create_app(settings).openapi())


schema = _schema()
# One pytest item per operation, with its own id (so that test workers can share them out).
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("served", FUZZED_PROFILES, indirect=True, scope="module")
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_server_errors_and_every_error_in_the_envelope(
    operation: schemathesis.APIOperation, served: Served
) -> None:
    # The Mastodon API and the OAuth endpoints answer errors as Mastodon apps and OAuth
    # clients expect them ({"error": "..."}, RFC 6749), not in Shutter's envelope; the
    # granted-apps settings of the web client ("settings") are Shutter's own API.
    tags = set(operation.definition.raw.get("tags", []))
    foreign = bool({"mastodon", "oauth"} & tags) and "settings" not in tags

    headers = served.headers
    if operation.label in SESSION_ENDING:
        headers = served.throwaway_headers(operation.label)

    @given(case=operation.as_strategy())
    @hyp_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def call(case: schemathesis.Case) -> None:
        response = case.call(base_url=served.base_url, headers=headers)
        described = (
            f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}"
        )
        assert response.status_code < 500, described
        if response.status_code >= 400:
            content_type = response.headers.get("content-type", [""])[0]
            assert content_type.startswith("application/json"), described
            body = response.json()
            if foreign:
                assert isinstance(body.get("error"), str), described
                assert body["error"], described
                return
            assert set(body) == {"error"}, described
            assert isinstance(body["error"].get("code"), str), described
            assert body["error"]["code"], described
            assert isinstance(body["error"].get("message"), str), described

    call()
