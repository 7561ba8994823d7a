"""/healthz (the process is up), /readyz (every configured store answers), /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from starlette.responses import Response

from shutter import scrape
from shutter.context import AppContext
from shutter.http.deps import Context
from shutter.http.responses import json_response
from shutter.stores.objects import LocalObjectStore, free_bytes

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str = Field(description="always ok: the process answers")


class Readiness(BaseModel):
    status: str = Field(description="ready, degraded (Redis down: still 200) or unavailable (503)")
    profile: str
    checks: dict[str, str] = Field(description="each store's answer: ok, or why not")


CHECK_TIMEOUT_S = 2.0
MIB = 1024 * 1024
# Stores the API serves without (degraded): their failure is reported, but the process
# stays ready, or a load balancer would take every API process out during a Redis outage.
OPTIONAL_CHECKS = frozenset({"redis"})


class NotReady(Exception):
    """A check's reason for not being ready, reported as it is."""


@router.get("/healthz", response_model=Health)
async def healthz() -> Response:
    return json_response({"status": "ok"})


@router.get("/readyz", response_model=Readiness)
async def readyz(context: Context) -> Response:
    """Ready when every store this profile needs answers within two seconds; `degraded`
    (still 200) when only Redis does not."""
    results = await asyncio.gather(*(_check(check) for check in _checks(context).values()))
    checks = dict(zip(_checks(context), results, strict=True))
    ready = all(result == "ok" for name, result in checks.items() if name not in OPTIONAL_CHECKS)
    complete = all(result == "ok" for result in checks.values())
    body = {
        "status": "unavailable" if not ready else "ready" if complete else "degraded",
        "profile": context.settings.profile,
        "checks": checks,
    }
    return json_response(body, 200 if ready else 503)


def _checks(context: AppContext) -> dict[str, Callable[[], Awaitable[object]]]:
    checks: dict[str, Callable[[], Awaitable[object]]] = {
        "database": context.db.ping,
        "objects": context.objects.ping,
    }
    if context.redis is not None:
        checks["redis"] = context.redis.ping
    if context.nats is not None:
        nats = context.nats
        checks["nats"] = nats.flush
    if context.settings.is_sqlite or isinstance(context.objects, LocalObjectStore):

        async def disk() -> None:
            _check_free_space(context)

        checks["disk"] = disk
    return checks


def _check_free_space(context: AppContext) -> None:
    """Raise NotReady when the disk of the SQLite file or of the local media directory has
    less free space than SHUTTER_MIN_FREE_DISK_BYTES: writes would soon fail."""
    settings = context.settings
    places = {}
    if settings.is_sqlite:
        places["data dir"] = settings.data_dir
    if isinstance(context.objects, LocalObjectStore):
        places["media dir"] = context.objects.root
    floor = settings.min_free_disk_bytes
    for name, path in places.items():
        free = free_bytes(path)
        if free < floor:
            raise NotReady(
                f"the {name} has {free // MIB} MiB free, below the floor of {floor // MIB} MiB"
            )


async def _check(check: Callable[[], Awaitable[object]]) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except NotReady as exc:
        return f"error: {exc}"
    except Exception as exc:  # readiness reports every failure instead of raising
        return f"error: {type(exc).__name__}"
    return "ok"


@router.get(
    "/metrics",
    response_class=Response,  # not JSON: the OpenAPI schema says text/plain, no model
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus exposition"}},
)
async def metrics(context: Context) -> Response:
    await scrape.gather(context, context.metrics)
    registry = context.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
