"""create_app(settings): the one place where Shutter's parts are wired together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI

from shutter import __doc__ as description
from shutter.auth import api as auth_api
from shutter.auth.passwords import PasswordChecks
from shutter.auth.tokens import TokenIssuer
from shutter.blocks import api as blocks_api
from shutter.context import AppContext
from shutter.db.database import Database
from shutter.db.migrate import is_at_head, upgrade_to_head
from shutter.events.periodic import Scheduler
from shutter.events.runtime import (
    HandlerRegistry,
    JetStreamConsumer,
    OutboxDrain,
    OutboxRelay,
    ensure_stream,
)
from shutter.explore import api as explore_api
from shutter.feed import api as feed_api
from shutter.feed import tasks as feed_tasks
from shutter.feed.degraded import DegradedReads
from shutter.follows import api as follows_api
from shutter.follows import requests_api
from shutter.http import ops
from shutter.http.errors import install_error_handlers
from shutter.http.headers import SecurityHeadersMiddleware
from shutter.http.limits import RequestLimitsMiddleware
from shutter.ids import MAX_NODE, IdGenerator
from shutter.media import api as media_api
from shutter.media import pool as media_pool
from shutter.media import tasks as media_tasks
from shutter.messages import api as messages_api
from shutter.notifications import api as notifications_api
from shutter.notifications import tasks as notifications_tasks
from shutter.observability import (
    Metrics,
    RequestContextMiddleware,
    configure_logging,
    freeze_startup_heap,
)
from shutter.portability import api as portability_api
from shutter.portability import tasks as portability_tasks
from shutter.posts import api as posts_api
from shutter.realtime import api as realtime_api
from shutter.realtime.bus import NatsBus, RedisBus
from shutter.search import api as search_api
from shutter.settings import Settings
from shutter.social import api as social_api
from shutter.social import tasks as social_tasks
from shutter.stores.breaker import CircuitBreaker
from shutter.stores.objects import LocalObjectStore, ObjectStore, S3ObjectStore
from shutter.stores.ratelimits import RateLimiter, parse_limits
from shutter.stores.timelines import (
    GuardedTimelineStore,
    MemoryTimelineStore,
    RedisTimelineStore,
    TimelineStore,
)
from shutter.stories import api as stories_api
from shutter.stories import tasks as stories_tasks
from shutter.users import api as users_api
from shutter.web import api as web_api

log = structlog.get_logger("shutter.app")

API_PREFIX = "/api/v1"


def _lifespan(
    settings: Settings, metrics: Metrics, *, consume: bool, role: str
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Open the stores and start the event machinery for the app's lifetime."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            context = await open_context(settings, stack)
            context.extras["metrics"] = metrics
            await start_event_runtime(context, stack, consume=consume, relay=True)
            if consume:
                await media_tasks.start_lifecycle_job(context, stack)
            app.state.context = context
            freeze_startup_heap()
            log.info("started", role=role, profile=settings.profile)
            yield

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI app. Stores are opened in the lifespan, so import costs nothing."""
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_json)
    metrics = Metrics()
    lifespan = _lifespan(settings, metrics, consume=settings.runs_workers_in_process, role="api")
    app = FastAPI(
        title="Shutter",
        description=description or "",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    install_error_handlers(app)
    api = APIRouter(prefix=API_PREFIX)
    modules = (
        auth_api,
        users_api,
        follows_api,
        requests_api,
        blocks_api,
        media_api,
        posts_api,
        feed_api,
        social_api,
        search_api,
        notifications_api,
        stories_api,
        explore_api,
        messages_api,
        realtime_api,
        portability_api,
    )
    for module in modules:
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(media_api.store_router)
    app.include_router(ops.router)
    # The web client last, so that its page routes never shadow the API or the store.
    app.mount(web_api.STATIC_PREFIX, web_api.static_files(), name="static")
    app.include_router(web_api.router)

    app.add_middleware(
        RequestLimitsMiddleware,
        body_max_bytes=settings.body_max_bytes,
        upload_max_bytes=max(
            settings.image_max_bytes, settings.video_max_bytes, settings.import_max_bytes
        ),
        body_read_timeout_s=settings.body_read_timeout_seconds,
    )
    # Outermost, so that refusals of the limits carry a request id and are counted too.
    app.add_middleware(RequestContextMiddleware, metrics=metrics, api_prefix=API_PREFIX)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def create_worker_app(settings: Settings | None = None) -> FastAPI:
    """A worker process: event handlers plus /healthz and /metrics, no public API."""
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_json)
    lifespan = _lifespan(settings, Metrics(), consume=True, role="worker")
    app = FastAPI(title="Shutter worker", lifespan=lifespan, docs_url=None, redoc_url=None)
    install_error_handlers(app)
    app.include_router(ops.router)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


