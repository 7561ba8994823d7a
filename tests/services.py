"""The real services the distributed profile is tested against, and whether they answer.

Under CI=true a missing service fails the run; elsewhere the distributed profile is
skipped and the summary says so loudly.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

POSTGRES_URL = os.environ.get(
    "SHUTTER_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("SHUTTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NATS_URL = os.environ.get("SHUTTER_TEST_NATS_URL", "nats://127.0.0.1:4222")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@dataclass
class ServiceStatus:
    missing: dict[str, str] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return not self.missing


def _reachable(url: str, default_port: int) -> str | None:
    parsed = urlparse(url.replace("+asyncpg", ""))
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as exc:
        return f"{host}:{port} unreachable ({exc.strerror or exc})"


async def _postgres_answers() -> str | None:
    import asyncpg

    try:
        conn = await asyncpg.connect(POSTGRES_URL.replace("+asyncpg", ""), timeout=5)
    except Exception as exc:
        return f"PostgreSQL refused: {exc}"
    await conn.close()
    return None


@functools.cache  # asked at import by conftest and by a few test modules: probed once
def probe() -> ServiceStatus:
    status = ServiceStatus()
    for name, url, port in (
        ("postgresql", POSTGRES_URL, 5432),
        ("redis", REDIS_URL, 6379),
        ("nats", NATS_URL, 4222),
    ):
        problem = _reachable(url, port)
        if problem:
            status.missing[name] = problem
    if "postgresql" not in status.missing:
        problem = asyncio.run(_postgres_answers())
        if problem:
            status.missing["postgresql"] = problem
    for binary in ("redis-server", "redis-cli"):
        if shutil.which(binary) is None:
            status.missing[binary] = "not installed (the Redis Cluster suite starts its own nodes)"
    try:
        import moto.server  # noqa: F401 - the S3-speaking server the tests start
    except ImportError as exc:
        status.missing["s3 (moto server)"] = str(exc)
    return status


def deployment_env(settings: Any, **extra: str) -> dict[str, str]:
    """The environment of another process (`shutter worker`, a second `shutter serve`) of
    the same distributed deployment as `settings`, plus `extra` SHUTTER_* variables."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHUTTER_")}
    shared = {
        "SHUTTER_DATABASE_URL": settings.database_url,
        "SHUTTER_REDIS_URL": settings.redis_url,
        "SHUTTER_NATS_URL": settings.nats_url,
        "SHUTTER_S3_BUCKET": settings.s3_bucket,
        "SHUTTER_S3_ENDPOINT_URL": settings.s3_endpoint_url,
        "SHUTTER_SECRET_KEY": settings.secret_key,
        "SHUTTER_NAMESPACE": settings.namespace,
    }
    env.update({name: str(value) for name, value in shared.items() if value is not None})
    env.update(extra)
    return env
