"""The long-lived parts a process needs, built once in `app.py` (`open_context`) and passed
to routes, services, event handlers and periodic jobs.

Frozen: every part is built first, then the context, and nothing is assigned to it later.
Event handlers and periodic jobs do not take it by name: each declares a small Protocol of
the parts it uses (e.g. `feed.tasks.FeedDeps`), which this class satisfies, so that
`events/` never imports the application.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shutter.auth.passwords import PasswordChecks
from shutter.auth.sessions import RevokedSessions, TokenVersions, UsedTickets
from shutter.auth.tokens import TokenIssuer
from shutter.db.database import Database
from shutter.events.runtime import EventRuntime
from shutter.ids import IdGenerator
from shutter.mail.senders import MailSender
from shutter.observability import Metrics
from shutter.realtime.bus import RealtimeBus
from shutter.settings import Settings
from shutter.stores.breaker import CircuitBreaker
from shutter.stores.degraded import DegradedReads
from shutter.stores.hydration import HydrationCache
from shutter.stores.objects import ObjectStore
from shutter.stores.ratelimits import RateLimiter
from shutter.stores.redis import RedisClient
from shutter.stores.seen import SeenPosts
from shutter.stores.timelines import TimelineStore

if TYPE_CHECKING:
    from nats.aio.client import Client as NatsClient

    from shutter.media.screening import ContentClassifier
    from shutter.posts.checks import NewPostCheck
    from shutter.push.sender import WebPushSender  # push/api.py imports http/, which imports this


@dataclass(frozen=True, slots=True, kw_only=True)
class AppContext:
    settings: Settings
    db: Database
    ids: IdGenerator
    tokens: TokenIssuer
    objects: ObjectStore
    timelines: TimelineStore
    # Posts each reader was shown lately (Explore leaves them out).
    seen_posts: SeenPosts
    events: EventRuntime[AppContext]
    hydration: HydrationCache
    token_versions: TokenVersions
    # Sessions confirmed alive lately (a revoked one stops working within seconds).
    live_sessions: RevokedSessions
    used_tickets: UsedTickets
    rate_limiter: RateLimiter
    realtime: RealtimeBus
    # Feed pages served from the database while the timeline store is down.
    degraded_reads: DegradedReads
    # The process's bound on concurrent password hashing.
    passwords: PasswordChecks
    metrics: Metrics
    # Where account mail goes (SMTP, or .eml files in the mail dir).
    mail: MailSender
    redis: RedisClient | None = None  # when the distributed profile has one
    redis_breaker: CircuitBreaker | None = None  # guards every use of `redis`
    nats: NatsClient | None = None  # when configured
    # Run in the transaction that creates a post (moderation: screening's verdicts).
    new_post_checks: tuple[NewPostCheck, ...] = ()
    # The same for a story (same signature: the story's id and its author's).
    new_story_checks: tuple[NewPostCheck, ...] = ()
    # A content classifier to use in-process instead of NudeNet (tests set a fake one).
    classifier: ContentClassifier | None = None
    web_push: WebPushSender | None = None  # when push is set up (docs/web.md)
