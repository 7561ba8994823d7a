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
    # When the current email was proven (a verification link opened); null until then.
    Column("email_verified_at", DateTime(timezone=True), nullable=True),
    Column("follower_count", Integer, nullable=False, server_default="0"),
    Column("following_count", Integer, nullable=False, server_default="0"),
    Column("post_count", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Trust and safety (moderation/): "user" | "moderator" | "admin", granted by the CLI.
    Column("role", String(16), nullable=False, server_default="user"),
    # Set while the account is suspended (the visibility rule hides it and its content);
    # `suspended_until` null means until lifted. An ended suspension is lifted by a job.
    Column("suspended_at", DateTime(timezone=True), nullable=True),
    Column("suspended_until", DateTime(timezone=True), nullable=True),
    # Account deletion (portability/deletion.py): hidden from everyone from deactivated_at,
    # purged (every row and object) from purge_after unless restored before.
    Column("deactivated_at", DateTime(timezone=True), nullable=True),
    Column("purge_after", DateTime(timezone=True), nullable=True),
    Index(
        "ix_users_purge_after",
        "purge_after",
        postgresql_where=text("purge_after IS NOT NULL"),
        sqlite_where=text("purge_after IS NOT NULL"),
    ),
    # The few suspended and deactivated accounts: every read of posts leaves theirs out
    # (`privacy.visibility`), and where PostgreSQL plans that as an anti-join it reads
    # these instead of the whole table (the pull feed scanned `users` twice per page).
    Index(
        "ix_users_suspended",
        "id",
        postgresql_where=text("suspended_at IS NOT NULL"),
        sqlite_where=text("suspended_at IS NOT NULL"),
    ),
    Index(
        "ix_users_deactivated",
        "id",
        postgresql_where=text("deactivated_at IS NOT NULL"),
        sqlite_where=text("deactivated_at IS NOT NULL"),
    ),
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
    # The follower's bell: a notification for each new post and story of the followee.
    # It lives on the edge, so unfollowing (or a block, which removes the edge) drops it.
    Column("notify", Boolean, nullable=False, server_default="0"),
    PrimaryKeyConstraint("follower_id", "followee_id"),
    Index("ix_follows_followee_id_id", "followee_id", "id"),
    Index("ix_follows_follower_id_id", "follower_id", "id"),
    # Who rang the bell for an account: the recipients of its post and story notifications.
    Index(
        "ix_follows_notify",
        "followee_id",
        "follower_id",
        postgresql_where=text("notify"),
        sqlite_where=text("notify"),
    ),
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
    Column("alt", String(1500), nullable=True),  # the author's description (alt text)
    Column("error_code", String(64), nullable=True),
    Column("error_message", String(255), nullable=True),
    Column("post_id", BigInteger, nullable=True),
    Column("position", SmallInteger, nullable=True),
    # Set when the media becomes a story; media with neither post nor story is an orphan.
    Column("story_id", BigInteger, nullable=True),
    # Set when the media is sent in a direct message: its files then live under
    # `private/<media id>/` and are served by expiring links to the conversation's members.
    Column("message_id", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Automatic screening (media/screening.py): null when not screened (off), else
    # "clean" | "sensitive" | "removed" | "failed", with the classifier's highest score.
    Column("screening", String(16), nullable=True),
    Column("screening_score", Float, nullable=True),
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
    # Taken down by a moderator or by screening (hidden from all); a restore clears it.
    Column("removed_at", DateTime(timezone=True), nullable=True),
    # Shown blurred behind a tap: set by the author, a moderator or screening.
    Column("sensitive", Boolean, nullable=False, server_default="0"),
    # The one comment its author pinned: first in the comment list (comments/).
    Column("pinned_comment_id", BigInteger, nullable=True),
    # The text shown over the media until tapped (with or without `sensitive`).
    Column("content_warning", String(500), nullable=True),
    Column("comments_enabled", Boolean, nullable=False, server_default="1"),
    # like_count is shown to the author only.
    Column("hide_like_count", Boolean, nullable=False, server_default="0"),
    Column("edited_at", DateTime(timezone=True), nullable=True),  # the last edit
    Column("pinned_at", DateTime(timezone=True), nullable=True),  # first on the grid
    # Archived by its author: hidden from everyone else (privacy/visibility.py).
    Column("archived_at", DateTime(timezone=True), nullable=True),
    Index("ix_posts_author_id_id", "author_id", "id"),
    Index("ix_posts_location_id_id", "location_id", "id"),
    # Places nearby: the bounding-box prefilter of GET /locations/nearby.
    Index("ix_posts_location_lat_lng", "location_lat", "location_lng"),
    Index(
        "ix_posts_author_id_pinned_at",
        "author_id",
        "pinned_at",
        postgresql_where=text("pinned_at IS NOT NULL"),
        sqlite_where=text("pinned_at IS NOT NULL"),
    ),
)

# Earlier versions of edited posts: what the post said until `replaced_at`.
post_versions = Table(
    "post_versions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("post_id", BigInteger, nullable=False),
    Column("caption", Text, nullable=False),
    Column("location_name", String(100), nullable=True),
    Column("sensitive", Boolean, nullable=False),
    Column("content_warning", String(500), nullable=True),
    Column("alt_texts", Text, nullable=False),  # JSON {media id: alt text or null}
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("replaced_at", DateTime(timezone=True), nullable=False),
    Index("ix_post_versions_post_id_id", "post_id", "id"),
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

# A mute quiets an account's posts and/or stories for the muter alone, without telling
# the muted account; owned by the muter. A row has at least one of the two set.
mutes = Table(
    "mutes",
    metadata,
    Column("muter_id", BigInteger, nullable=False),
    Column("muted_id", BigInteger, nullable=False),
    Column("id", BigInteger, nullable=False),  # time-sortable: the keyset for the muted list
    Column("posts", Boolean, nullable=False),
    Column("stories", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("muter_id", "muted_id"),
    Index("ix_mutes_muter_id_id", "muter_id", "id"),
    Index("ix_mutes_muted_id", "muted_id"),
)

# Comment filters of an account, applied to comments on its posts: a word list (JSON,
# case-folded) whose matches are hidden when written, and comments limited to followers.
comment_filters = Table(
    "comment_filters",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("words", Text, nullable=False, server_default="[]"),
    Column("followers_only", Boolean, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
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

# Saved posts ("All saved"), private to the user who saved them: one row per (user, post).
saves = Table(
    "saves",
    metadata,
    Column("user_id", BigInteger, nullable=False),
    Column("post_id", BigInteger, nullable=False),
    Column("id", BigInteger, nullable=False),  # time-sortable: the keyset, newest save first
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("user_id", "post_id"),
    Index("ix_saves_user_id_id", "user_id", "id"),
    Index("ix_saves_post_id", "post_id"),  # a purged author's posts leave every list
)

# Named private collections of saved posts. A post in a collection is saved too; unsaving
# takes it out of every collection of its user.
collections = Table(
    "collections",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_collections_user_id_id", "user_id", "id"),
)

collection_posts = Table(
    "collection_posts",
    metadata,
    Column("collection_id", BigInteger, nullable=False),
    Column("post_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),  # the collection's owner
    # The order shown, highest first, and the keyset: an id when added (newest first),
    # renumbered by a reorder; unique within the collection.
    Column("position", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("collection_id", "post_id"),
    Index("ix_collection_posts_collection_id_position", "collection_id", "position"),
    Index("ix_collection_posts_user_id_post_id", "user_id", "post_id"),
    Index("ix_collection_posts_post_id", "post_id"),
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
    Column("removed_at", DateTime(timezone=True), nullable=True),  # by a moderator
    # Matched the post author's comment filter when written: shown only to its author and
    # to the post's author (marked), hidden from everyone else.
    Column("hidden_by_filter", Boolean, nullable=False, server_default="0"),
    # Kept in step with `comment_likes` in the transaction of the like (atomic increment).
    Column("like_count", Integer, nullable=False, server_default="0"),
    Index("ix_comments_post_id_parent_id_id", "post_id", "parent_id", "id"),
)

# Likes on comments: one row per (comment, user); comments.like_count moves with them.
comment_likes = Table(
    "comment_likes",
    metadata,
    Column("comment_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("id", BigInteger, nullable=False),  # time-sortable: the export's order
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("comment_id", "user_id"),
    Index("ix_comment_likes_user_id_id", "user_id", "id"),
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

# Hashtags a user follows: public posts whose caption uses one come into the follower's
# home feed, pulled at read time (never fanned out). Owned by the follower.
hashtag_follows = Table(
    "hashtag_follows",
    metadata,
    Column("user_id", BigInteger, nullable=False),
    Column("tag", String(100), nullable=False),  # case-folded, as in post_hashtags
    Column("id", BigInteger, nullable=False),  # time-sortable: the keyset, newest first
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("user_id", "tag"),
    Index("ix_hashtag_follows_user_id_id", "user_id", "id"),
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

# The reader's last visit to a profile (one row per pair): an affinity signal of the
# ranked feed, decayed by age.
profile_visits = Table(
    "profile_visits",
    metadata,
    Column("viewer_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("visited_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("viewer_id", "user_id"),
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
    Column("removed_at", DateTime(timezone=True), nullable=True),  # by a moderator
    # In the author's archive (imported from Instagram): never live, its media kept.
    Column("archived", Boolean, nullable=False, server_default="0"),
    # "everyone" (whoever may see the author's stories) or "close_friends" (only the
    # people on the author's close-friends list when it is read, and the author).
    Column("audience", String(16), nullable=False, server_default="everyone"),
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

# Highlights: named collections of the owner's stories, shown on the profile after the
# stories expire. A story held by a highlight keeps its media (stories/tasks.py).
highlights = Table(
    "highlights",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("owner_id", BigInteger, nullable=False),
    Column("title", String(50), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_highlights_owner_id_id", "owner_id", "id"),
)

highlight_items = Table(
    "highlight_items",
    metadata,
    Column("highlight_id", BigInteger, nullable=False),
    Column("story_id", BigInteger, nullable=False),
    Column("owner_id", BigInteger, nullable=False),  # the highlight's (and the story's)
    Column("position", SmallInteger, nullable=False),
    PrimaryKeyConstraint("highlight_id", "story_id"),
    # The retention job's "is this story held?" probe.
    Index("ix_highlight_items_story_id", "story_id"),
)

# The people who see an account's close-friends stories; owned by the account.
close_friends = Table(
    "close_friends",
    metadata,
    Column("owner_id", BigInteger, nullable=False),
    Column("friend_id", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("owner_id", "friend_id"),
    Index("ix_close_friends_friend_id", "friend_id"),
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

# Direct messages. A direct conversation exists once per pair of people (user_low <
# user_high); a group (kind "group") has a name and no pair (both null). `last_seq` is the
# sequence number of its newest message: a send increments it first thing, which
# row-locks the conversation (PostgreSQL) so that seqs are gap-free and never repeat.
conversations = Table(
    "conversations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(8), nullable=False, server_default="direct"),  # "direct" | "group"
    Column("name", String(100), nullable=True),  # a group's name
    Column("user_low", BigInteger, nullable=True),
    Column("user_high", BigInteger, nullable=True),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
    Column("last_message_id", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("uq_conversations_pair", "user_low", "user_high", unique=True),
)

# Each member's side of a conversation, keyed by that user (the inbox is one range
# scan): where it is filed, how far they have read, and the newest message id for order.
# Leaving a group (or being removed) deletes the row: the conversation is then no more
# theirs than a stranger's.
conversation_members = Table(
    "conversation_members",
    metadata,
    Column("user_id", BigInteger, nullable=False),
    Column("conversation_id", BigInteger, nullable=False),
    Column("other_id", BigInteger, nullable=True),  # the other person; null in a group
    # False: a request (the sender is someone this user does not follow) until accepted.
    Column("accepted", Boolean, nullable=False),
    Column("read_seq", BigInteger, nullable=False, server_default="0"),
    Column("sort_id", BigInteger, nullable=False),  # newest message id: inbox order
    # In a group: "admin" (the creator, who may remove others) or "member".
    Column("role", String(8), nullable=False, server_default="member"),
    # The first seq this member may read: the system message that added them (0: all).
    Column("joined_seq", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("user_id", "conversation_id"),
    Index("ix_conversation_members_inbox", "user_id", "accepted", "sort_id"),
    Index("ix_conversation_members_conversation_id", "conversation_id"),
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
    Column("media_id", BigInteger, nullable=True),  # a photo or video (media.message_id)
    # A group's membership change or rename, as JSON {"action", "user_ids", "name"}: the
    # sender is who did it. Null for what people wrote.
    Column("system", Text, nullable=True),
    # Unsent by its sender: content, media, post and story are gone; the seq stays.
    Column("unsent_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("uq_messages_conversation_id_seq", "conversation_id", "seq", unique=True),
    # A client's retry stores nothing twice: the id is the sender's own.
    Index("uq_messages_sender_id_client_message_id", "sender_id", "client_message_id", unique=True),
)

# One reaction (an emoji) per member per message; a new one replaces it.
message_reactions = Table(
    "message_reactions",
    metadata,
    Column("message_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("emoji", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("message_id", "user_id"),
    Index("ix_message_reactions_user_id", "user_id"),
)


# One-time tokens mailed to a user (password reset, email verification). Only a SHA-256
# of the token is kept: a copy of the database signs nobody in.
account_tokens = Table(
    "account_tokens",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("token_hash", String(64), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("purpose", String(16), nullable=False),  # "password_reset" | "verify_email"
    Column("email", String(254), nullable=False),  # the address it was sent to
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Index("uq_account_tokens_token_hash", "token_hash", unique=True),
    Index("ix_account_tokens_user_id_purpose", "user_id", "purpose"),
)


# A signed-in device: access tokens carry its id (`sid`) and stop working once it is
# revoked; its refresh token rotates on every use (refresh_tokens).
auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, nullable=False),
    Column("user_agent", String(255), nullable=False, server_default=""),
    Column("ip", String(64), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),  # of the refresh token
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_auth_sessions_user_id", "user_id"),
)

# Every refresh token a session was given, by SHA-256: the current one has no
# `rotated_at`; showing a rotated one again means it was copied, and ends the session.
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("session_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("rotated_at", DateTime(timezone=True), nullable=True),
    Index("ix_refresh_tokens_session_id", "session_id"),
)


# TOTP two-factor sign-in: the secret (pending until a first code confirms it) and the
# last time step accepted, so that each code signs in once.
mfa_totp = Table(
    "mfa_totp",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("secret", String(64), nullable=False),
    Column("enabled_at", DateTime(timezone=True), nullable=True),
    Column("last_step", BigInteger, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Single-use recovery codes, by SHA-256.
mfa_recovery_codes = Table(
    "mfa_recovery_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Index("ix_mfa_recovery_codes_user_id", "user_id"),
)


# OAuth 2.0 (shutter/oauth/): registered client apps, authorization codes and tokens.
# Secrets, codes and tokens are stored as SHA-256 hex digests, never in the clear.
oauth_apps = Table(
    "oauth_apps",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("client_secret_hash", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    Column("website", String(255), nullable=True),
    Column("redirect_uris", Text, nullable=False),  # newline-separated
    Column("scopes", String(1000), nullable=False),  # space-separated
    Column("created_at", DateTime(timezone=True), nullable=False),
)

oauth_codes = Table(
    "oauth_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("app_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("scopes", String(1000), nullable=False),
    Column("code_challenge", String(128), nullable=True),  # PKCE S256
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
)

oauth_tokens = Table(
    "oauth_tokens",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("refresh_hash", String(64), nullable=True, unique=True),
    Column("app_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=True),  # None: a client_credentials token
    Column("scopes", String(1000), nullable=False),
    # The user's token version when issued: a password change revokes the token.
    Column("token_version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_oauth_tokens_user_id_app_id", "user_id", "app_id"),
)


# Trust and safety (moderation/). Reports by people, and flags raised by screening and the
# anti-spam signals (reporter_id null, `source` says which), one row each; the queue
# groups them by target. One open report per reporter and target.
reports = Table(
    "reports",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("reporter_id", BigInteger, nullable=True),
    Column("source", String(16), nullable=False),  # "user" | "screening" | "spam"
    Column("target_type", String(16), nullable=False),
    Column("target_id", BigInteger, nullable=False),
    Column("target_owner_id", BigInteger, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("status", String(16), nullable=False),  # "open" | "resolved"
    Column("action_id", BigInteger, nullable=True),  # the action that resolved it
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Index("ix_reports_status_target", "status", "target_type", "target_id"),
    Index("ix_reports_reporter_id_id", "reporter_id", "id"),
    Index(
        "uq_reports_open_per_reporter",
        "reporter_id",
        "target_type",
        "target_id",
        unique=True,
        postgresql_where=text("status = 'open' AND reporter_id IS NOT NULL"),
        sqlite_where=text("status = 'open' AND reporter_id IS NOT NULL"),
    ),
)

# Every moderation action and role change: the audit log. actor_id null: the system
# (screening). Never updated nor deleted.
moderation_actions = Table(
    "moderation_actions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("actor_id", BigInteger, nullable=True),
    Column("action", String(24), nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("target_id", BigInteger, nullable=False),
    Column("target_owner_id", BigInteger, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_moderation_actions_target", "target_type", "target_id"),
)

# Object keys of removed posts' and stories' media: the embedded profile's file route
# refuses them (but for expiring links, which only moderators' previews carry).
withheld_media_keys = Table(
    "withheld_media_keys",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One appeal per action, by the author it was taken against.
appeals = Table(
    "appeals",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("action_id", BigInteger, nullable=False, unique=True),
    Column("appellant_id", BigInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(16), nullable=False),  # "open" | "granted" | "denied"
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Index("ix_appeals_status_id", "status", "id"),
)


# -- your data (portability/): imports, exports ----------------------------------------------

# An Instagram archive being imported: queued -> running -> done | failed (portability/jobs.py).
imports = Table(
    "imports",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, nullable=False),
    Column("media_id", BigInteger, nullable=False),  # the uploaded zip (media kind "archive")
    Column("archive_key", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("done", Integer, nullable=False, server_default="0"),
    Column("skipped", Integer, nullable=False, server_default="0"),
    # Items an earlier import of the same account brought in already (not added again).
    Column("duplicates", Integer, nullable=False, server_default="0"),
    Column("errors", Text, nullable=False, server_default="[]"),  # JSON [{item, code, message}]
    Column("error_code", String(64), nullable=True),
    Column("error_message", String(255), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_imports_user_id_id", "user_id", "id"),
)

# What each imported archive item became, per user: a re-import finds its items here and adds
# nothing twice; a resumed import skips what it finished before the crash.
import_items = Table(
    "import_items",
    metadata,
    Column("user_id", BigInteger, nullable=False),
    Column("item_key", String(64), nullable=False),  # digest of the item's identity
    Column("kind", String(16), nullable=False),  # "post" | "story" | "profile"
    Column("target_id", BigInteger, nullable=True),  # the post or story made (None: skipped)
    Column("import_id", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("user_id", "item_key"),
)

# A data export being built: queued -> running -> done | failed; the zip under object_key.
exports = Table(
    "exports",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("done", Integer, nullable=False, server_default="0"),
    Column("object_key", String(255), nullable=True),
    Column("size_bytes", BigInteger, nullable=True),
    Column("error_message", String(255), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Index("ix_exports_user_id_id", "user_id", "id"),
)


# Web Push subscriptions: one row per browser (its push service endpoint is unique), for
# the user signed in when it subscribed. `session_id` ties it to that signed-in session:
# nothing is sent once the session ends, and ending it removes the row (NULL: subscribed
# with a token from before sessions).
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
    Index("ix_push_subscriptions_session_id", "session_id"),
)

# What a person wants pushed (Settings → Notifications): the kinds of notification they
# turned off (comma-separated, "message" for direct messages) and whether a message's
# words may be in its push (off: "New message from alice"). No row: everything, no words.
push_preferences = Table(
    "push_preferences",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("muted_kinds", String(500), nullable=False, server_default=""),
    Column("message_text", Boolean, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Mastodon clients' reading positions (GET/POST /api/v1/markers): the last status read
# in the home timeline and the last notification read, one row per user and timeline.
# `version` counts the saves (Mastodon's optimistic-locking counter). Owned by the user.
markers = Table(
    "markers",
    metadata,
    Column("user_id", BigInteger, nullable=False),
    Column("timeline", String(16), nullable=False),  # "home" or "notifications"
    Column("last_read_id", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("user_id", "timeline"),
)
