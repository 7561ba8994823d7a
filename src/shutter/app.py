"""create_app(settings): the one place where Shutter's parts are wired together."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

import structlog
from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute

from shutter import __doc__ as description
from shutter.accounts import api as accounts_api
from shutter.accounts import auth_api
from shutter.accounts import tasks as accounts_tasks
from shutter.auth.passwords import PasswordChecks
from shutter.auth.sessions import RevokedSessions, TokenVersions, UsedTickets
from shutter.auth.tokens import TokenIssuer
from shutter.blocks import api as blocks_api
from shutter.comments import api as comments_api
from shutter.context import AppContext
from shutter.db.database import Database
from shutter.db.migrate import is_at_head, upgrade_to_head
from shutter.events.periodic import Scheduler
from shutter.events.runtime import (
    EventRuntime,
    JetStreamConsumer,
    OutboxDrain,
    OutboxRelay,
    ensure_stream,
)
from shutter.explore import api as explore_api
from shutter.feed import api as feed_api
from shutter.feed import tasks as feed_tasks
from shutter.follows import api as follows_api
from shutter.follows import profile_api, requests_api
from shutter.http import API_PREFIX, ops
from shutter.http import websocket as realtime_api
from shutter.http.errors import install_error_handlers
from shutter.http.headers import SecurityHeadersMiddleware
from shutter.http.limits import RequestLimitsMiddleware
from shutter.ids import MAX_NODE, IdGenerator
from shutter.likes import api as likes_api
from shutter.mail.senders import DirectorySender, MailSender, SmtpSender
from shutter.mastodon import accounts_api as mastodon_accounts_api
from shutter.mastodon import api as mastodon_api
from shutter.mastodon import statuses_api as mastodon_statuses_api
from shutter.mastodon import streaming as mastodon_streaming
from shutter.media import api as media_api
from shutter.media import pool as media_pool
from shutter.media import tasks as media_tasks
from shutter.messages import api as messages_api
from shutter.moderation import api as moderation_api
from shutter.moderation import service as moderation_service
from shutter.moderation import tasks as moderation_tasks
from shutter.mutes import api as mutes_api
from shutter.notifications import api as notifications_api
from shutter.notifications import tasks as notifications_tasks
from shutter.oauth import api as oauth_api
from shutter.observability import (
    Metrics,
    RequestContextMiddleware,
    configure_logging,
    freeze_startup_heap,
)
from shutter.portability import api as portability_api
from shutter.portability import tasks as portability_tasks
from shutter.posts import api as posts_api
from shutter.posts import tasks as posts_tasks
from shutter.push import api as push_api
from shutter.push import tasks as push_tasks
from shutter.push import webpush
from shutter.push.endpoints import EndpointPolicy
from shutter.push.sender import WebPushSender
from shutter.realtime.bus import InProcessBus, NatsBus, RealtimeBus, RedisBus
from shutter.reels import api as reels_api
from shutter.saving import api as saving_api
from shutter.search import api as search_api
from shutter.settings import Settings
from shutter.stores.breaker import CircuitBreaker
from shutter.stores.degraded import DegradedReads
from shutter.stores.hydration import HydrationCache
from shutter.stores.objects import LocalObjectStore, ObjectStore, S3ObjectStore
from shutter.stores.ratelimits import RateLimiter, parse_limits
from shutter.stores.redis import RedisClient, is_single_node, open_redis
from shutter.stores.seen import MemorySeenPosts, RedisSeenPosts, SeenPosts
from shutter.stores.timelines import (
    GuardedTimelineStore,
    MemoryTimelineStore,
    RedisTimelineStore,
    TimelineStore,
    check_compact_encoding,
)
from shutter.stories import api as stories_api
from shutter.stories import highlights_api
from shutter.stories import tasks as stories_tasks
from shutter.tags import api as tags_api
from shutter.users import api as users_api
from shutter.web import api as web_api

if TYPE_CHECKING:
    import botocore.session
    from aiobotocore.session import AioSession
    from nats.aio.client import Client as NatsClient

log = structlog.get_logger("shutter.app")


def _lifespan(
    settings: Settings, metrics: Metrics, *, consume: bool, role: str
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Open the stores and start the event machinery for the app's lifetime."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            context = await open_context(settings, stack, metrics)
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
    oauth_api.install_error_handlers(app)  # RFC 6749's error shape, and Mastodon's
    app.router.routes.extend(_routes())
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


@functools.cache
def _routes() -> tuple[BaseRoute, ...]:
    """Every route of the API, OAuth, the Mastodon API, the object store and operations,
    built once per process. Including a router makes FastAPI analyse every route's
    dependencies again (most of what building the app costs, about a second for 400
    routes on this machine), and routes hold nothing of one app's settings or stores (they
    reach the context through the request), so every app of the process shares them (the
    test suite builds one per test). They are built outside any app, so
    `app.dependency_overrides` does not apply to them (nothing uses it)."""
    api = APIRouter(prefix=API_PREFIX)
    for module in (
        auth_api,
        accounts_api,
        users_api,
        profile_api,
        follows_api,
        requests_api,
        blocks_api,
        mutes_api,
        media_api,
        posts_api,
        likes_api,
        saving_api,
        comments_api,
        search_api,
        tags_api,
        notifications_api,
        stories_api,
        highlights_api,
        explore_api,
        reels_api,
        messages_api,
        realtime_api,
        moderation_api,
        portability_api,
        push_api,
    ):
        api.include_router(module.router)
    root = APIRouter()
    # Paths both APIs serve, before Shutter's own: they take only OAuth tokens.
    root.include_router(mastodon_statuses_api.shared)
    root.include_router(api)
    root.include_router(oauth_api.router)  # /oauth/* and /api/v1/apps
    # The Mastodon-compatible client API; its accounts, statuses and streaming sides
    # first, as mastodon_api's catch-all answers the Mastodon sections not built.
    root.include_router(mastodon_accounts_api.router)
    root.include_router(mastodon_statuses_api.router)
    root.include_router(mastodon_streaming.router)
    root.include_router(mastodon_api.router)
    root.include_router(media_api.store_router)
    # FastAPI matches included routers in order, level by level, twice per level
    # (`matches`, then `handle`), over every route before the one that matches: the
    # health checks (polled by every load balancer) and the home feed (the hottest read by
    # far) come first, as routes of the application itself, not of an included router.
    # Their paths overlap no other route's.
    return (*ops.router.routes, *feed_api.router.routes, *root.routes)


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


async def open_context(
    settings: Settings, stack: AsyncExitStack, metrics: Metrics | None = None
) -> AppContext:
    """Open every store the settings name (the stack closes them again), then build the
    context once from the parts."""
    redis: RedisClient | None = None
    breaker = None
    timelines: TimelineStore
    seen_posts: SeenPosts
    seen_ttl_s = settings.explore_seen_days * 86_400
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
        await check_compact_encoding(redis_timelines)  # warns when timelines cost 4.6x
        timelines = GuardedTimelineStore(redis_timelines, breaker)
        stack.push_async_callback(timelines.close)
        seen_posts = RedisSeenPosts(redis, f"{settings.namespace}:", seen_ttl_s, breaker)
        stack.push_async_callback(seen_posts.close)  # before the client closes
    else:
        timelines = MemoryTimelineStore(settings.timeline_max, settings.inactive_days)
        seen_posts = MemorySeenPosts(seen_ttl_s)
    ids = IdGenerator(await _node_id(settings, redis))
    # Built before the database: a commit that recorded events wakes it (its `notify`).
    events: EventRuntime[AppContext] = EventRuntime()
    db = Database.from_settings(settings, ids=ids, on_events_committed=events.notify)
    stack.push_async_callback(db.dispose)
    if db.replicas:
        await db.replicas.check_all()  # reads use the replicas from the first request on
    if settings.is_sqlite:
        await upgrade_to_head(db)  # a fresh data dir gets its schema here
    elif not await is_at_head(db):
        log.warning("schema_not_current", hint="run `shutter migrate`")
    nats_client = await _open_nats(settings, stack)
    realtime: RealtimeBus
    if nats_client is not None:
        realtime = NatsBus(nats_client, settings.namespace)
    elif redis is not None and breaker is not None and is_single_node(redis):
        realtime = RedisBus(redis, settings.namespace, breaker)
    else:
        realtime = InProcessBus(sole_process=settings.profile == "embedded")
    stack.push_async_callback(realtime.close)
    check_ttl_s = settings.revocation_check_seconds
    token_versions = TokenVersions(ttl_s=check_ttl_s, heard_since=realtime.heard_since)
    live_sessions = RevokedSessions(ttl_s=check_ttl_s, heard_since=realtime.heard_since)

    def revoked(user_id: int, session_ids: list[int]) -> None:
        token_versions.forget(user_id)
        live_sessions.forget(session_ids)

    await realtime.watch_revocations(revoked)
    return AppContext(
        settings=settings,
        db=db,
        ids=ids,
        tokens=TokenIssuer(settings.resolved_secret_key, settings.access_token_ttl_seconds),
        objects=await _open_object_store(settings, stack),
        timelines=timelines,
        seen_posts=seen_posts,
        events=events,
        hydration=HydrationCache(),
        token_versions=token_versions,
        live_sessions=live_sessions,
        used_tickets=UsedTickets(),
        rate_limiter=RateLimiter.open(
            {action: parse_limits(value) for action, value in settings.rate_limit_table.items()},
            settings.redis_url,
            settings.namespace,
            enabled=settings.rate_limits_enabled,
        ),
        realtime=realtime,
        degraded_reads=DegradedReads(settings.degraded_feed_reads_per_second),
        passwords=PasswordChecks(
            settings.password_checks_max_concurrent, settings.password_check_wait_seconds
        ),
        metrics=metrics or Metrics(),
        mail=_mail_sender(settings, ids),
        redis=redis,
        redis_breaker=breaker,  # its error counts go to /metrics
        nats=nats_client,
        new_post_checks=(moderation_service.screen_new_post,),
        new_story_checks=(moderation_service.screen_new_story,),
        web_push=_open_web_push(settings, db, stack),
    )


def _open_web_push(settings: Settings, db: Database, stack: AsyncExitStack) -> WebPushSender | None:
    """The VAPID key from the settings, or generated into the data dir (embedded profile
    only: distributed processes must share one key, so push stays off until it is set)."""
    if not settings.vapid_private_key and settings.profile == "distributed":
        log.info("web_push_disabled", hint="set SHUTTER_VAPID_PRIVATE_KEY")
        return None
    keys = webpush.load_or_create(settings.vapid_private_key, settings.data_dir)
    sender = WebPushSender(
        db,
        keys,
        settings.vapid_subject,
        concurrency=settings.push_concurrency,
        timeout_s=settings.push_timeout_seconds,
        policy=EndpointPolicy(
            allow_loopback=settings.push_allow_loopback,
            allow_private=settings.push_allow_private_networks,
        ),
    )
    stack.push_async_callback(sender.close)
    return sender


async def _open_nats(settings: Settings, stack: AsyncExitStack) -> NatsClient | None:
    if not settings.nats_url:
        return None
    import nats

    watch = _NatsConnectionLog()
    client: NatsClient = await nats.connect(
        # A comma-separated list names several nodes of a NATS cluster; the client
        # learns the others from them and moves to another when its node goes away.
        [url.strip() for url in settings.nats_url.split(",")],
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
    return client


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


async def _node_id(settings: Settings, redis: RedisClient | None) -> int | None:
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
    runtime = context.events
    registry = runtime.registry
    feed_tasks.register(registry)
    notifications_tasks.register(registry)
    push_tasks.register(registry)
    media_tasks.register(registry)
    accounts_tasks.register(registry)
    moderation_tasks.register(registry)
    portability_tasks.register(registry)
    settings = context.settings
    namespace = context.settings.namespace
    if context.nats is None:
        if consume:
            for lane in registry.lanes():  # media work never holds fan-out or notifications
                drain = OutboxDrain(
                    context.db,
                    context,
                    registry,
                    settings.event_max_attempts,
                    lane=lane,
                    observe=context.metrics.observe_event,
                )
                drain.start()
                runtime.drains.append(drain)
    else:
        js = context.nats.jetstream()
        await ensure_stream(js, namespace, settings.nats_stream_replicas)
        if relay:
            runtime.relay = OutboxRelay(context.db, js, namespace)
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
                    observe=context.metrics.observe_event,
                )
                await consumer.start()
                runtime.consumers.append(consumer)
    stack.push_async_callback(runtime.stop)
    if consume:
        media_pool.warm(context)  # media handlers run here: their processes start now
        # Periodic jobs run where the handlers run (stopped before the event runtime).
        scheduler: Scheduler[AppContext] = Scheduler(context)
        stories_tasks.schedule(scheduler, context)
        posts_tasks.schedule(scheduler, context)
        moderation_tasks.schedule(scheduler, context)
        portability_tasks.schedule(scheduler, context)
        scheduler.start()
        stack.push_async_callback(scheduler.stop)


def _mail_sender(settings: Settings, ids: IdGenerator) -> MailSender:
    """SMTP when configured, else .eml files in the data dir."""
    if settings.smtp_url:
        return SmtpSender(settings.smtp_url, settings.mail_from, settings.smtp_timeout_seconds)
    return DirectorySender(settings.mail_dir, settings.mail_from, ids)


@functools.cache
def _s3_sessions() -> tuple[AioSession, botocore.session.Session]:
    """The botocore sessions S3 clients are made from, one pair per process: a new session
    reads and parses the S3 service model again (about 0.14 s of CPU each, twice per app;
    the test suite builds an app per test), a kept one hands out clients in 5 ms."""
    import botocore.session
    from aiobotocore.session import get_session

    return get_session(), botocore.session.get_session()


async def _open_object_store(settings: Settings, stack: AsyncExitStack) -> ObjectStore:
    if not settings.s3_bucket:
        return LocalObjectStore(
            settings.media_dir, settings.resolved_secret_key, settings.media_base_url
        )
    import botocore.config
    from aiobotocore.config import AioConfig

    session, presigning_session = _s3_sessions()
    options = {"signature_version": "s3v4", "s3": {"addressing_style": "path"}}
    client = await stack.enter_async_context(
        session.create_client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            config=AioConfig(**options),
        )
    )
    presigner = presigning_session.create_client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        config=botocore.config.Config(**options),
    )
    return S3ObjectStore(client, settings.s3_bucket, settings.media_base_url, presigner)
