"""All configuration, read once from the environment (and an optional .env file)."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Profile = Literal["embedded", "distributed"]

MIB = 1024 * 1024


def _half_the_cores() -> int:
    return max(1, min(4, (os.cpu_count() or 2) // 2))


class Settings(BaseSettings):
    """Shutter's settings. Every field maps to a `SHUTTER_<NAME>` environment variable."""

    model_config = SettingsConfigDict(env_prefix="SHUTTER_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./shutter-data")
    database_url: str | None = None
    redis_url: str | None = None
    nats_url: str | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    public_url: str | None = None
    media_base_url: str | None = None
    secret_key: str | None = None
    # Web Push (docs/web.md): the VAPID private key (base64url of the raw 32-byte P-256
    # scalar). Unset: generated once into `<data dir>/vapid_private_key` in the embedded
    # profile; push is off in the distributed profile until it is set (every process
    # must sign with the same key).
    vapid_private_key: str | None = None
    vapid_subject: str = "mailto:admin@localhost"  # who push services may contact
    push_concurrency: int = Field(16, ge=1, le=1000)  # requests to push services at once
    push_timeout_seconds: float = Field(10.0, gt=0, le=120)
    # Accept subscriptions whose endpoint is a loopback address over plain http (tests).
    push_allow_loopback: bool = False
    # Accept endpoints on private, link-local and other internal addresses (a push service
    # inside your own network); off, they are refused on subscribing and before sending.
    push_allow_private_networks: bool = False

    celebrity_threshold: int = Field(100_000, ge=1)
    timeline_max: int = Field(800, ge=10)
    inactive_days: int = Field(14, ge=1)
    # Explore leaves out posts the reader was shown (in the feed or Explore) or liked in
    # the last this many days (docs/explore.md); 0 turns the filter off.
    explore_seen_days: int = Field(3, ge=0, le=30)
    # The ranked feed's score: weights of recency, engagement and the reader's affinity
    # with the author (feed/ranking.py, docs/feed.md).
    feed_rank_weight_recency: float = Field(0.5, ge=0, le=1)
    feed_rank_weight_engagement: float = Field(0.3, ge=0, le=1)
    feed_rank_weight_affinity: float = Field(0.2, ge=0, le=1)
    story_ttl_seconds: int = Field(86_400, ge=1)
    # How long the media of an expired or deleted story are kept (abuse review), and how
    # often the expiry job looks for stories to soft-delete and media to remove.
    story_media_retention_seconds: int = Field(7 * 86_400, ge=0)
    story_expiry_interval_seconds: float = Field(30.0, ge=0.05, le=86_400)
    # Story media are served by URLs that expire with the story, and at most this long
    # after they were handed out (then a client asks for the story again).
    story_media_url_ttl_seconds: int = Field(3_600, ge=60, le=86_400)
    # How often a batch of posts has its like and comment counts checked against the rows.
    count_reconcile_interval_seconds: float = Field(60.0, ge=0.05, le=86_400)
    rate_limits: Literal["on", "off"] = "on"
    # "pull" serves every home-feed page from the SQL query over followees (the benchmark's
    # baseline); "hybrid" is the stored-timeline read.
    feed_read_path: Literal["hybrid", "pull"] = "hybrid"
    # Redis client: how long to wait for a connection and for each reply, so that a hung
    # Redis costs a request at most this long instead of hanging it.
    redis_connect_timeout_seconds: float = Field(1.0, gt=0, le=60)
    redis_timeout_seconds: float = Field(2.0, gt=0, le=600)
    # After a Redis connection or timeout error, calls to Redis fail at once for this
    # long (the circuit is open), then one call probes whether it is back.
    redis_retry_seconds: float = Field(2.0, ge=0.05, le=300)
    # While Redis is down, home-feed pages come from the database: at most this many per
    # second per process (bursts up to the same number); beyond, 503 with Retry-After.
    degraded_feed_reads_per_second: float = Field(20.0, gt=0, le=100_000)
    # Limits per action, in the `limits` notation ("25/hour", "10/minute;60/hour").
    # Per user: posts, likes, comments, follows, messages. Per client address:
    # register (every attempt) and login (failed attempts: the widening windows are the
    # backoff against credential stuffing).
    rate_limit_posts: str = "25/hour"
    rate_limit_likes: str = "350/hour"
    rate_limit_comments: str = "60/hour"
    rate_limit_follows: str = "60/hour"
    rate_limit_messages: str = "60/minute"
    rate_limit_register: str = "10/hour;50/day"
    rate_limit_login: str = "10/minute;30/hour;100/day"
    # Upload tickets (`POST /media`, which stories and avatars use too) per user, and the
    # bytes those tickets may announce per user per rolling hour (counted in whole MiB).
    rate_limit_uploads: str = "60/hour"
    # Accounts (docs/accounts.md): password-reset mails asked for, per client address and
    # per email address; verification mails re-sent per user; one-time tokens (reset,
    # verification) tried per client address.
    rate_limit_password_reset: str = "5/hour;20/day"  # noqa: S105 - a limit
    rate_limit_verification_mail: str = "5/hour;20/day"
    rate_limit_token_checks: str = "30/hour"  # noqa: S105 - a limit
    # Two-factor codes tried per account (sign-in, set-up, turning it off).
    rate_limit_mfa: str = "5/minute;20/hour"
    rate_limit_reports: str = "20/hour;100/day"  # reports filed, per user
    # Accounts younger than `new_account_seconds` are held to these as well (anti-spam:
    # a throwaway account does little harm in its first day).
    new_account_seconds: int = Field(86_400, ge=0)
    rate_limit_new_account_posts: str = "5/hour"
    rate_limit_new_account_likes: str = "100/hour"
    rate_limit_new_account_comments: str = "20/hour"
    rate_limit_new_account_follows: str = "20/hour"
    rate_limit_new_account_uploads: str = "20/hour"
    rate_limit_new_account_reports: str = "5/hour"
    # Anti-spam (seed 004 §8.4): an account refused by the per-user limits this often
    # keeps hitting them, and is flagged into the moderation queue.
    rate_limit_refused: str = "30/hour"
    upload_bytes_per_hour: int = Field(2048 * MIB, ge=MIB)

    # Access tokens are short-lived; a session's refresh token (rotated on each use) gets
    # new ones, and lasts this long after its last use (docs/accounts.md).
    access_token_ttl_seconds: int = Field(900, ge=60)
    refresh_token_ttl_seconds: int = Field(60 * 86_400, ge=300)
    # How long an API process that cannot hear other processes' revocations (no broker,
    # or its connection lost) trusts a token version or session it confirmed: another
    # process may accept a revoked token for this long (auth/sessions.py).
    revocation_check_seconds: float = Field(2.0, ge=0, le=60)
    # Mail (docs/accounts.md): `smtp://user:pass@host:port` (STARTTLS when the server
    # offers it) or `smtps://…` (TLS from the start); unset, each mail is written as an
    # .eml file under <data dir>/mail/. The sender address, and the instance name that
    # mail subjects carry.
    smtp_url: str | None = None
    mail_from: str = "Shutter <no-reply@localhost>"
    instance_name: str = Field("Shutter", min_length=1, max_length=64)
    smtp_timeout_seconds: float = Field(30.0, gt=0, le=600)
    # An unverified account may sign in and read but not post, comment or message.
    require_verified_email: bool = False
    # Lifetimes of the one-time links mailed for a password reset and an email check.
    password_reset_ttl_seconds: int = Field(3_600, ge=60, le=86_400)
    email_verification_ttl_seconds: int = Field(3 * 86_400, ge=60, le=30 * 86_400)
    upload_url_ttl_seconds: int = Field(3_600, ge=10)
    image_max_bytes: int = Field(30 * MIB, ge=1)
    video_max_bytes: int = Field(250 * MIB, ge=1)
    image_max_pixels: int = Field(64_000_000, ge=1)
    video_max_pixels: int = Field(4096 * 2304, ge=1)  # 4K UHD (DCI width) and below
    video_max_duration_s: float = Field(900.0, gt=0)
    # Bounds on the work one video may cost, counted while decoding (headers are not
    # trusted): frames per second of video (averaged), decoded frames in all.
    video_max_fps: float = Field(120.0, gt=0)
    video_max_frames: int = Field(108_000, ge=1)
    # Wall-clock seconds one media job may run; then its worker process is killed and
    # replaced, and the media fails with `processing_timeout`.
    media_job_timeout_seconds: float = Field(900.0, gt=0)
    # Worker processes that decode and encode media; 0 runs the work in threads instead.
    media_processes: int = Field(1, ge=0, le=64)
    # Unattached (never posted) media, uploads never completed and media of deleted posts
    # are deleted after this long; the lifecycle job runs every media_gc_interval_seconds.
    media_retention_seconds: int = Field(86_400, ge=0)
    media_gc_interval_seconds: float = Field(3_600.0, gt=0)
    # Media still `processing` after this long (its events given up) is marked failed.
    media_processing_timeout_seconds: int = Field(3_600, ge=10)
    # Your data (portability/, docs/data.md): an Instagram archive's size as uploaded, and
    # the bounds that refuse zip bombs (everything unpacked, one entry's expansion ratio,
    # entries, one JSON file).
    import_max_bytes: int = Field(4 * 1024 * MIB, ge=1)
    # An archive larger than this goes up in parts of this size where the store needs it
    # (S3: one PUT takes at most 5 GB; a part at least 5 MiB, the last one excepted).
    import_part_bytes: int = Field(512 * MIB, ge=5 * MIB, le=5 * 1024 * MIB)
    import_max_uncompressed_bytes: int = Field(16 * 1024 * MIB, ge=1)
    import_max_ratio: float = Field(200.0, gt=1)
    import_max_entries: int = Field(200_000, ge=1)
    import_json_max_bytes: int = Field(64 * MIB, ge=1024)
    # Exports: how long the download link works, and how often a user may ask for one.
    export_link_ttl_seconds: int = Field(7 * 86_400, ge=60)
    export_interval_seconds: int = Field(86_400, ge=0)
    # Account deletion: days between DELETE /users/me and the purge (restore until then),
    # and how often the purge job looks for accounts that are due.
    account_deletion_grace_days: float = Field(30, ge=0)
    account_purge_interval_seconds: float = Field(3_600.0, gt=0)
    # /readyz answers 503 when the disk holding the data dir (SQLite) or the local media
    # dir has less free space than this (embedded profile, local object store).
    min_free_disk_bytes: int = Field(512 * MIB, ge=0)
    # Which 10-bit node field this process stamps into ids; None picks one at random.
    node_id: int | None = Field(None, ge=0, le=1023)
    # Followers read from the database per fan-out step.
    fanout_page_size: int = Field(5000, ge=10, le=100_000)
    # Copies JetStream keeps of the event stream (3 on a three-node NATS cluster: a node
    # may die without losing or stalling events). Applies when the stream is created.
    nats_stream_replicas: int = Field(1, ge=1, le=5)
    # How long JetStream waits for a worker's ack before redelivering an event.
    event_ack_wait_seconds: float = Field(30.0, ge=0.5, le=3600)
    # Deliveries of an event before it is dead-lettered, and the first retry delay
    # (doubling with each attempt).
    event_max_attempts: int = Field(5, ge=1, le=100)
    event_retry_base_seconds: float = Field(1.0, ge=0.01, le=600)
    # Prefix of every Redis key and NATS subject/stream this deployment uses.
    namespace: str = Field("shutter", pattern=r"^[a-z][a-z0-9-]{0,40}$")
    # Run event handlers inside the API process. Default: yes in the embedded profile,
    # no in the distributed one (where `shutter worker` processes do it).
    in_process_workers: bool | None = None
    # WebSocket gateway: events queued per socket before it counts as a slow consumer and
    # is closed (4008), and the heartbeat period (a socket silent for two is closed, 4009).
    ws_queue_size: int = Field(256, ge=1, le=100_000)
    ws_heartbeat_seconds: float = Field(20.0, gt=0, le=3600)
    # Lifetime of a WebSocket ticket (POST /ws/ticket): the socket URL carries it instead
    # of the access token, so a proxy's log holds nothing that stays usable.
    ws_ticket_ttl_seconds: int = Field(30, ge=1, le=600)

    # Limits: requests, connections and passwords (docs/operations.md).
    # Password hashes verified or computed at once in this process (argon2id takes 64 MiB
    # and tens of ms of a core each; default: half the cores, 1 to 4, so that a burst of
    # logins leaves CPU to the requests of signed-in users); a request waits at most
    # password_check_wait_seconds for a slot, then gets 503 busy with Retry-After.
    password_checks_max_concurrent: int = Field(default_factory=_half_the_cores, ge=1, le=256)
    password_check_wait_seconds: float = Field(2.0, ge=0, le=60)
    # How long a request waits for a free database connection before 503 busy.
    database_pool_timeout_seconds: float = Field(5.0, gt=0, le=60)
    # PostgreSQL read replicas (comma-separated URLs): the reads of GET requests go to
    # one of them, unless it lags by more than replica_max_lag_seconds or is down (then
    # the primary serves), or the reader wrote within the last few seconds (read your
    # writes). Writes, event handlers and periodic jobs always use the primary.
    database_replica_urls: str | None = None
    replica_max_lag_seconds: float = Field(2.0, gt=0, le=3600)
    # How often each process measures each replica's lag (and retries one that was down).
    replica_check_interval_seconds: float = Field(1.0, ge=0.05, le=60)
    # Largest request body of the JSON API; larger ones get 413 body_too_large before
    # being read. Uploads to the embedded store are bounded by their ticket's size instead.
    body_max_bytes: int = Field(256 * 1024, ge=1024, le=64 * MIB)
    # A client that takes longer than this between two parts of a request body gets 408.
    body_read_timeout_seconds: float = Field(30.0, gt=0, le=3600)
    # A connection that has not sent a complete request head within this is closed.
    header_read_timeout_seconds: float = Field(10.0, gt=0, le=3600)
    # An idle keep-alive connection is closed after this. Longer than the 5 s a client
    # polling every 5 s leaves it idle (Mastodon.py waiting for a video): at exactly 5 s
    # its next request raced the close and met a reset connection.
    keep_alive_timeout_seconds: int = Field(15, ge=1, le=3600)
    # Connections and requests served at once by one `shutter serve` process; past it new
    # requests get 503 at once (uvicorn's limit_concurrency).
    concurrency_limit: int = Field(2048, ge=1, le=1_000_000)
    log_level: str = "INFO"
    log_json: bool = True

    # Trust and safety (docs/moderation.md). Automatic screening of uploaded images and
    # video frames by the local classifier in the media worker: at or above the remove
    # threshold the media is taken down when posted (and queued, appealable); at or above
    # the review threshold it is posted marked sensitive and queued.
    moderation: Literal["on", "off"] = "on"
    moderation_remove_threshold: float = Field(0.95, gt=0, le=1)
    moderation_review_threshold: float = Field(0.7, gt=0, le=1)
    # Seconds one screening may take before the media is marked `screening_failed`.
    moderation_timeout_seconds: float = Field(30.0, gt=0, le=600)
    # How long the files of a removed post are kept (withheld) for a restore; then the
    # media lifecycle job deletes them, and the post can no longer be restored.
    moderation_removed_media_retention_seconds: int = Field(30 * 86_400, ge=0)
    # Distinct reporters of one account within the window that flag it into the queue.
    moderation_report_flag_count: int = Field(3, ge=2, le=1000)
    moderation_report_flag_window_seconds: int = Field(3_600, ge=60)
    # Posts with the same caption, or the same picture, by one account within that window
    # that flag it into the queue (anti-spam).
    moderation_repeat_flag_count: int = Field(5, ge=2, le=1000)

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 32:
            raise ValueError("must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("smtp://", "smtps://")):
            raise ValueError("must start with smtp:// or smtps://")
        return value or None

    @field_validator("public_url", "media_base_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator(
        "rate_limit_posts",
        "rate_limit_likes",
        "rate_limit_comments",
        "rate_limit_follows",
        "rate_limit_messages",
        "rate_limit_register",
        "rate_limit_login",
        "rate_limit_uploads",
        "rate_limit_password_reset",
        "rate_limit_verification_mail",
        "rate_limit_token_checks",
        "rate_limit_mfa",
        "rate_limit_reports",
        "rate_limit_new_account_posts",
        "rate_limit_new_account_likes",
        "rate_limit_new_account_comments",
        "rate_limit_new_account_follows",
        "rate_limit_new_account_uploads",
        "rate_limit_new_account_reports",
        "rate_limit_refused",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            if not parse_many(value):
                raise ValueError("empty")
        except ValueError as exc:
            raise ValueError(
                f"not a rate limit like '25/hour' or '10/minute;60/hour': {exc}"
            ) from exc
        return value

    @property
    def rate_limit_table(self) -> dict[str, str]:
        """Every limited action and its limits."""
        prefix = "rate_limit_"
        return {
            name.removeprefix(prefix): getattr(self, name)
            for name in type(self).model_fields
            if name.startswith(prefix)
        }

    @property
    def screening_enabled(self) -> bool:
        return self.moderation == "on"

    @property
    def profile(self) -> Profile:
        """`distributed` as soon as any external store is configured."""
        external = (self.redis_url, self.nats_url, self.s3_bucket)
        if any(external) or not self.resolved_database_url.startswith("sqlite"):
            return "distributed"
        return "embedded"

    @property
    def replica_urls(self) -> list[str]:
        return [url.strip() for url in (self.database_replica_urls or "").split(",") if url.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'shutter.db').resolve()}"

    @cached_property
    def resolved_secret_key(self) -> str:
        """The signing key: configured, or generated once and kept in the data dir.

        The distributed profile refuses to invent one, since several processes must agree.
        """
        if self.secret_key:
            if len(self.secret_key) < 32:
                raise ValueError("SHUTTER_SECRET_KEY must be at least 32 characters")
            return self.secret_key
        if self.profile == "distributed":
            raise ValueError("SHUTTER_SECRET_KEY is required in the distributed profile")
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    @property
    def runs_workers_in_process(self) -> bool:
        if self.in_process_workers is None:
            return self.profile == "embedded"
        return self.in_process_workers

    @property
    def mail_dir(self) -> Path:
        """Where mail goes as .eml files when no SMTP server is configured."""
        return self.data_dir / "mail"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def rate_limits_enabled(self) -> bool:
        return self.rate_limits == "on"
