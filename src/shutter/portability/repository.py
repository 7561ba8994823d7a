"""Queries on imports, import items and exports. The only place that writes their SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple, TypeVar

import orjson
from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.rows import typed_all, typed_one
from shutter.db.tables import (
    close_friends,
    collection_posts,
    collections,
    comment_likes,
    comments,
    conversation_members,
    conversations,
    exports,
    follows,
    hashtag_follows,
    highlight_items,
    highlights,
    import_items,
    imports,
    likes,
    media,
    messages,
    mutes,
    post_versions,
    posts,
    saves,
    stories,
    users,
)
from shutter.portability.jobs import MAX_REPORTED_ERRORS, ItemErrorDict, JobStatus


class ImportRow(NamedTuple):
    """An import (`imports`)."""

    id: int
    user_id: int
    media_id: int
    archive_key: str
    status: str
    total: int
    done: int
    skipped: int
    duplicates: int
    errors: str  # JSON [{item, code, message}]
    error_code: str | None
    error_message: str | None
    created_at: datetime
    updated_at: datetime


class ItemOutcome(NamedTuple):
    """What an archive item became: the import that took it, the post, story or account it
    made (None: skipped)."""

    import_id: int
    target_id: int | None


class ExportRow(NamedTuple):
    """An export (`exports`)."""

    id: int
    user_id: int
    status: str
    total: int
    done: int
    object_key: str | None
    size_bytes: int | None
    error_message: str | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None


class ExpiredExport(NamedTuple):
    id: int
    object_key: str


# What an export reads of the account's own rows: one type per query below.


class AccountRecord(NamedTuple):
    id: int
    username: str
    email: str
    display_name: str
    bio: str
    avatar_media_id: int | None
    is_private: bool
    follower_count: int
    following_count: int
    post_count: int
    created_at: datetime


class PostRecord(NamedTuple):
    id: int
    caption: str
    location_name: str | None
    location_lat: float | None
    location_lng: float | None
    like_count: int
    comment_count: int
    created_at: datetime


class PostVersionRecord(NamedTuple):
    post_id: int
    caption: str
    location_name: str | None
    valid_from: datetime
    replaced_at: datetime


class MediaRecord(NamedTuple):
    id: int
    kind: str
    content_type: str
    original_key: str
    width: int | None
    height: int | None
    duration_s: float | None
    post_id: int | None
    position: int | None
    story_id: int | None


class CommentRecord(NamedTuple):
    id: int
    post_id: int
    parent_id: int | None
    text: str
    created_at: datetime


class PostAt(NamedTuple):
    """A post the user liked or saved, and when."""

    post_id: int
    created_at: datetime


class CommentLikeRecord(NamedTuple):
    comment_id: int
    post_id: int
    created_at: datetime


class MuteRecord(NamedTuple):
    id: int
    username: str
    posts: bool
    stories: bool
    created_at: datetime


class PersonAt(NamedTuple):
    """Someone on one of the user's lists (close friends), since when."""

    id: int
    username: str
    created_at: datetime


class HighlightRecord(NamedTuple):
    id: int
    title: str
    created_at: datetime
    story_ids: list[int]


class HashtagFollowRecord(NamedTuple):
    tag: str
    created_at: datetime


class CollectionRecord(NamedTuple):
    id: int
    name: str
    created_at: datetime
    post_ids: list[int]


class FollowRecord(NamedTuple):
    id: int
    username: str
    status: str
    created_at: datetime


class ConversationRecord(NamedTuple):
    conversation_id: int
    other_id: int | None
    accepted: bool
    joined_seq: int
    kind: str
    name: str | None
    username: str | None  # the other member's, in a direct conversation (None: deleted)


class MessageRecord(NamedTuple):
    seq: int
    sender_id: int
    content: str
    post_id: int | None
    media_id: int | None
    system: str | None
    unsent_at: datetime | None
    created_at: datetime


class StoryRecord(NamedTuple):
    id: int
    media_id: int
    created_at: datetime
    expires_at: datetime
    archived: bool


