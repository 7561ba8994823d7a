"""Getting events from the outbox to their handlers.

Embedded profile: `OutboxDrain` reads unpublished outbox rows in this process, runs the
handlers, then marks the rows published. Distributed profile: `OutboxRelay` publishes
outbox rows to a durable JetStream stream (message id = event id, so a re-publish after a
crash is dropped by JetStream's de-duplication), and `JetStreamConsumer`s in `shutter
worker` processes share one durable consumer: ack after the effect, redelivery after a
crash or a timeout, at most `max_attempts` deliveries, then the event goes to a dead-letter
subject. Handlers are idempotent, so at-least-once delivery is enough.

Lanes: each topic's handlers run in one lane, and each lane has its own consumer (its own
outbox drain in the embedded profile, its own durable JetStream consumer in the distributed
one), so that slow work in one lane never holds events of another. Media processing (a
video may take minutes) has the `media` lane; fan-out, notifications and the rest share
the default lane.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Generic, TypeVar, cast

import orjson
import structlog

from shutter.db.database import Database
from shutter.events import outbox
from shutter.events.types import DomainEvent, Event
from shutter.timeutil import utcnow

if TYPE_CHECKING:  # nats-py is imported when the distributed profile runs, not before
    from nats.aio.msg import Msg
    from nats.js import JetStreamContext
    from sqlalchemy.ext.asyncio import AsyncConnection

log = structlog.get_logger("shutter.events")

# What handlers are given besides the event: the application context in production, which
# satisfies each handler module's small Protocol (events/ never imports the application).
D = TypeVar("D")
E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[D, E], Awaitable[None]]
# Told of each handled event: (lane, event id, "ok" | "retry" | "dead_lettered"); /metrics.
EventObserver = Callable[[str, int, str], None]
DEFAULT_LANE = "default"
MEDIA_LANE = "media"
MAX_ATTEMPTS = 5
BATCH = 100
POLL_S = 1.0
# The most events one worker takes from JetStream in one pull.
FETCH_BATCH = 50
# How long one pull waits for an event. A stopping consumer lets its pull run out rather
# than cancel it (an event the server hands to a cancelled pull would wait for ack_wait to
# be redelivered), so this bounds how long a stop waits: a few idle pulls a second are
# nothing to NATS, a second per stop was most of a test server's shutdown.
FETCH_WAIT_S = 0.25
IDLE_QUERY_S = 2.0  # a consumer-info request in an idle check (unanswered: not idle yet)
PURGE_EVERY_S = 60.0


class HandlerRegistry(Generic[D]):
    """Which handlers run for which event class, and in which lane each is handled.

    async def on_post_created(deps: FeedDeps, event: PostCreated) -> None: ...
    registry.on(PostCreated, on_post_created)
    """

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler[D, DomainEvent]]] = {}
        self._lanes: dict[str, str] = {}

    def on(self, event_type: type[E], handler: Handler[D, E], *, lane: str = DEFAULT_LANE) -> None:
        topic = event_type.topic
        if self._lanes.setdefault(topic, lane) != lane:
            raise ValueError(f"{topic} is handled in the {self._lanes[topic]} lane already")
        # Stored under the topic; dispatch decodes the row into `event_type` first.
        self._handlers.setdefault(topic, []).append(cast(Handler[D, DomainEvent], handler))

    def lane_of(self, topic: str) -> str:
        return self._lanes.get(topic, DEFAULT_LANE)

    def lanes(self) -> list[str]:
        """Every lane, the default one first."""
        return [DEFAULT_LANE, *sorted(set(self._lanes.values()) - {DEFAULT_LANE})]

    def topics_of(self, lane: str) -> set[str]:
        return {topic for topic, its_lane in self._lanes.items() if its_lane == lane}

    def outside(self, lane: str) -> set[str]:
        """The topics handled in other lanes than this one."""
        return {topic for topic, its_lane in self._lanes.items() if its_lane != lane}

    async def dispatch(self, deps: D, event: Event, lane: str | None = None) -> None:
        """Decode an outbox row and run its handlers (none when `lane` is given and is not
        the topic's, or for a topic no handler takes)."""
        if lane is not None and self.lane_of(event.topic) != lane:
            return
        handlers = self._handlers.get(event.topic, ())
        typed = event.decode() if handlers else None
        if typed is None:
            return
        for handler in handlers:
            await handler(deps, typed)


async def _finish(task: asyncio.Task[None] | None, grace_s: float = 5.0) -> None:
    """Let a loop finish the batch it is on (cancelling mid-transaction can leave a
    database connection hanging), and cancel it only if it overruns the grace period."""
    if task is None:
        return
    try:
        await asyncio.wait_for(asyncio.shield(task), grace_s)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class _Loop(abc.ABC):
    """A background loop with a wake-up signal."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._last_purge = 0.0

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=type(self).__name__)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        await _finish(self._task)

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_S)
            self._wake.clear()
            try:
                while not self._stopping and await self.step():
                    pass
                await self._purge_now_and_then()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event_loop_error", loop=type(self).__name__)
                await asyncio.sleep(POLL_S)

    async def _purge_now_and_then(self) -> None:
        """Drop published outbox rows a day after publication, at most once a minute."""
        now = time.monotonic()
        if now - self._last_purge < PURGE_EVERY_S:
            return
        self._last_purge = now
        async with self.db.write() as uow:
            removed = await outbox.purge_published(uow.conn, utcnow() - timedelta(days=1))
        if removed:
            log.info("outbox_purged", events=removed)

    @abc.abstractmethod
    async def step(self) -> bool:
        """Do one batch of work; True if there may be more right away."""

    @abc.abstractmethod
    async def idle(self) -> bool:
        """True when nothing is waiting for this loop."""


class OutboxDrain(_Loop, Generic[D]):
    """Embedded profile: handle the outbox events of one lane in this process, oldest
    first (one drain per lane, each claiming only its lane's topics)."""

    def __init__(
        self,
        db: Database,
        deps: D,
        registry: HandlerRegistry[D],
        max_attempts: int = MAX_ATTEMPTS,
        lane: str = DEFAULT_LANE,
        observe: EventObserver | None = None,
    ) -> None:
        super().__init__(db)
        self.deps = deps
        self.observe = observe
        self.registry = registry
        self.max_attempts = max_attempts
        self.lane = lane

    async def _claim(self, conn: AsyncConnection, limit: int) -> list[Event]:
        if self.lane == DEFAULT_LANE:
            return await outbox.claim_pending(
                conn, limit, excluding=self.registry.outside(self.lane)
            )
        return await outbox.claim_pending(conn, limit, only=self.registry.topics_of(self.lane))

    async def step(self) -> bool:
        db = self.db
        async with db.read() as conn:
            events = await self._claim(conn, BATCH)
        done: list[int] = []
        for event in events:
            try:
                await self.registry.dispatch(self.deps, event)
                done.append(event.id)
                _observe(self.observe, self.lane, event, "ok")
            except Exception as exc:
                log.exception("event_failed", event_id=event.id, topic=event.topic)
                async with db.write() as uow:
                    dead = await outbox.mark_failed(
                        uow.conn, event.id, repr(exc), self.max_attempts
                    )
                if dead:
                    log.error("event_dead_lettered", event_id=event.id, topic=event.topic)
                _observe(self.observe, self.lane, event, "dead_lettered" if dead else "retry")
        if done:
            async with db.write() as uow:
                await outbox.mark_published(uow.conn, done)
        return len(events) == BATCH

    async def idle(self) -> bool:
        # An event stays unpublished until its handlers have finished.
        async with self.db.read() as conn:
            return not await self._claim(conn, 1)


def _observe(observe: EventObserver | None, lane: str, event: Event, outcome: str) -> None:
    if observe is not None:
        observe(lane, event.id, outcome)


def stream_name(namespace: str) -> str:
    return f"{namespace.upper().replace('-', '_').replace('.', '_')}_EVENTS"


def event_subject(namespace: str, topic: str) -> str:
    return f"{namespace}.events.{topic}"


def dead_letter_subject(namespace: str, topic: str) -> str:
    return f"{namespace}.dlq.{topic}"


async def ensure_stream(js: JetStreamContext, namespace: str, replicas: int = 1) -> None:
    """Create (or keep) the durable, file-backed stream for events and dead letters, kept
    on `replicas` nodes of a NATS cluster (its consumers get as many)."""
    from nats.js.api import StorageType, StreamConfig

    await js.add_stream(
        StreamConfig(
            name=stream_name(namespace),
            subjects=[f"{namespace}.events.>", f"{namespace}.dlq.>"],
            storage=StorageType.FILE,
            duplicate_window=120.0,
            num_replicas=replicas,
        )
    )


class OutboxRelay(_Loop):
    """Distributed profile: move outbox rows into JetStream. Several relays may run: on
    PostgreSQL each claims different rows (FOR UPDATE SKIP LOCKED)."""

    def __init__(self, db: Database, js: JetStreamContext, namespace: str) -> None:
        super().__init__(db)
        self.js = js
        self.namespace = namespace

    async def step(self) -> bool:
        async with self.db.write() as uow:
            events = await outbox.claim_pending(uow.conn, BATCH)
            for event in events:
                await self.js.publish(
                    event_subject(self.namespace, event.topic),
                    _encode(event),
                    headers={"Nats-Msg-Id": str(event.id)},
                )
            await outbox.mark_published(uow.conn, [event.id for event in events])
        return len(events) == BATCH

    async def idle(self) -> bool:
        async with self.db.read() as conn:
            return not await outbox.claim_pending(conn, 1)


def _encode(event: Event) -> bytes:
    return orjson.dumps({"id": str(event.id), "topic": event.topic, "payload": event.payload})


def _decode(data: bytes) -> Event:
    body = orjson.loads(data)
    return Event(int(body["id"]), str(body["topic"]), dict(body["payload"]))


def durable_name(lane: str) -> str:
    """The durable consumer of a lane (`handlers`, as before lanes, for the default one)."""
    return "handlers" if lane == DEFAULT_LANE else f"handlers-{lane}"


class JetStreamConsumer(Generic[D]):
    """One member of the durable consumer group that handles one lane's events.

    The default lane's consumer reads every event subject and acknowledges events of other
    lanes without handling them; another lane's consumer reads only its topics' subjects.
    """

    def __init__(
        self,
        deps: D,
        registry: HandlerRegistry[D],
        js: JetStreamContext,
        namespace: str,
        durable: str | None = None,
        ack_wait_s: float = 30.0,
        max_attempts: int = MAX_ATTEMPTS,
        retry_base_s: float = 1.0,
        lane: str = DEFAULT_LANE,
        observe: EventObserver | None = None,
    ) -> None:
        self.deps = deps
        self.observe = observe
        self.registry = registry
        self.js = js
        self.namespace = namespace
        self.lane = lane
        self.durable = durable or durable_name(lane)
        self.ack_wait_s = ack_wait_s
        self.max_attempts = max_attempts
        self.retry_base_s = retry_base_s
        self._task: asyncio.Task[None] | None = None
        self._subscription: JetStreamContext.PullSubscription | None = None
        self._stopping = False

    async def start(self) -> None:
        from nats.js.api import AckPolicy, ConsumerConfig

        config = ConsumerConfig(
            ack_policy=AckPolicy.EXPLICIT,
            max_deliver=self.max_attempts,
            ack_wait=self.ack_wait_s,
            max_ack_pending=1000,
        )
        subject = f"{self.namespace}.events.>"
        if self.lane != DEFAULT_LANE:
            subjects = sorted(
                event_subject(self.namespace, topic) for topic in self.registry.topics_of(self.lane)
            )
            # One topic: its subject alone. Several: every event subject, and the events of
            # other lanes are acknowledged unhandled (as the default lane does). The
            # server's multi-subject filter is not relied on: where it is not honoured,
            # the consumer would get the dead letters too, and never be idle.
            subject = subjects[0] if len(subjects) == 1 else f"{self.namespace}.events.>"
        self._subscription = await self.js.pull_subscribe(
            subject, durable=self.durable, stream=stream_name(self.namespace), config=config
        )
        self._task = asyncio.create_task(self._run(), name=f"jetstream-consumer-{self.lane}")

    async def stop(self) -> None:
        self._stopping = True
        await _finish(self._task)

    async def _run(self) -> None:
        import nats.errors

        while not self._stopping:
            try:
                messages = await self._next_messages()
            except (nats.errors.TimeoutError, TimeoutError):
                continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("fetch_failed")
                await asyncio.sleep(POLL_S)
                continue
            for message in messages:
                await self._handle(message)

    async def _next_messages(self) -> list[Msg]:
        """Wait for one event, then take at once whatever else is already waiting.

        A pull asking for a whole batch lingers on the server until it is full, holding
        the first event back for up to FETCH_WAIT_S and drawing every later one to the same
        worker. Asking for one first hands each event to the longest-waiting worker at
        once; the follow-up pull only asks for what the stream says is pending.
        """
        import nats.errors

        assert self._subscription is not None  # started
        messages = await self._subscription.fetch(batch=1, timeout=FETCH_WAIT_S)
        pending = min(int(messages[-1].metadata.num_pending), FETCH_BATCH - 1)
        if pending > 0:
            # A timeout means another worker took them.
            with contextlib.suppress(nats.errors.TimeoutError, TimeoutError):
                messages += await self._subscription.fetch(batch=pending, timeout=0.05)
        return messages

    async def _handle(self, message: Msg) -> None:
        event = _decode(message.data)
        keep_alive = asyncio.create_task(self._keep_alive(message))
        try:
            await self.registry.dispatch(self.deps, event, self.lane)
        except Exception as exc:
            attempt = message.metadata.num_delivered
            log.exception("event_failed", event_id=event.id, topic=event.topic, attempt=attempt)
            if attempt >= self.max_attempts:
                await self.js.publish(
                    dead_letter_subject(self.namespace, event.topic),
                    orjson.dumps({"event": orjson.loads(message.data), "error": repr(exc)[:500]}),
                )
                await message.term()
                log.error("event_dead_lettered", event_id=event.id, topic=event.topic)
                _observe(self.observe, self.lane, event, "dead_lettered")
            else:
                await message.nak(delay=min(self.retry_base_s * 2 ** (attempt - 1), 60.0))
                _observe(self.observe, self.lane, event, "retry")
            return
        finally:
            keep_alive.cancel()
        await message.ack()
        if self.registry.lane_of(event.topic) == self.lane:  # not one passed on unhandled
            _observe(self.observe, self.lane, event, "ok")

    async def _keep_alive(self, message: Msg) -> None:
        """Tell JetStream a long handler (a huge fan-out) is still working on the event, so
        that it is not redelivered to another worker meanwhile."""
        while True:
            await asyncio.sleep(self.ack_wait_s / 2)
            await message.in_progress()

    async def idle(self) -> bool:
        """Nothing pending or unacknowledged. Unknown is not idle: while a clustered
        consumer elects a new leader (its node died) the server cannot answer yet."""
        import nats.errors
        import nats.js.errors

        try:
            info = await self.js.consumer_info(
                stream_name(self.namespace), self.durable, timeout=IDLE_QUERY_S
            )
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError, nats.js.errors.Error):
            return False
        return bool(info.num_pending == 0 and info.num_ack_pending == 0)


class EventRuntime(Generic[D]):
    """The event machinery a process runs, started and stopped with it.

    Built empty before the database (whose `on_events_committed` hook is its `notify`);
    `start_event_runtime` in app.py fills in the registry, drains, relay and consumers."""

    def __init__(self) -> None:
        self.registry: HandlerRegistry[D] = HandlerRegistry()
        self.drains: list[OutboxDrain[D]] = []  # one per lane
        self.relay: OutboxRelay | None = None
        self.consumers: list[JetStreamConsumer[D]] = []  # one per lane

    def _loops(self) -> list[_Loop]:
        loops: list[_Loop] = list(self.drains)
        if self.relay is not None:
            loops.append(self.relay)
        return loops

    def notify(self) -> None:
        """A transaction that wrote events has committed: move them along now."""
        for loop in self._loops():
            loop.notify()

    async def stop(self) -> None:
        await asyncio.gather(*(consumer.stop() for consumer in self.consumers))
        await asyncio.gather(*(loop.stop() for loop in self._loops()))

    async def _all_idle(self) -> bool:
        """Every loop and consumer idle, asked one by one (the first busy one answers)."""
        for loop in self._loops():
            if not await loop.idle():
                return False
        for consumer in self.consumers:
            if not await consumer.idle():
                return False
        return True

    async def wait_idle(self, timeout_s: float = 30.0) -> None:
        """Wait until every recorded event has been handled.

        The application never waits on it: the test harness (tests/conftest.py) and the
        feed profiler (bench/feed_profile.py, which cannot import tests/) do. It stays on
        the runtime because it reads its loops' and consumers' idle state, which only the
        runtime knows."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        self.notify()
        while True:
            if await self._all_idle():
                # twice in a row, so an event published between the checks is not missed
                await asyncio.sleep(0.05)
                if await self._all_idle():
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("events still pending")
            await asyncio.sleep(0.02)
