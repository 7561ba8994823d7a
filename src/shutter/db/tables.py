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
    # JSON {"thumb"|"small"|"medium"|"large": object key}; equal variants share one key
    Column("variants", Text, nullable=True),
    Column("poster_key", String(255), nullable=True),  # a video's poster frame (WebP)
    Column("width", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    Column("blurhash", String(64), nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("error_code", String(64), nullable=True),
    Column("error_message", String(255), nullable=True),
    Column("post_id", BigInteger, nullable=True),
    Column("position", SmallInteger, nullable=True),
    # Set when the media becomes a story; media with neither post nor story is an orphan.
    Column("story_id", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_media_owner_id_id", "owner_id", "id"),
    Index("ix_media_post_id", "post_id"),
    # Content-addressed objects may be shared: deleting one first asks who else uses it.
    Index("ix_media_original_key", "original_key"),
    # The lifecycle job's scan for media that belong to nothing, oldest first.
    Index(
        "ix_media_unattached",
        "created_at",
        postgresql_where=text("post_id IS NULL AND story_id IS NULL"),
        sqlite_where=text("post_id IS NULL AND story_id IS NULL"),
    ),
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
    Column("location_id", BigInteger, nullable=True),
    Column("like_count", Integer, nullable=False, server_default="0"),
    Column("comment_count", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Index("ix_posts_author_id_id", "author_id", "id"),
    Index("ix_posts_location_id_id", "location_id", "id"),
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

# A block hides two people from each other both ways; the row is owned by the blocker.
blocks = Table(
    "blocks",
    metadata,
    Column("blocker_id", BigInteger, nullable=False),
    Column("blocked_id", BigInteger, nullable=False),
    Column("id", BigInteger, nullable=False),  # time-sortable: the keyset for the block list
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("blocker_id", "blocked_id"),
    Index("ix_blocks_blocked_id_blocker_id", "blocked_id", "blocker_id"),
)

# Likes: one row per (post, user); posts.like_count is kept in step in the same transaction
# and reconciled against these rows periodically.
likes = Table(
    "likes",
    metadata,
    Column("post_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("id", BigInteger, nullable=False),  # time-sortable: the keyset for "liked by"
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("post_id", "user_id"),
    Index("ix_likes_post_id_id", "post_id", "id"),
    # A user's recent likes: Explore's "people who liked what you liked" signal.
    Index("ix_likes_user_id_id", "user_id", "id"),
)

# Comments, with replies one level deep (parent_id is a top-level comment of the same post).
comments = Table(
    "comments",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("post_id", BigInteger, nullable=False),
    Column("author_id", BigInteger, nullable=False),
    Column("parent_id", BigInteger, nullable=True),
    Column("text", Text, nullable=False),
    Column("reply_count", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Index("ix_comments_post_id_parent_id_id", "post_id", "parent_id", "id"),
)

# Hashtags (stored case-folded), from captions and comments, with the number of live posts
# whose caption uses them, of every account: orders search candidates, never shown (what a
# reader is shown is counted for that reader, through the visibility rule).
hashtags = Table(
    "hashtags",
    metadata,
    Column("tag", String(100), primary_key=True),
    Column("post_count", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

post_hashtags = Table(
    "post_hashtags",
    metadata,
    Column("tag", String(100), nullable=False),
    Column("post_id", BigInteger, nullable=False),
    PrimaryKeyConstraint("tag", "post_id"),
    Index("ix_post_hashtags_post_id", "post_id"),
)

# Hashtags used in comments: a post is listed under the tags of its live comments too (to
# readers who may see the comment). Owned by the comment; deleting it deletes these rows.
comment_hashtags = Table(
    "comment_hashtags",
    metadata,
    Column("comment_id", BigInteger, nullable=False),
    Column("tag", String(100), nullable=False),
    Column("post_id", BigInteger, nullable=False),
    Column("author_id", BigInteger, nullable=False),  # the comment's: blocks hide it
    PrimaryKeyConstraint("comment_id", "tag"),
    Index("ix_comment_hashtags_tag_post_id", "tag", "post_id"),
)

# Places posts were tagged with, one per case-insensitive name. A place keeps no
# coordinates of its own: the first post to name it must not fix them for everyone (a
# private one least of all). Its page shows an average over public posts (docs/privacy.md).
locations = Table(
    "locations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("name_key", String(100), nullable=False, unique=True),  # case-folded name
    # Live posts naming the place, of every account: orders search candidates, never shown.
    Column("post_count", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Notifications, aggregated per (recipient, group_key): "a and 12 others liked your post" is
# one row with its actors in notification_actors. New activity moves a row to the top
# (sort_id) and marks it unread again.
notifications = Table(
    "notifications",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("group_key", String(64), nullable=False),
    Column("post_id", BigInteger, nullable=True),
    Column("comment_id", BigInteger, nullable=True),
    Column("actor_count", Integer, nullable=False, server_default="0"),
    Column("sort_id", BigInteger, nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("uq_notifications_user_id_group_key", "user_id", "group_key", unique=True),
    Index("ix_notifications_user_id_sort_id", "user_id", "sort_id"),
)

notification_actors = Table(
    "notification_actors",
    metadata,
    Column("notification_id", BigInteger, nullable=False),
    Column("actor_id", BigInteger, nullable=False),
    Column("id", BigInteger, nullable=False),  # time-sortable: latest actors first
    PrimaryKeyConstraint("notification_id", "actor_id"),
)

# Stories: live from created_at until expires_at (filtered at every read); the expiry job
# soft-deletes them and, after a retention window, deletes their media objects.
stories = Table(
    "stories",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("author_id", BigInteger, nullable=False),
    Column("media_id", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # Set by the author's delete or by the expiry job; the media retention counts from it.
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("media_deleted_at", DateTime(timezone=True), nullable=True),
    Index("ix_stories_author_id_id", "author_id", "id"),
    Index(
        "ix_stories_expiring",
        "expires_at",
        postgresql_where=text("deleted_at IS NULL"),
        sqlite_where=text("deleted_at IS NULL"),
    ),
    Index(
        "ix_stories_media_retained",
        "deleted_at",
        postgresql_where=text("deleted_at IS NOT NULL AND media_deleted_at IS NULL"),
        sqlite_where=text("deleted_at IS NOT NULL AND media_deleted_at IS NULL"),
    ),
)

# Who has seen which story; owned by the story's author (keyed by story).
story_views = Table(
    "story_views",
    metadata,
    Column("story_id", BigInteger, nullable=False),
    Column("viewer_id", BigInteger, nullable=False),
    Column("id", BigInteger, nullable=False),  # time-sortable: the keyset for viewer lists
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("story_id", "viewer_id"),
    Index("ix_story_views_story_id_id", "story_id", "id"),
)

# Direct messages. One conversation per pair of people (user_low < user_high). `last_seq`
# is the sequence number of its newest message: a send increments it first thing, which
# row-locks the conversation (PostgreSQL) so that seqs are gap-free and never repeat.
conversations = Table(
    "conversations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_low", BigInteger, nullable=False),
    Column("user_high", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
    Column("last_message_id", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("uq_conversations_pair", "user_low", "user_high", unique=True),
)

# Each participant's side of a conversation, keyed by that user (the inbox is one range
# scan): where it is filed, how far they have read, and the newest message id for order.
conversation_members = Table(
    "conversation_members",
    metadata,
    Column("user_id", BigInteger, nullable=False),
    Column("conversation_id", BigInteger, nullable=False),
    Column("other_id", BigInteger, nullable=False),
    # False: a request (the sender is someone this user does not follow) until accepted.
    Column("accepted", Boolean, nullable=False),
    Column("read_seq", BigInteger, nullable=False, server_default="0"),
    Column("sort_id", BigInteger, nullable=False),  # newest message id: inbox order
    PrimaryKeyConstraint("user_id", "conversation_id"),
    Index("ix_conversation_members_inbox", "user_id", "accepted", "sort_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("conversation_id", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("sender_id", BigInteger, nullable=False),
    Column("client_message_id", String(64), nullable=False),
    Column("content", Text, nullable=False),
    Column("post_id", BigInteger, nullable=True),  # a shared post
    Column("story_id", BigInteger, nullable=True),  # a reply to this story
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("uq_messages_conversation_id_seq", "conversation_id", "seq", unique=True),
    # A client's retry stores nothing twice: the id is the sender's own.
    Index("uq_messages_sender_id_client_message_id", "sender_id", "client_message_id", unique=True),
)

# Web Push subscriptions: one row per browser (its push service endpoint is unique), for
# the user signed in when it subscribed. `session_id` will tie it to a session once
# sessions exist, so that signing out of one removes its subscription.
push_subscriptions = Table(
    "push_subscriptions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, nullable=False),
    Column("session_id", BigInteger, nullable=True),
    Column("endpoint", String(2048), nullable=False),
    Column("p256dh", String(100), nullable=False),  # base64url of the browser's P-256 key
    Column("auth", String(32), nullable=False),  # base64url of its 16-byte auth secret
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("uq_push_subscriptions_endpoint", "endpoint", unique=True),
    Index("ix_push_subscriptions_user_id", "user_id"),
)