async def insert_import(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(imports.insert().values(**values))


async def get_import(conn: AsyncConnection, import_id: int) -> ImportRow | None:
    query = select(imports).where(imports.c.id == import_id)
    return typed_one(await conn.execute(query), ImportRow)


async def import_of_media(conn: AsyncConnection, user_id: int, media_id: int) -> ImportRow | None:
    query = select(imports).where((imports.c.user_id == user_id) & (imports.c.media_id == media_id))
    return typed_one(await conn.execute(query), ImportRow)


async def latest_imports(conn: AsyncConnection, user_id: int, limit: int) -> list[ImportRow]:
    query = (
        select(imports)
        .where(imports.c.user_id == user_id)
        .order_by(imports.c.id.desc())
        .limit(limit)
    )
    return typed_all(await conn.execute(query), ImportRow)


async def set_import(conn: AsyncConnection, import_id: int, **values: Any) -> None:
    await conn.execute(update(imports).where(imports.c.id == import_id).values(**values))


async def start_import(conn: AsyncConnection, import_id: int, now: datetime) -> bool:
    """queued|running -> running; False when the job is final (a redelivered event)."""
    statement = (
        update(imports)
        .where(
            (imports.c.id == import_id)
            & imports.c.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))
        )
        .values(status=JobStatus.RUNNING, updated_at=now)
    )
    return (await conn.execute(statement)).rowcount == 1


async def item_outcome(conn: AsyncConnection, user_id: int, item_key: str) -> ItemOutcome | None:
    query = select(import_items.c.import_id, import_items.c.target_id).where(
        (import_items.c.user_id == user_id) & (import_items.c.item_key == item_key)
    )
    return typed_one(await conn.execute(query), ItemOutcome)


async def record_item(
    conn: AsyncConnection,
    *,
    user_id: int,
    import_id: int,
    item_key: str,
    kind: str,
    target_id: int | None,
    now: datetime,
) -> None:
    """What an item became (target_id None: it was skipped; a later import retries it)."""
    await conn.execute(
        delete(import_items).where(
            (import_items.c.user_id == user_id) & (import_items.c.item_key == item_key)
        )
    )
    await conn.execute(
        import_items.insert().values(
            user_id=user_id,
            item_key=item_key,
            kind=kind,
            target_id=target_id,
            import_id=import_id,
            created_at=now,
        )
    )


async def count_item(
    conn: AsyncConnection,
    import_id: int,
    now: datetime,
    *,
    done: int = 0,
    skipped: int = 0,
    duplicates: int = 0,
    error: ItemErrorDict | None = None,
) -> None:
    """Advance an import's progress (in the transaction that records the item)."""
    values: dict[str, Any] = {
        "done": imports.c.done + done,
        "skipped": imports.c.skipped + skipped,
        "duplicates": imports.c.duplicates + duplicates,
        "updated_at": now,
    }
    if error is not None:
        current = (
            await conn.execute(select(imports.c.errors).where(imports.c.id == import_id))
        ).scalar_one()
        errors = orjson.loads(current)
        if len(errors) < MAX_REPORTED_ERRORS:
            values["errors"] = orjson.dumps([*errors, error]).decode()
    await conn.execute(update(imports).where(imports.c.id == import_id).values(**values))


# -- exports ---------------------------------------------------------------------------------


async def insert_export(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(exports.insert().values(**values))


async def get_export(conn: AsyncConnection, export_id: int) -> ExportRow | None:
    query = select(exports).where(exports.c.id == export_id)
    return typed_one(await conn.execute(query), ExportRow)


async def latest_export(conn: AsyncConnection, user_id: int) -> ExportRow | None:
    query = (
        select(exports).where(exports.c.user_id == user_id).order_by(exports.c.id.desc()).limit(1)
    )
    return typed_one(await conn.execute(query), ExportRow)


async def start_export(conn: AsyncConnection, export_id: int, now: datetime) -> bool:
    statement = (
        update(exports)
        .where(
            (exports.c.id == export_id)
            & exports.c.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))
        )
        .values(status=JobStatus.RUNNING, updated_at=now, done=0)
    )
    return (await conn.execute(statement)).rowcount == 1


async def expired_exports(conn: AsyncConnection, now: datetime, limit: int) -> list[ExpiredExport]:
    query = (
        select(exports.c.id, exports.c.object_key)
        .where(exports.c.object_key.is_not(None) & (exports.c.expires_at <= now))
        .limit(limit)
    )
    return typed_all(await conn.execute(query), ExpiredExport)


async def set_export(conn: AsyncConnection, export_id: int, **values: Any) -> None:
    await conn.execute(update(exports).where(exports.c.id == export_id).values(**values))


# -- what an export reads (a user's own rows, in batches where they can be many) ------------

BATCH = 1000


async def export_account(conn: AsyncConnection, user_id: int) -> AccountRecord | None:
    query = select(
        users.c.id,
        users.c.username,
        users.c.email,
        users.c.display_name,
        users.c.bio,
        users.c.avatar_media_id,
        users.c.is_private,
        users.c.follower_count,
        users.c.following_count,
        users.c.post_count,
        users.c.created_at,
    ).where(users.c.id == user_id)
    return typed_one(await conn.execute(query), AccountRecord)


