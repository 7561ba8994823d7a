"""What /metrics reads from the stores when it is scraped.

Counters and histograms that code paths update as they go (requests, event lag, media
jobs) live in `observability.Metrics`. The figures here are states (queue depths, pools,
connections) and counts kept elsewhere (the Redis breaker, the replicas), read once per
scrape, each bounded by a timeout so that a store that hangs costs the scrape a missing
figure, never the scrape itself. The product's figures (active users, posts and stories
per day) are deployment-wide queries, so they are read at most once a minute.

Active users: every authenticated request marks its user as seen in this process; each
scrape moves those ids into the day's HyperLogLog in Redis (`PFADD`, about 12 KiB a day
for any number of users, kept 31 days), whose `PFCOUNT` over 1 and 30 days gives the
daily and monthly actives of the whole deployment (±0.8 %). Without Redis (embedded) the
days are exact sets in this process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import func, select

from shutter.db.tables import outbox, posts, stories
from shutter.events.runtime import DEFAULT_LANE, dead_letter_subject, durable_name, stream_name
from shutter.ids import id_timestamp_ms, smallest_id_at
from shutter.observability import Metrics, ScrapedFigures
from shutter.stores.objects import LocalObjectStore, free_bytes

if TYPE_CHECKING:
    from shutter.context import AppContext

log = structlog.get_logger("shutter.metrics")

STORE_TIMEOUT_S = 2.0
PRODUCT_EVERY_S = 60.0
ACTIVE_DAYS_KEPT = 31
MONTH_DAYS = 30


async def gather(context: AppContext, metrics: Metrics) -> None:
    """Bring the scraped figures up to date (never raises)."""
    figures = metrics.scraped
    _pools(context, figures)
    if context.db.replicas:
        await _bounded("replicas", context.db.replicas.check_all())  # measured now
    _replicas(context, figures)
    _redis(context, figures)
    _disk(context, figures)
    figures.set(
        "shutter_websocket_connections",
        "WebSocket connections open on this process",
        len(context.realtime.sockets),
    )
    await _bounded("events", _events(context, figures))
    await _bounded("active_users", _active_users(context, metrics))
    due = time.monotonic() - metrics.product_read_at >= PRODUCT_EVERY_S
    if due and await _bounded("product", _product(context, figures)):
        metrics.product_read_at = time.monotonic()


async def _bounded(name: str, work: Awaitable[None]) -> bool:
    try:
        await asyncio.wait_for(work, STORE_TIMEOUT_S)
    except Exception as exc:  # a figure missing from one scrape, not a failed scrape
        log.warning("metrics_read_failed", figures=name, error=f"{type(exc).__name__}: {exc}")
        return False
    return True


def _pools(context: AppContext, figures: ScrapedFigures) -> None:
    engines = {"primary": context.db.engine}
    for replica in context.db.replicas:
        engines[replica.name] = replica.engine
    for name, engine in engines.items():
        pool: Any = engine.pool
        if not hasattr(pool, "checkedout"):
            continue
        help_text = "Database connections of this process's pool, by state"
        in_use = pool.checkedout()
        figures.set(
            "shutter_db_pool_connections", help_text, in_use, {"db": name, "state": "in_use"}
        )
        figures.set(
            "shutter_db_pool_connections",
            help_text,
            pool.checkedin(),
            {"db": name, "state": "idle"},
        )
        capacity = pool.size() + max(getattr(pool, "_max_overflow", 0), 0)
        figures.set(
            "shutter_db_pool_capacity",
            "Most connections this process's pool may open",
            capacity,
            {"db": name},
        )


def _replicas(context: AppContext, figures: ScrapedFigures) -> None:
    for replica in context.db.replicas:
        labels = {"replica": replica.name}
        figures.set(
            "shutter_db_replica_lag_seconds",
            "Replay lag of a read replica as last measured (-1: unknown or unreachable)",
            replica.lag_s if replica.lag_s is not None else -1.0,
            labels,
        )
        figures.set(
            "shutter_db_replica_serving",
            "1 when reads go to this replica, 0 while it lags or is down",
            1.0 if replica.usable else 0.0,
            labels,
        )
        figures.set(
            "shutter_db_replica_errors_total",
            "Failed connections and lag checks of a read replica",
            replica.errors,
            labels,
            kind="counter",
        )


def _redis(context: AppContext, figures: ScrapedFigures) -> None:
    breaker = context.redis_breaker
    if breaker is None:
        return
    help_text = "Redis calls that failed (error) or were refused by the open circuit (refused)"
    figures.set("shutter_redis_errors_total", help_text, breaker.failures, {"kind": "error"})
    figures.set("shutter_redis_errors_total", help_text, breaker.refusals, {"kind": "refused"})
    figures.set(
        "shutter_redis_circuit_open",
        "1 while Redis counts as down in this process",
        1.0 if breaker.is_open else 0.0,
    )


def _disk(context: AppContext, figures: ScrapedFigures) -> None:
    places = {}
    if context.settings.is_sqlite:
        places["data_dir"] = context.settings.data_dir
    if isinstance(context.objects, LocalObjectStore):
        places["media_dir"] = context.objects.root
    for name, path in places.items():
        try:
            free = free_bytes(path)
        except OSError:
            continue
        figures.set(
            "shutter_disk_free_bytes",
            "Free space of the disk holding a local data directory",
            free,
            {"place": name},
        )
    figures.set(
        "shutter_disk_min_free_bytes",
        "The free space below which /readyz fails (SHUTTER_MIN_FREE_DISK_BYTES)",
        context.settings.min_free_disk_bytes,
    )


async def _events(context: AppContext, figures: ScrapedFigures) -> None:
    now_ms = time.time() * 1000
    async with context.db.read() as conn:
        pending = (
            await conn.execute(
                select(func.count(), func.min(outbox.c.id)).where(
                    outbox.c.published_at.is_(None) & outbox.c.dead_at.is_(None)
                )
            )
        ).one()
    figures.set(
        "shutter_outbox_pending",
        "Outbox events not yet handed on (to JetStream, or to the in-process handlers)",
        pending[0],
    )
    oldest = (now_ms - id_timestamp_ms(pending[1])) / 1000 if pending[1] is not None else 0.0
    figures.set(
        "shutter_outbox_oldest_pending_seconds",
        "Age of the oldest outbox event not yet handed on (0 when none)",
        max(oldest, 0.0),
    )
    help_text = "Events waiting for, or being handled by, a lane's consumers"
    runtime = context.events
    if context.nats is None:
        # Embedded: a lane's queue is its unpublished outbox rows.
        for lane in runtime.registry.lanes():
            topics = runtime.registry.topics_of(lane)
            condition = outbox.c.published_at.is_(None) & outbox.c.dead_at.is_(None)
            if lane == DEFAULT_LANE:
                outside = runtime.registry.outside(lane)
                if outside:
                    condition &= outbox.c.topic.not_in(sorted(outside))
            else:
                condition &= outbox.c.topic.in_(sorted(topics))
            async with context.db.read() as conn:
                depth = (await conn.execute(select(func.count()).where(condition))).scalar_one()
            figures.set("shutter_event_queue_depth", help_text, depth, {"lane": lane})
        return
    js = context.nats.jetstream()
    namespace = context.settings.namespace
    for lane in runtime.registry.lanes():
        from nats.js.errors import NotFoundError

        try:
            info = await js.consumer_info(stream_name(namespace), durable_name(lane))
        except NotFoundError:  # the lane's consumer is not created yet (no worker started)
            continue
        depth = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
        figures.set("shutter_event_queue_depth", help_text, depth, {"lane": lane})
    stream = await js.stream_info(
        stream_name(namespace), subjects_filter=dead_letter_subject(namespace, ">")
    )
    dead = sum((stream.state.subjects or {}).values())
    figures.set(
        "shutter_events_dead_letters",
        "Dead-lettered events kept for an operator (JetStream's dead-letter subjects)",
        dead,
    )


async def _active_users(context: AppContext, metrics: Metrics) -> None:
    activity = metrics.activity
    today = datetime.now(UTC).date()
    days = [(today - timedelta(days=back)).isoformat() for back in range(MONTH_DAYS)]
    seen = activity.take()
    if context.redis is None:
        activity.days.setdefault(days[0], set()).update(seen)
        for day in list(activity.days):
            if day < (today - timedelta(days=ACTIVE_DAYS_KEPT)).isoformat():
                del activity.days[day]
        daily = len(activity.days.get(days[0], ()))
        monthly = len(set().union(*(activity.days.get(day, set()) for day in days)))
    else:
        # One hash tag: every day's key on the same Redis Cluster slot, so that one PFCOUNT
        # can merge thirty of them.
        keys = [f"{{{context.settings.namespace}:active}}:{day}" for day in days]
        try:
            if seen:
                await context.redis.pfadd(keys[0], *seen)
                await context.redis.expire(keys[0], ACTIVE_DAYS_KEPT * 86_400)
            daily = int(await context.redis.pfcount(keys[0]))
            monthly = int(await context.redis.pfcount(*keys))
        except BaseException:
            activity.pending |= seen  # counted at the next scrape instead
            raise
    help_text = "Distinct users who made an authenticated request (day: today UTC; month: 30 days)"
    metrics.scraped.set("shutter_active_users", help_text, daily, {"window": "day"})
    metrics.scraped.set("shutter_active_users", help_text, monthly, {"window": "month"})


async def _product(context: AppContext, figures: ScrapedFigures) -> None:
    since = smallest_id_at(int((time.time() - 86_400) * 1000))
    async with context.db.read() as conn:
        # Ids are time-sortable: the last day is a range of the primary key.
        posted = (await conn.execute(select(func.count()).where(posts.c.id >= since))).scalar_one()
        storied = (
            await conn.execute(select(func.count()).where(stories.c.id >= since))
        ).scalar_one()
        dead = None
        if context.nats is None:
            dead = (
                await conn.execute(select(func.count()).where(outbox.c.dead_at.is_not(None)))
            ).scalar_one()
    figures.set("shutter_posts_last_day", "Posts created in the last 24 hours", posted)
    figures.set("shutter_stories_last_day", "Stories created in the last 24 hours", storied)
    if dead is not None:
        figures.set(
            "shutter_events_dead_letters",
            "Dead-lettered events kept for an operator (the outbox's dead rows)",
            dead,
        )
