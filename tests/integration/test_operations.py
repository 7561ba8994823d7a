"""What an operator relies on, on both profiles: probes, metrics, request ids, and the
error envelope on every kind of failure, including the unexpected ones."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from shutter.users import service as users_service
from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import register

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


@pytest.fixture
async def root(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the server's root, where the probes live."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        yield http


async def test_health_and_readiness_probes(
    root: httpx.AsyncClient, server: RunningServer, profile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    health = await root.get("/healthz")
    ready = await root.get("/readyz")

    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert body["profile"] == profile
    expected = {"database", "objects"} | (
        {"redis", "nats"} if profile == "distributed" else {"disk"}
    )
    assert set(body["checks"]) == expected
    assert set(body["checks"].values()) == {"ok"}

    async def unreachable() -> None:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(server.app.state.context.db, "ping", unreachable)
    down = await root.get("/readyz")
    assert down.status_code == 503
    assert down.json()["status"] == "unavailable"
    assert down.json()["checks"]["database"].startswith("error")
    assert down.json()["checks"]["objects"] == "ok"
    assert (await root.get("/healthz")).status_code == 200  # alive, just not ready


async def test_metrics_count_requests_by_route_template(
    root: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    alice = await register(client, "alice")
    for _ in range(3):
        assert (await client.get(f"/users/{alice.id}")).status_code == 200
    assert (await client.get("/users/123456789")).status_code == 404

    response = await root.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE shutter_http_requests_total counter" in text
    assert "shutter_http_request_seconds_bucket" in text

    def count(route: str, status: str) -> float:
        """The counter for a route template and status (0 if absent)."""
        pattern = r"^shutter_http_requests_total\{(.*)\} (\S+)$"  # one sample per label set
        for labels, value in re.findall(pattern, text, flags=re.MULTILINE):
            if f'route="{route}"' in labels and f'status="{status}"' in labels:
                assert 'method="GET"' in labels or 'method="POST"' in labels
                return float(value)
        return 0.0

    assert count("/api/v1/users/{user_id}", "200") == 3
    assert count("/api/v1/users/{user_id}", "404") == 1
    assert count("/api/v1/auth/register", "201") == 1
    assert alice.id not in text  # ids would give every user their own time series


async def test_garbage_collector_pauses_are_measured(
    server: RunningServer, root: httpx.AsyncClient
) -> None:
    import gc

    gc.collect(2)  # one full collection, whichever app's metrics it lands in: this one's

    text = (await root.get("/metrics")).text

    match = re.search(r'^shutter_gc_pause_seconds_count\{generation="2"\} (\S+)$', text, re.M)
    assert match is not None
    assert float(match.group(1)) >= 1


async def test_unknown_routes_wrong_methods_and_bad_json_answer_in_the_envelope(
    client: httpx.AsyncClient, root: httpx.AsyncClient
) -> None:
    """404 and 405 from the router, 400 for a body that is not JSON at all."""
    assert_error(await client.get("/no-such-thing"), 404, "not_found")
    assert_error(await client.post("/no/such/thing", json={}), 404, "not_found")
    assert_error(await root.get("/definitely-not-here"), 404, "not_found")

    wrong = await client.put("/users/me", json={})
    assert_error(wrong, 405, "method_not_allowed")
    assert "GET" in wrong.headers["allow"]
    assert_error(await client.put("/auth/login", json={}), 405, "method_not_allowed")
    assert_error(await client.get("/auth/register"), 405, "method_not_allowed")

    alice = await register(client, "alice")
    json_type = {"Content-Type": "application/json"}
    for body in (b'{"username": "bob", ', b"{'single': 'quotes'}", b"not json at all", b"\xff\xfe"):
        response = await client.post("/auth/register", content=body, headers=json_type)
        assert response.status_code == 400, (body, response.text)
        assert_error(response, 400, "malformed_json")
    edit = await client.patch("/users/me", content=b"{bio: 1}", headers=alice.headers | json_type)
    assert_error(edit, 400, "malformed_json")
    login = await client.post("/auth/login", content=b"[", headers=json_type)
    assert_error(login, 400, "malformed_json")
    assert (await client.get("/users/me", headers=alice.headers)).json()["bio"] == ""


async def test_a_nul_in_an_oauth_request_is_refused_not_a_server_error(
    client: httpx.AsyncClient, root: httpx.AsyncClient
) -> None:
    """PostgreSQL cannot store a NUL: the OAuth parameters follow the text rule too."""
    alice = await register(client, "alice")
    consent = await root.get("/oauth/authorize", params={"client_id": "\x00", "redirect_uri": "x"})
    assert_error(consent, 422, "validation_error")
    decision = await root.post(
        "/oauth/authorize",
        json={"client_id": "a\x00", "redirect_uri": "urn:ietf:wg:oauth:2.0:oob", "approve": True},
        headers=alice.headers,
    )
    assert decision.status_code == 422, decision.text
    assert decision.json()["error"] == "invalid_request"  # OAuth's shape, as on every error
    token = await root.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": "\x00"}
    )
    assert token.status_code == 422, token.text
    assert token.json()["error"] == "invalid_request"


async def test_request_ids_are_echoed_or_made_up(
    client: httpx.AsyncClient, root: httpx.AsyncClient
) -> None:
    sent = await client.get("/users/123456789", headers={"X-Request-ID": "trace-abc-123"})
    assert sent.headers["x-request-id"] == "trace-abc-123"
    ok = await root.get("/healthz", headers={"X-Request-ID": "Z9"})
    assert ok.headers["x-request-id"] == "Z9"

    made_up = {(await root.get("/healthz")).headers["x-request-id"] for _ in range(3)}
    assert len(made_up) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in made_up)
    for unsafe in ("has spaces in it", "x" * 65, "semi;colon", "new\tline"):
        replaced = (await root.get("/healthz", headers={"X-Request-ID": unsafe})).headers
        assert replaced["x-request-id"] != unsafe
        assert re.fullmatch(r"[0-9a-f]{32}", replaced["x-request-id"])
    error = await client.post("/auth/login", json={}, headers={"X-Request-ID": "failing-1"})
    assert error.status_code == 422
    assert error.headers["x-request-id"] == "failing-1"


async def test_an_unexpected_error_is_a_500_envelope_without_internals(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await register(client, "alice")

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret-internal-detail at /srv/shutter/users/service.py")

    monkeypatch.setattr(users_service, "get_profile", broken)
    response = await client.get(f"/users/{alice.id}", headers={"X-Request-ID": "boom-1"})

    error = assert_error(response, 500, "internal_error")
    assert "secret-internal-detail" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert ".py" not in error["message"]
    assert response.headers.get("x-request-id") == "boom-1"  # to find it in the logs
    monkeypatch.undo()
    assert (await client.get(f"/users/{alice.id}")).status_code == 200  # still serving


@pytest.mark.parametrize("settings_overrides", [{"min_free_disk_bytes": 2**60}])
async def test_readiness_fails_when_the_disk_is_nearly_full(
    root: httpx.AsyncClient, profile: str
) -> None:
    ready = await root.get("/readyz")

    if profile == "embedded":  # SQLite and the media files are on this machine's disk
        assert ready.status_code == 503
        reason = ready.json()["checks"]["disk"]
        assert reason.startswith("error: the data dir has")
        assert "below the floor of" in reason
    else:  # PostgreSQL and S3 keep their own disks
        assert ready.status_code == 200, ready.text
        assert "disk" not in ready.json()["checks"]


async def test_a_full_database_disk_is_a_507_envelope(
    client: httpx.AsyncClient, profile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    import asyncpg
    from sqlalchemy.exc import OperationalError

    alice = await register(client, "alice")
    if profile == "embedded":
        cause: Exception = sqlite3.OperationalError("database or disk is full")
    else:
        cause = asyncpg.exceptions.DiskFullError("could not extend file")

    async def full(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT INTO users ...", {}, cause)

    monkeypatch.setattr(users_service, "get_profile", full)
    response = await client.get(f"/users/{alice.id}")

    error = assert_error(response, 507, "insufficient_storage")
    assert "out of storage" in error["message"]
    assert "INSERT" not in response.text


async def test_every_response_says_nosniff(root: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/api/v1/users/me", "/api/v1/nowhere", "/"):
        response = await root.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
