"""The figures an operator pages on, in /metrics on both profiles: fan-out lag and queue
depth, the outbox, dead letters, media jobs and uploads, the database pool, Redis errors,
WebSocket connections and the product's own figures."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shutter.events.types import PostCreated
from shutter.stores.breaker import StoreUnavailable
from tests.conftest import RunningServer
from tests.factories import create_post, follow, register
from tests.unit.test_deploy_monitoring import ALERTS, dashboard_queries

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"event_max_attempts": 1}


@pytest.fixture
async def root(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        yield http


async def scrape(root: httpx.AsyncClient) -> dict[str, float]:
    """Every sample of /metrics by its name and labels (`name{a="1",b="2"}`)."""
    response = await root.get("/metrics")
    assert response.status_code == 200
    samples = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            samples[key] = float(value)
    return samples


def sample(samples: dict[str, float], name: str, **labels: str) -> float | None:
    """The value of the one sample of `name` whose labels include `labels`."""
    found = [
        value
        for key, value in samples.items()
        if re.fullmatch(rf"{name}(\{{.*\}})?", key)
        and all(f'{label}="{value}"' in key for label, value in labels.items())
    ]
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else None


def metrics_queried() -> set[str]:
    """The Shutter metrics the dashboard and the alert rules query (histograms by name)."""
    text = " ".join(dashboard_queries()) + ALERTS.read_text()
    names = set(re.findall(r"\bshutter_[a-z0-9_]+", text))
    return {name.removesuffix("_bucket") for name in names}


async def test_an_operator_sees_events_media_users_and_stores(
    profile: str, server: RunningServer, client: httpx.AsyncClient, root: httpx.AsyncClient
) -> None:
    alice = await register(client, "alice")
    bob = await register(client, "bob")
    await follow(client, bob, alice)
    await create_post(client, alice, "hello")  # one image: one media job
    await server.settle()
    feed = await client.get("/feed", headers=bob.headers)
    assert feed.status_code == 200
    assert len(feed.json()["posts"]) == 1

    samples = await scrape(root)

    # Events: handled, their age measured, nothing waiting.
    assert (sample(samples, "shutter_events_handled_total", lane="default", outcome="ok") or 0) >= 2
    assert (sample(samples, "shutter_event_lag_seconds_count", lane="default") or 0) >= 2
    assert sample(samples, "shutter_event_queue_depth", lane="default") == 0
    assert sample(samples, "shutter_event_queue_depth", lane="media") == 0
    assert sample(samples, "shutter_outbox_pending") == 0
    assert sample(samples, "shutter_outbox_oldest_pending_seconds") == 0
    assert sample(samples, "shutter_events_dead_letters") == 0
    # Media: one job, finished, one upload that succeeded.
    assert sample(samples, "shutter_media_jobs_running") == 0
    assert sample(samples, "shutter_media_job_seconds_count", outcome="ready") == 1
    assert sample(samples, "shutter_uploads_total", outcome="succeeded") == 1
    assert sample(samples, "shutter_uploads_total", outcome="failed") is None
    # The product: two people active today, one post.
    assert sample(samples, "shutter_active_users", window="day") == 2
    assert sample(samples, "shutter_active_users", window="month") == 2
    assert sample(samples, "shutter_posts_last_day") == 1
    assert sample(samples, "shutter_stories_last_day") == 0
    # Stores: the pool is counted, nothing in use between requests; no socket open.
    capacity = sample(samples, "shutter_db_pool_capacity", db="primary")
    assert capacity is not None
    assert capacity >= 1
    assert sample(samples, "shutter_db_pool_connections", db="primary", state="in_use") is not None
    assert sample(samples, "shutter_websocket_connections") == 0
    if profile == "distributed":
        assert sample(samples, "shutter_redis_errors_total", kind="error") == 0
        assert sample(samples, "shutter_redis_circuit_open") == 0
    else:
        free = sample(samples, "shutter_disk_free_bytes", place="data_dir")
        assert free is not None
        assert free > 0
    # Every metric the dashboard and the alerts query is served (but those of parts this
    # profile has not got).
    absent = {"shutter_db_replica_"}  # no replicas configured here (tests/…/test_replicas.py)
    absent |= {"shutter_disk_"} if profile == "distributed" else {"shutter_redis_"}
    served = {re.sub(r"\{.*", "", key) for key in samples}
    for name in metrics_queried():
        if not any(name.startswith(prefix) for prefix in absent):
            assert name in served or f"{name}_count" in served, name


async def test_dead_letters_and_redis_errors_show_up(
    profile: str, server: RunningServer, client: httpx.AsyncClient, root: httpx.AsyncClient
) -> None:
    async def broken_handler(_context: Any, _event: PostCreated) -> None:
        raise RuntimeError("exploded")

    server.context.events.registry.on(PostCreated, broken_handler)
    author = await register(client)
    await create_post(client, author)
    await server.settle()

    samples = await scrape(root)

    assert sample(samples, "shutter_events_dead_letters") == 1
    assert sample(samples, "shutter_events_handled_total", outcome="dead_lettered") == 1
    if profile == "distributed":
        breaker = server.context.redis_breaker

        async def refused() -> None:
            raise ConnectionError("redis went away")

        with pytest.raises(StoreUnavailable):
            await breaker.call(refused)
        samples = await scrape(root)
        assert sample(samples, "shutter_redis_errors_total", kind="error") == 1
        assert sample(samples, "shutter_redis_circuit_open") == 1
