"""/healthz (the process is up), /readyz (every configured store answers), /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from shutter.context import AppContext
from shutter.http.deps import Context
from shutter.http.responses import json_response

router = APIRouter(tags=["operations"])

CHECK_TIMEOUT_S = 2.0
# Stores the API serves without (degraded): their failure is reported, but the process
# stays ready, or a load balancer would take every API process out during a Redis outage.
OPTIONAL_CHECKS = frozenset({"redis"})


@router.get("/healthz")
async def healthz() -> Response:
    return json_response({"status": "ok"})


@router.get("/readyz")
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
    return checks


async def _check(check: Callable[[], Awaitable[object]]) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except Exception as exc:  # readiness reports every failure instead of raising
        return f"error: {type(exc).__name__}"
    return "ok"


@router.get("/metrics")
async def metrics(context: Context) -> Response:
    registry = context.extras["metrics"].registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