async def export_posts(conn: AsyncConnection, user_id: int, after_id: int) -> list[PostRecord]:
    query = (
        select(
            posts.c.id,
            posts.c.caption,
            posts.c.location_name,
            posts.c.location_lat,
            posts.c.location_lng,
            posts.c.like_count,
            posts.c.comment_count,
            posts.c.created_at,
        )
        .where(
            (posts.c.author_id == user_id) & posts.c.deleted_at.is_(None) & (posts.c.id > after_id)
        )
        .order_by(posts.c.id)
        .limit(BATCH)
    )
    return typed_all(await conn.execute(query), PostRecord)


async def export_post_versions(conn: AsyncConnection, user_id: int) -> list[PostVersionRecord]:
    """The earlier versions of the user's live posts (edited captions), oldest first."""
    query = (
        select(
            post_versions.c.post_id,
            post_versions.c.caption,
            post_versions.c.location_name,
            post_versions.c.valid_from,
            post_versions.c.replaced_at,
        )
        .join(posts, posts.c.id == post_versions.c.post_id)
        .where((posts.c.author_id == user_id) & posts.c.deleted_at.is_(None))
        .order_by(post_versions.c.post_id, post_versions.c.id)
    )
    return typed_all(await conn.execute(query), PostVersionRecord)


async def export_media_of(conn: AsyncConnection, user_id: int) -> list[MediaRecord]:
    """The user's ready media with a post, a kept story or as the avatar (what the export
    ships as files), in id order."""
    query = (
        select(
            media.c.id,
            media.c.kind,
            media.c.content_type,
            media.c.original_key,
            media.c.width,
            media.c.height,
            media.c.duration_s,
            media.c.post_id,
            media.c.position,
            media.c.story_id,
        )
        .where(
            (media.c.owner_id == user_id)
            & (media.c.status == "ready")
            & media.c.original_key.is_not(None)
            & (media.c.post_id.is_not(None) | media.c.story_id.is_not(None))
        )
        .order_by(media.c.id)
    )
    return typed_all(await conn.execute(query), MediaRecord)


async def export_comments(conn: AsyncConnection, user_id: int) -> list[CommentRecord]:
    query = (
        select(
            comments.c.id,
            comments.c.post_id,
            comments.c.parent_id,
            comments.c.text,
            comments.c.created_at,
        )
        .where((comments.c.author_id == user_id) & comments.c.deleted_at.is_(None))
        .order_by(comments.c.id)
    )
    return typed_all(await conn.execute(query), CommentRecord)


async def export_likes(conn: AsyncConnection, user_id: int) -> list[PostAt]:
    query = (
        select(likes.c.post_id, likes.c.created_at)
        .where(likes.c.user_id == user_id)
        .order_by(likes.c.id)
    )
    return typed_all(await conn.execute(query), PostAt)


async def export_comment_likes(conn: AsyncConnection, user_id: int) -> list[CommentLikeRecord]:
    """The comments the user liked (and their posts), oldest like first."""
    query = (
        select(comment_likes.c.comment_id, comments.c.post_id, comment_likes.c.created_at)
        .select_from(comment_likes.join(comments, comments.c.id == comment_likes.c.comment_id))
        .where((comment_likes.c.user_id == user_id) & comments.c.deleted_at.is_(None))
        .order_by(comment_likes.c.id)
    )
    return typed_all(await conn.execute(query), CommentLikeRecord)


async def export_mutes(conn: AsyncConnection, user_id: int) -> list[MuteRecord]:
    """The accounts the user muted, with usernames and what is muted, oldest first."""
    query = (
        select(users.c.id, users.c.username, mutes.c.posts, mutes.c.stories, mutes.c.created_at)
        .select_from(mutes.join(users, users.c.id == mutes.c.muted_id))
        .where(mutes.c.muter_id == user_id)
        .order_by(mutes.c.id)
    )
    return typed_all(await conn.execute(query), MuteRecord)


async def export_close_friends(conn: AsyncConnection, user_id: int) -> list[PersonAt]:
    """The user's close-friends list, with usernames, in the order they were added."""
    query = (
        select(users.c.id, users.c.username, close_friends.c.created_at)
        .select_from(close_friends.join(users, users.c.id == close_friends.c.friend_id))
        .where(close_friends.c.owner_id == user_id)
        .order_by(close_friends.c.created_at, users.c.id)
    )
    return typed_all(await conn.execute(query), PersonAt)


async def export_highlights(conn: AsyncConnection, user_id: int) -> list[HighlightRecord]:
    """The user's highlights, oldest first, each with its story ids in playing order."""
    return await _with_members(
        conn,
        select(highlights.c.id, highlights.c.title, highlights.c.created_at)
        .where(highlights.c.owner_id == user_id)
        .order_by(highlights.c.id),
        select(highlight_items.c.highlight_id, highlight_items.c.story_id)
        .where(highlight_items.c.owner_id == user_id)
        .order_by(highlight_items.c.highlight_id, highlight_items.c.position),
        HighlightRecord,
    )


