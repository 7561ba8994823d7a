"""The schema, as SQLAlchemy Core tables (the feed path never builds ORM objects).

No foreign keys cross users: every table is keyed by the user it belongs to, so that
rows can later be sharded on `user_id` (Citus or application-level) without rewriting
queries. The application keeps references consistent.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("username", String(30), nullable=False, unique=True),  # stored lower-case
    Column("email", String(254), nullable=False, unique=True),  # stored lower-case
    Column("password_hash", String(255), nullable=False),
    Column("display_name", String(64), nullable=False, server_default=""),
    Column("bio", String(150), nullable=False, server_default=""),
    Column("avatar_media_id", BigInteger, nullable=True),
    Column("avatar_key", String(255), nullable=True),  # object key of the avatar image
    Column("is_private", Boolean, nullable=False, server_default="0"),
    # Bumped on password change: tokens carry it and older ones stop working.
    Column("token_version", Integer, nullable=False, server_default="0"),
    Column("follower_count", Integer, nullable=False, server_default="0"),
    Column("following_count", Integer, nullable=False, server_default="0"),
    Column("post_count", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

follows = Table(
    "follows",
    metadata,
    Column("follower_id", BigInteger, nullable=False),
    Column("followee_id", BigInteger, nullable=False),
    # Time-sortable id of the relationship: the keyset for follower/following lists.
    Column("id", BigInteger, nullable=False),
    # "accepted", or "pending" while a private account has not approved the request.
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("follower_id", "followee_id"),
    Index("ix_follows_followee_id_id", "followee_id", "id"),
    Index("ix_follows_follower_id_id", "follower_id", "id"),
)

media = Table(
    "media",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("owner_id", BigInteger, nullable=False),
    Column("kind", String(8), nullable=False),  # "image" | "video"
    Column("content_type", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    # pending (awaiting upload) -> processing -> ready | failed
    Column("status", String(16), nullable=False),
    Column("upload_key", String(255), nullable=False),
    Column("original_key", String(255), nullable=True),
    Column("width", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    Column("blurhash", String(64), nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("error_code", String(64), nullable=True),
    Column("error_message", String(255), nullable=True),
    Column("post_id", BigInteger, nullable=True),
    Column("position", SmallInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_media_owner_id_id", "owner_id", "id"),
    Index("ix_media_post_id", "post_id"),
)

posts = Table(
    "posts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("author_id", BigInteger, nullable=False),
    Column("caption", Text, nullable=False, server_default=""),
    Column("location_name", String(100), nullable=True),
    Column("location_lat", Float, nullable=True),
    Column("location_lng", Float, nullable=True),
    Column("like_count", Integer, nullable=False, server_default="0"),
    Column("comment_count", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Index("ix_posts_author_id_id", "author_id", "id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", BigInteger, nullable=False),
    Column("key", String(255), nullable=False),
    # A digest of the request body: the same key with a different body is refused.
    Column("request_digest", String(64), nullable=False),
    Column("resource_id", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("user_id", "key"),
)

# The transactional outbox: every change that has effects elsewhere (fan-out, notifications)
# writes its event here in the same transaction, so a crash can never lose one.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("topic", String(64), nullable=False),
    Column("payload", Text, nullable=False),  # JSON
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Set once the event is handled (embedded) or safely in JetStream (distributed).
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # Set when handling failed too often; an operator can inspect and replay.
    Column("dead_at", DateTime(timezone=True), nullable=True),
    Column("last_error", String(255), nullable=True),
    Index(
        "ix_outbox_pending",
        "id",
        postgresql_where=text("published_at IS NULL AND dead_at IS NULL"),
        sqlite_where=text("published_at IS NULL AND dead_at IS NULL"),
    ),
)