async def open_context(settings: Settings, stack: AsyncExitStack) -> AppContext:
    """Open every store the settings name; the stack closes them again."""
    db = Database.from_settings(settings)
    stack.push_async_callback(db.dispose)
    if settings.is_sqlite:
        await upgrade_to_head(db)  # a fresh data dir gets its schema here
    elif not await is_at_head(db):
        log.warning("schema_not_current", hint="run `shutter migrate`")
    redis = None
    breaker = None
    timelines: TimelineStore
    if settings.redis_url:
        redis = open_redis(
            settings.redis_url,
            connect_timeout_s=settings.redis_connect_timeout_seconds,
            timeout_s=settings.redis_timeout_seconds,
        )
        stack.push_async_callback(redis.aclose)
        # One breaker for every use of this client (timelines, real-time bus): one
        # outage, one timeout, one pair of log lines.
        breaker = CircuitBreaker("redis", settings.redis_retry_seconds)
        redis_timelines = RedisTimelineStore(
            redis,
            f"{settings.namespace}:",
            settings.timeline_max,
            settings.inactive_days,
            connect_timeout_s=settings.redis_connect_timeout_seconds,
            timeout_s=settings.redis_timeout_seconds,
        )
        timelines = GuardedTimelineStore(redis_timelines, breaker)
        stack.push_async_callback(timelines.close)
    else:
        timelines = MemoryTimelineStore(settings.timeline_max, settings.inactive_days)
    context = AppContext(
        settings=settings,
        db=db,
        ids=IdGenerator(await _node_id(settings, redis)),
        tokens=TokenIssuer(settings.resolved_secret_key, settings.access_token_ttl_seconds),
        objects=await _open_object_store(settings, stack),
        timelines=timelines,
        redis=redis,
        degraded_reads=DegradedReads(settings.degraded_feed_reads_per_second),
        rate_limiter=RateLimiter.open(
            {action: parse_limits(value) for action, value in settings.rate_limit_table.items()},
            settings.redis_url,
            settings.namespace,
            enabled=settings.rate_limits_enabled,
        ),
        passwords=PasswordChecks(
            settings.password_checks_max_concurrent, settings.password_check_wait_seconds
        ),
    )
    if settings.nats_url:
        import nats

        watch = _NatsConnectionLog()
        client = await nats.connect(
            settings.nats_url,
            connect_timeout=5,
            reconnect_time_wait=1,
            disconnected_cb=watch.disconnected,
            reconnected_cb=watch.reconnected,
            error_cb=watch.error,
        )
        # Once connected, reconnect for as long as an outage lasts: the default gives up
        # after a minute or two, leaving the real-time bus and the event relay dead until a
        # restart. (A NATS that is down at start-up still fails the start, as before.)
        # Subscriptions are restored on reconnection.
        client.options["max_reconnect_attempts"] = -1
        stack.push_async_callback(client.close)
        stack.callback(watch.stop)  # runs first: closing is not an outage
        context.nats = client
        context.realtime = NatsBus(client, settings.namespace)
    elif redis is not None and breaker is not None and _is_single_node(redis):
        context.realtime = RedisBus(redis, settings.namespace, breaker)
    stack.push_async_callback(context.realtime.close)
    return context


class _NatsConnectionLog:
    """Logs a NATS outage once when it starts and once when it ends, not per attempt."""

    def __init__(self) -> None:
        self.stopping = False

    def stop(self) -> None:
        self.stopping = True

    async def disconnected(self) -> None:
        if not self.stopping:
            log.warning("nats_disconnected")

    async def reconnected(self) -> None:
        log.info("nats_reconnected")

    async def error(self, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:300]
        if isinstance(exc, OSError | TimeoutError):
            log.debug("nats_error", error=error)  # each failed reconnection attempt
        else:
            log.warning("nats_error", error=error)