Grouped = TypeVar("Grouped", HighlightRecord, "CollectionRecord")


async def _with_members(
    conn: AsyncConnection, named: Select[Any], pairs: Select[Any], kind: type[Grouped]
) -> list[Grouped]:
    """The rows of `named` (id, name, time) as `kind`, each with the list of its members: the
    (group id, member id) rows of `pairs`, in their order."""
    members: dict[int, list[int]] = {}
    for pair in await conn.execute(pairs):
        members.setdefault(pair[0], []).append(pair[1])
    return [
        kind(row[0], row[1], row[2], members.get(row[0], [])) for row in await conn.execute(named)
    ]


async def export_saves(conn: AsyncConnection, user_id: int) -> list[PostAt]:
    """The posts the user saved, oldest save first."""
    query = (
        select(saves.c.post_id, saves.c.created_at)
        .where(saves.c.user_id == user_id)
        .order_by(saves.c.id)
    )
    return typed_all(await conn.execute(query), PostAt)


async def export_hashtag_follows(conn: AsyncConnection, user_id: int) -> list[HashtagFollowRecord]:
    """The hashtags the user follows, oldest follow first."""
    query = (
        select(hashtag_follows.c.tag, hashtag_follows.c.created_at)
        .where(hashtag_follows.c.user_id == user_id)
        .order_by(hashtag_follows.c.id)
    )
    return typed_all(await conn.execute(query), HashtagFollowRecord)


async def export_collections(conn: AsyncConnection, user_id: int) -> list[CollectionRecord]:
    """The user's collections, oldest first, each with its post ids in its order."""
    return await _with_members(
        conn,
        select(collections.c.id, collections.c.name, collections.c.created_at)
        .where(collections.c.user_id == user_id)
        .order_by(collections.c.id),
        select(collection_posts.c.collection_id, collection_posts.c.post_id)
        .where(collection_posts.c.user_id == user_id)
        .order_by(collection_posts.c.collection_id, collection_posts.c.position.desc()),
        CollectionRecord,
    )


async def export_follows(
    conn: AsyncConnection, user_id: int, *, followers: bool
) -> list[FollowRecord]:
    """Who follows the user (followers=True) or whom the user follows, with usernames."""
    mine, other = (
        (follows.c.followee_id, follows.c.follower_id)
        if followers
        else (follows.c.follower_id, follows.c.followee_id)
    )
    query = (
        select(users.c.id, users.c.username, follows.c.status, follows.c.created_at)
        .select_from(follows.join(users, users.c.id == other))
        .where(mine == user_id)
        .order_by(follows.c.id)
    )
    return typed_all(await conn.execute(query), FollowRecord)


async def export_conversations(conn: AsyncConnection, user_id: int) -> list[ConversationRecord]:
    query = (
        select(
            conversation_members.c.conversation_id,
            conversation_members.c.other_id,
            conversation_members.c.accepted,
            conversation_members.c.joined_seq,
            conversations.c.kind,
            conversations.c.name,
            users.c.username,
        )
        .select_from(
            conversation_members.join(
                conversations, conversations.c.id == conversation_members.c.conversation_id
            ).outerjoin(users, users.c.id == conversation_members.c.other_id)
        )
        .where(conversation_members.c.user_id == user_id)
        .order_by(conversation_members.c.conversation_id)
    )
    return typed_all(await conn.execute(query), ConversationRecord)


async def export_messages(
    conn: AsyncConnection, conversation_id: int, after_seq: int
) -> list[MessageRecord]:
    query = (
        select(
            messages.c.seq,
            messages.c.sender_id,
            messages.c.content,
            messages.c.post_id,
            messages.c.media_id,
            messages.c.system,
            messages.c.unsent_at,
            messages.c.created_at,
        )
        .where((messages.c.conversation_id == conversation_id) & (messages.c.seq > after_seq))
        .order_by(messages.c.seq)
        .limit(BATCH)
    )
    return typed_all(await conn.execute(query), MessageRecord)


async def export_stories(conn: AsyncConnection, user_id: int) -> list[StoryRecord]:
    """The user's stories whose media is still kept: live, recently over, archived."""
    query = (
        select(
            stories.c.id,
            stories.c.media_id,
            stories.c.created_at,
            stories.c.expires_at,
            stories.c.archived,
        )
        .where((stories.c.author_id == user_id) & stories.c.media_deleted_at.is_(None))
        .order_by(stories.c.id)
    )
    return typed_all(await conn.execute(query), StoryRecord)
