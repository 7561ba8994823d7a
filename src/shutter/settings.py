"""All configuration, read once from the environment (and an optional .env file)."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Profile = Literal["embedded", "distributed"]

MIB = 1024 * 1024


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

    celebrity_threshold: int = Field(100_000, ge=1)
    timeline_max: int = Field(800, ge=10)
    inactive_days: int = Field(14, ge=1)
    story_ttl_seconds: int = Field(86_400, ge=1)
    rate_limits: Literal["on", "off"] = "on"

    access_token_ttl_seconds: int = Field(7 * 86_400, ge=60)
    upload_url_ttl_seconds: int = Field(3_600, ge=10)
    image_max_bytes: int = Field(30 * MIB, ge=1)
    video_max_bytes: int = Field(250 * MIB, ge=1)
    image_max_pixels: int = Field(64_000_000, ge=1)
    # Which 10-bit node field this process stamps into ids; None picks one at random.
    node_id: int | None = Field(None, ge=0, le=1023)
    # Followers read from the database per fan-out step.
    fanout_page_size: int = Field(5000, ge=10, le=100_000)
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
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("public_url", "media_base_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @property
    def profile(self) -> Profile:
        """`distributed` as soon as any external store is configured."""
        external = (self.redis_url, self.nats_url, self.s3_bucket)
        if any(external) or not self.resolved_database_url.startswith("sqlite"):
            return "distributed"
        return "embedded"

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
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def rate_limits_enabled(self) -> bool:
        return self.rate_limits == "on"