def open_redis(
    url: str, *, connect_timeout_s: float | None = None, timeout_s: float | None = None
) -> Any:
    """A Redis client: `redis+cluster://host:port` (or a comma-separated list of node URLs)
    selects Redis Cluster, discovering the other nodes from the ones named. The timeouts
    bound each connection attempt and each reply."""
    from redis.asyncio import Redis
    from redis.asyncio.cluster import ClusterNode, RedisCluster

    timeouts: dict[str, Any] = {
        name: value
        for name, value in (
            ("socket_connect_timeout", connect_timeout_s),
            ("socket_timeout", timeout_s),
        )
        if value is not None  # else the library's defaults
    }
    if url.startswith("redis+cluster://") or "," in url:
        nodes = []
        for part in url.split(","):
            address = part.split("://", 1)[-1].rsplit("@", 1)[-1].split("/", 1)[0]
            host, _, port = address.partition(":")
            nodes.append(ClusterNode(host, int(port or 6379)))
        return RedisCluster(startup_nodes=nodes, **timeouts)
    return Redis.from_url(url, **timeouts)


def _is_single_node(redis: Any) -> bool:
    """Real-time events go over Redis pub/sub only on a single node (not Redis Cluster)."""
    from redis.asyncio import Redis

    return isinstance(redis, Redis)


async def _node_id(settings: Settings, redis: Any) -> int | None:
    """The id generator's node field: configured, or handed out by Redis so that the
    processes of one deployment differ (1,024 in rotation); else random."""
    if settings.node_id is not None or redis is None:
        return settings.node_id
    return int(await redis.incr(f"{settings.namespace}:node-seq")) % (MAX_NODE + 1)


async def start_event_runtime(
    context: AppContext, stack: AsyncExitStack, *, consume: bool, relay: bool
) -> None:
    """Start moving events: `relay` publishes the outbox to JetStream, `consume` runs the
    handlers here. Without NATS both happen in-process through the outbox drain."""
    registry = HandlerRegistry()
    feed_tasks.register(registry)
    notifications_tasks.register(registry)
    media_tasks.register(registry)
    portability_tasks.register(registry)
    runtime = context.events
    runtime.registry = registry
    settings = context.settings
    namespace = context.settings.namespace
    if context.nats is None:
        if consume:
            for lane in registry.lanes():  # media work never holds fan-out or notifications
                drain = OutboxDrain(context, registry, settings.event_max_attempts, lane=lane)
                drain.start()
                runtime.drains.append(drain)
    else:
        js = context.nats.jetstream()
        await ensure_stream(js, namespace)
        if relay:
            runtime.relay = OutboxRelay(context, js, namespace)
            runtime.relay.start()
        if consume:
            for lane in registry.lanes():
                consumer = JetStreamConsumer(
                    context,
                    registry,
                    js,
                    namespace,
                    ack_wait_s=settings.event_ack_wait_seconds,
                    max_attempts=settings.event_max_attempts,
                    retry_base_s=settings.event_retry_base_seconds,
                    lane=lane,
                )
                await consumer.start()
                runtime.consumers.append(consumer)
    context.db.on_events_committed = runtime.notify
    stack.push_async_callback(runtime.stop)
    if consume:
        media_pool.warm(context)  # media handlers run here: their processes start now
        # Periodic jobs run where the handlers run (stopped before the event runtime).
        scheduler = Scheduler(context)
        stories_tasks.schedule(scheduler, context)
        social_tasks.schedule(scheduler, context)
        portability_tasks.schedule(scheduler, context)
        scheduler.start()
        stack.push_async_callback(scheduler.stop)


async def _open_object_store(settings: Settings, stack: AsyncExitStack) -> ObjectStore:
    if not settings.s3_bucket:
        return LocalObjectStore(
            settings.media_dir, settings.resolved_secret_key, settings.media_base_url
        )
    import botocore.config
    import botocore.session
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    options = {"signature_version": "s3v4", "s3": {"addressing_style": "path"}}
    client = await stack.enter_async_context(
        get_session().create_client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            config=AioConfig(**options),
        )
    )
    presigner = botocore.session.get_session().create_client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        config=botocore.config.Config(**options),
    )
    return S3ObjectStore(client, settings.s3_bucket, settings.media_base_url, presigner)
