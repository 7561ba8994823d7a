"""The long-lived parts a process needs, built once in `app.py` and passed to services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shutter.auth.passwords import PasswordChecks
from shutter.auth.sessions import RevokedSessions, TokenVersions, UsedTickets
from shutter.auth.tokens import TokenIssuer
from shutter.db.database import Database
from shutter.events.runtime import EventRuntime
from shutter.feed.degraded import DegradedReads
from shutter.ids import IdGenerator
from shutter.mail.senders import MailSender, MemorySender
from shutter.realtime.bus import InProcessBus, RealtimeBus
from shutter.settings import Settings
from shutter.stores.hydration import HydrationCache
from shutter.stores.objects import ObjectStore
from shutter.stores.ratelimits import RateLimiter
from shutter.stores.timelines import TimelineStore


@dataclass
class AppContext:
    settings: Settings
    db: Database
    ids: IdGenerator
    tokens: TokenIssuer
    objects: ObjectStore
    timelines: TimelineStore
    events: EventRuntime = field(default_factory=EventRuntime)
    hydration: HydrationCache = field(default_factory=HydrationCache)
    token_versions: TokenVersions = field(default_factory=TokenVersions)
    live_sessions: RevokedSessions = field(default_factory=RevokedSessions)
    used_tickets: UsedTickets = field(default_factory=UsedTickets)
    rate_limiter: RateLimiter = field(default_factory=RateLimiter.disabled)
    realtime: RealtimeBus = field(default_factory=InProcessBus)
    redis: Any | None = None  # redis.asyncio.Redis when the distributed profile has one
    # Feed pages served from the database while the timeline store is down.
    degraded_reads: DegradedReads = field(default_factory=lambda: DegradedReads(20.0))
    nats: Any | None = None  # nats.aio.client.Client when configured
    extras: dict[str, Any] = field(default_factory=dict)
    # The process's bound on concurrent password hashing (set from the settings in app.py).
    passwords: PasswordChecks = field(default_factory=lambda: PasswordChecks(4, 2.0))
    # Where account mail goes (SMTP or the mail dir; set from the settings in app.py).
    mail: MailSender = field(default_factory=MemorySender)
