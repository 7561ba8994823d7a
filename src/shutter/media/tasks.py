"""Media workers: the `media.uploaded` handler, and the lifecycle job that runs now and then
in every process that runs handlers (`shutter worker`; `shutter serve` in the embedded
profile).

The handler is idempotent: it acts only on media still `processing`, and its files are
content-addressed, so a redelivered event rewrites the same objects or does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from contextlib import AsyncExitStack

import structlog

from shutter.context import AppContext
from shutter.events.runtime import MEDIA_LANE, HandlerRegistry
from shutter.events.types import MediaUploaded
from shutter.media import repository, service

log = structlog.get_logger("shutter.media")


async def on_media_uploaded(context: AppContext, event: MediaUploaded) -> None:
    media_id = event.media_id
    metrics = context.metrics
    started = time.perf_counter()
    metrics.media_jobs_running.inc()
    outcome = "error"  # raised: the event is retried
    try:
        await service.process_media(context, media_id)
        async with context.db.read() as conn:
            row = await repository.get(conn, media_id)
        outcome = row["status"] if row is not None else "gone"
    finally:
        metrics.media_jobs_running.dec()
        metrics.media_job_seconds.labels(outcome).observe(time.perf_counter() - started)
    if outcome in ("ready", "failed"):
        metrics.uploads.labels("succeeded" if outcome == "ready" else "failed").inc()


def register(registry: HandlerRegistry[AppContext]) -> None:
    # A lane of its own: a video may take minutes, and fan-out must not wait behind it.
    registry.on(MediaUploaded, on_media_uploaded, lane=MEDIA_LANE)


async def _collect_periodically(context: AppContext) -> None:
    interval = context.settings.media_gc_interval_seconds
    while True:
        try:
            await service.collect_garbage(context)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("media_gc_failed")
        await asyncio.sleep(interval)


async def start_lifecycle_job(context: AppContext, stack: AsyncExitStack) -> None:
    """Run the media lifecycle job every SHUTTER_MEDIA_GC_INTERVAL_SECONDS until the stack
    closes (first run right away)."""
    task = asyncio.create_task(_collect_periodically(context), name="media-lifecycle")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    stack.push_async_callback(stop)
