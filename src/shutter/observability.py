"""Structured logs (structlog, one JSON event per line) and Prometheus metrics."""

from __future__ import annotations

import gc
import logging
import sys
import time
import uuid
from collections.abc import Iterator

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.typing import Processor

from shutter.ids import id_timestamp_ms


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """Route stdlib and structlog output through one renderer."""
    renderer: Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(message)s")


class Metrics:
    """The process's Prometheus registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "shutter_http_requests_total",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "shutter_http_request_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.gc_pause = Histogram(
            "shutter_gc_pause_seconds",
            "Pauses of Python's cyclic garbage collector, by generation",
            ["generation"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
            registry=self.registry,
        )
        _GcWatch.install(self.gc_pause)
        self.mail = Counter(
            "shutter_mail_total",
            "Mail handed to the mail server (or written to the mail dir), by event and result",
            ["topic", "result"],
            registry=self.registry,
        )
        # Events: how old an event is when its handlers have finished (outbox write to
        # done: the fan-out lag a reader feels), and how each handling ended.
        self.event_lag = Histogram(
            "shutter_event_lag_seconds",
            "Age of an event when its handlers finished, by lane",
            ["lane"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900),
            registry=self.registry,
        )
        self.events_handled = Counter(
            "shutter_events_handled_total",
            "Events handled by this process, by lane and outcome (ok, retry, dead_lettered)",
            ["lane", "outcome"],
            registry=self.registry,
        )
        self.media_jobs_running = Gauge(
            "shutter_media_jobs_running",
            "Media processing jobs running in this process",
            registry=self.registry,
        )
        self.media_job_seconds = Histogram(
            "shutter_media_job_seconds",
            "Duration of media processing jobs, by outcome (ready, failed, error)",
            ["outcome"],
            buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900),
            registry=self.registry,
        )
        self.uploads = Counter(
            "shutter_uploads_total",
            "Uploads whose processing finished, by outcome (succeeded, failed)",
            ["outcome"],
            registry=self.registry,
        )
        self.pool_timeouts = Counter(
            "shutter_db_pool_timeouts_total",
            "Requests that found no free database connection in time (answered 503 busy)",
            registry=self.registry,
        )
        self.scraped = ScrapedFigures()
        self.registry.register(self.scraped)
        self.activity = ActiveUsers()
        self.product_read_at = float("-inf")  # when the product's figures were last read

    def observe_event(self, lane: str, event_id: int, outcome: str) -> None:
        """Count a handled event and, once done, how old it was (its id carries the
        millisecond it was recorded)."""
        self.events_handled.labels(lane, outcome).inc()
        if outcome == "ok":
            age_s = (time.time() * 1000 - id_timestamp_ms(event_id)) / 1000
            self.event_lag.labels(lane).observe(max(age_s, 0.0))


class ActiveUsers:
    """The users seen by this process since the figures were last gathered (an
    authenticated request each); `shutter.scrape` moves them into the deployment's daily
    sets (Redis HyperLogLogs, or sets in this process in the embedded profile)."""

    def __init__(self) -> None:
        self.pending: set[int] = set()
        # Embedded profile: the day's ISO date -> the users seen that day (30 days kept).
        self.days: dict[str, set[int]] = {}

    # Bounds the memory of a process that is never scraped; past it, users go uncounted
    # until the next scrape (a scrape every 15-60 s sees far fewer distinct users).
    MAX_PENDING = 200_000

    def seen(self, user_id: int) -> None:
        if len(self.pending) < self.MAX_PENDING:
            self.pending.add(user_id)

    def take(self) -> set[int]:
        taken, self.pending = self.pending, set()
        return taken


class ScrapedFigures(Collector):
    """Figures read from the stores when /metrics is scraped (`shutter.scrape` fills them
    in just before): gauges, and counters kept by other parts of the process."""

    def __init__(self) -> None:
        # name -> (kind, help, label names, {label values: value})
        self.families: dict[
            str, tuple[str, str, tuple[str, ...], dict[tuple[str, ...], float]]
        ] = {}

    def set(
        self,
        name: str,
        help_text: str,
        value: float,
        labels: dict[str, str] | None = None,
        *,
        kind: str = "gauge",
    ) -> None:
        names = tuple(labels or ())
        family = self.families.setdefault(name, (kind, help_text, names, {}))
        family[3][tuple((labels or {}).values())] = value

    def collect(self) -> Iterator[Metric]:
        for name, (kind, help_text, names, samples) in self.families.items():
            family: GaugeMetricFamily | CounterMetricFamily
            if kind == "counter":
                family = CounterMetricFamily(name, help_text, labels=names)
            else:
                family = GaugeMetricFamily(name, help_text, labels=names)
            for values, value in samples.items():
                family.add_metric(list(values), value)
            yield family


class _GcWatch:
    """Times every collection (one callback per process, feeding the newest registry)."""

    histogram: Histogram | None = None
    started = 0.0

    @classmethod
    def install(cls, histogram: Histogram) -> None:
        if cls.histogram is None:
            gc.callbacks.append(cls._callback)
        cls.histogram = histogram

    @classmethod
    def _callback(cls, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            cls.started = time.perf_counter()
        elif cls.histogram is not None:
            elapsed = time.perf_counter() - cls.started
            cls.histogram.labels(str(info["generation"])).observe(elapsed)


_heap_frozen = False


def freeze_startup_heap() -> None:
    """Move what exists once the process has started (modules, routes, schemas: hundreds of
    thousands of objects that live as long as the process) out of the collector's sight,
    once per process. Every full collection would walk them all otherwise: tens of
    milliseconds, landing in some request's latency (gc.freeze, as Instagram does)."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()
        gc.freeze()


class RequestContextMiddleware:
    """Gives each request an id (X-Request-ID, kept if the client sent a sane one), binds it
    to every log line, logs one access line, and counts the request in the metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics, api_prefix: str = "") -> None:
        self.app = app
        self.metrics = metrics
        self.api_prefix = api_prefix
        self.log = structlog.get_logger("shutter.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            # Routes of included routers report their path without the router's prefix.
            path = scope.get("path", "")
            if (
                route is not None
                and path.startswith(self.api_prefix)
                and not template.startswith(self.api_prefix)
            ):
                template = self.api_prefix + template
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(elapsed)
            self.log.info(
                "request",
                method=method,
                route=template,
                status=status,
                ms=round(elapsed * 1000, 2),
            )


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if 0 < len(candidate) <= 64 and candidate.replace("-", "").isalnum():
                return candidate
    return uuid.uuid4().hex
