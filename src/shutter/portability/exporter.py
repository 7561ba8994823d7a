"""Export: a zip of everything an account has on Shutter, built by a worker and offered
for download through an expiring link.

Layout (docs/data.md): `account.json`, `posts.json`, `comments.json`, `likes.json`,
`comment_likes.json`, `followers.json`, `following.json`, `close_friends.json`,
`mutes.json`, `messages.json`, `stories.json`, `highlights.json`, `saved.json` (saved
posts and collections), and under `media/` every original file, named `<media id>.<ext>`,
which the JSON files refer to.
"""

from __future__ import annotations

import secrets
import tempfile
import zipfile
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

import anyio.to_thread
import orjson
import structlog

from shutter.context import AppContext
from shutter.errors import Conflict, NotFound, RateLimited
from shutter.events.types import ExportRequested
from shutter.portability import repository
from shutter.portability.export_format import (
    FORMAT,
    ConversationEntry,
    EarlierVersionEntry,
    ExportDocuments,
    MediaEntry,
    MessageEntry,
    PersonEntry,
)
from shutter.portability.jobs import FINAL, JobStatus
from shutter.portability.presenters import ExportOutDict, present_export, utc
from shutter.portability.repository import (
    FollowRecord,
    MediaRecord,
    MessageRecord,
    PostRecord,
)
from shutter.timeutil import isoformat, utcnow

log = structlog.get_logger("shutter.portability")

JSON_FILES = (
    "account.json",
    "posts.json",
    "comments.json",
    "likes.json",
    "comment_likes.json",
    "followers.json",
    "following.json",
    "close_friends.json",
    "mutes.json",
    "messages.json",
    "stories.json",
    "highlights.json",
    "saved.json",
    "followed_hashtags.json",
)


async def request_export(context: AppContext, user_id: int) -> ExportOutDict:
    """Queue an export; one at a time per user, and at most one per
    SHUTTER_EXPORT_INTERVAL_SECONDS (429 with Retry-After)."""
    now = utcnow()
    async with context.db.write() as uow:
        conn = uow.conn
        latest = await repository.latest_export(conn, user_id)
        if latest is not None and latest.status not in FINAL:
            raise Conflict(
                "An export is being prepared already; wait for it to finish.",
                code="export_running",
            )
        interval = context.settings.export_interval_seconds
        if latest is not None and latest.status == JobStatus.DONE:
            wait = utc(latest.created_at) + timedelta(seconds=interval) - now
            if wait.total_seconds() > 0:
                raise RateLimited(
                    "You can ask for an export once a day; the last one is still available.",
                    retry_after=int(wait.total_seconds()) + 1,
                )
        export_id = context.ids.next_id()
        await repository.insert_export(
            conn,
            {
                "id": export_id,
                "user_id": user_id,
                "status": JobStatus.QUEUED,
                "created_at": now,
                "updated_at": now,
            },
        )
        await uow.record(ExportRequested(export_id=export_id))
        row = await repository.get_export(conn, export_id)
    assert row is not None
    return present_export(row, context.objects, "")


async def get_export(
    context: AppContext, user_id: int, export_id: int, base_url: str
) -> ExportOutDict:
    async with context.db.read() as conn:
        row = await repository.get_export(conn, export_id)
    if row is None or row.user_id != user_id:
        raise NotFound("No such export.", code="export_not_found")
    return present_export(row, context.objects, base_url)


async def latest_export(context: AppContext, user_id: int, base_url: str) -> ExportOutDict | None:
    async with context.db.read() as conn:
        row = await repository.latest_export(conn, user_id)
    return None if row is None else present_export(row, context.objects, base_url)


# -- the worker's half -----------------------------------------------------------------------


def _media_name(row: MediaRecord) -> str:
    suffix = PurePosixPath(row.original_key).suffix or ".bin"
    return f"media/{row.id}{suffix}"


def _time(value: datetime | None) -> str | None:
    return isoformat(value) if value is not None else None


async def run_export(context: AppContext, export_id: int) -> None:
    """Build the zip (the `export.requested` handler). A crash rebuilds it from the start:
    the same data gives the same archive. Done and failed exports are left alone."""
    async with context.db.write() as uow:
        conn = uow.conn
        started = await repository.start_export(conn, export_id, utcnow())
        row = await repository.get_export(conn, export_id)
    if not started or row is None:
        return
    user_id = row.user_id
    with tempfile.TemporaryDirectory(prefix="shutter-export-") as scratch:
        path = Path(scratch) / "export.zip"
        collected, media_rows = await _collect(context, user_id)
        documents: Mapping[str, object] = collected  # by file name, in JSON_FILES order
        total = len(JSON_FILES) + len(media_rows)
        async with context.db.write() as uow:
            conn = uow.conn
            await repository.set_export(conn, export_id, total=total, updated_at=utcnow())
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in JSON_FILES:
                data = orjson.dumps(documents[name], option=orjson.OPT_INDENT_2)
                await anyio.to_thread.run_sync(archive.writestr, name, data)
            done = len(JSON_FILES)
            for media_row in media_rows:
                media_bytes: bytes | None
                try:
                    media_bytes = await context.objects.read(media_row.original_key)
                except NotFound:
                    log.warning("export_media_missing", media_id=media_row.id)
                    media_bytes = None
                if media_bytes is not None:
                    info = zipfile.ZipInfo(_media_name(media_row))
                    info.compress_type = zipfile.ZIP_STORED  # photos and videos are compressed
                    await anyio.to_thread.run_sync(archive.writestr, info, media_bytes)
                done += 1
                if done % 10 == 0:
                    async with context.db.write() as uow:
                        conn = uow.conn
                        await repository.set_export(conn, export_id, done=done, updated_at=utcnow())
        key = f"exports/{user_id}/{export_id}-{secrets.token_hex(16)}.zip"
        await context.objects.upload_from(key, path, "application/zip")
        size = path.stat().st_size
    now = utcnow()
    async with context.db.write() as uow:
        conn = uow.conn
        await repository.set_export(
            conn,
            export_id,
            status=JobStatus.DONE,
            done=total,
            object_key=key,
            size_bytes=size,
            updated_at=now,
            expires_at=now + timedelta(seconds=context.settings.export_link_ttl_seconds),
        )
    log.info("export_done", export_id=export_id, user_id=user_id, files=total, bytes=size)


async def _collect(context: AppContext, user_id: int) -> tuple[ExportDocuments, list[MediaRecord]]:
    """Every JSON document of the export, and the media rows whose files it ships."""
    async with context.db.read() as conn:
        account = await repository.export_account(conn, user_id)
        if account is None:
            raise NotFound("The account is gone.")
        post_rows: list[PostRecord] = []
        after = 0
        while batch := await repository.export_posts(conn, user_id, after):
            post_rows += batch
            after = batch[-1].id
        media_rows = await repository.export_media_of(conn, user_id)
        version_rows = await repository.export_post_versions(conn, user_id)
        comment_rows = await repository.export_comments(conn, user_id)
        like_rows = await repository.export_likes(conn, user_id)
        comment_like_rows = await repository.export_comment_likes(conn, user_id)
        mute_rows = await repository.export_mutes(conn, user_id)
        close_friend_rows = await repository.export_close_friends(conn, user_id)
        highlight_rows = await repository.export_highlights(conn, user_id)
        save_rows = await repository.export_saves(conn, user_id)
        collection_rows = await repository.export_collections(conn, user_id)
        hashtag_rows = await repository.export_hashtag_follows(conn, user_id)
        follower_rows = await repository.export_follows(conn, user_id, followers=True)
        following_rows = await repository.export_follows(conn, user_id, followers=False)
        conversations: list[ConversationEntry] = []
        for member in await repository.export_conversations(conn, user_id):
            history: list[MessageEntry] = []
            # A group member's history starts with the message that added them.
            seq = max(0, member.joined_seq - 1)
            while messages := await repository.export_messages(conn, member.conversation_id, seq):
                seq = messages[-1].seq
                history += [_message(message, user_id) for message in messages]
            group = member.kind == "group"
            conversations.append(
                {
                    "with": None
                    if group
                    else {
                        "id": str(member.other_id),
                        "username": member.username or "deleted account",
                    },
                    "group": {"name": member.name} if group else None,
                    "accepted": bool(member.accepted),
                    "messages": history,
                }
            )
        story_rows = await repository.export_stories(conn, user_id)
    earlier: dict[int, list[EarlierVersionEntry]] = {}
    for version in version_rows:
        earlier.setdefault(version.post_id, []).append(
            {
                "caption": version.caption,
                "location": version.location_name,
                "from": _time(version.valid_from),
                "until": _time(version.replaced_at),
            }
        )
    post_media: dict[int, list[MediaRecord]] = {}
    story_media: dict[int, MediaRecord] = {}
    for media_row in media_rows:
        if media_row.post_id is not None:
            post_media.setdefault(media_row.post_id, []).append(media_row)
        elif media_row.story_id is not None:
            story_media[media_row.story_id] = media_row
    live_posts = {row.id for row in post_rows}
    kept_stories = {row.id for row in story_rows}
    shipped = [
        row for row in media_rows if (row.post_id in live_posts) or (row.story_id in kept_stories)
    ]

    documents: ExportDocuments = {
        "account.json": {
            "format": FORMAT,
            "exported_at": isoformat(utcnow()),
            "profile": {
                "id": str(account.id),
                "username": account.username,
                "email": account.email,
                "display_name": account.display_name,
                "bio": account.bio,
                "is_private": bool(account.is_private),
                "follower_count": account.follower_count,
                "following_count": account.following_count,
                "post_count": account.post_count,
                "created_at": _time(account.created_at),
            },
            "settings": {"is_private": bool(account.is_private)},
        },
        "posts.json": [
            {
                "id": str(row.id),
                "caption": row.caption,
                "created_at": _time(row.created_at),
                "creation_timestamp": int(utc(row.created_at).timestamp()),
                "location": (
                    {"name": row.location_name, "lat": row.location_lat, "lng": row.location_lng}
                    if row.location_name
                    else None
                ),
                "like_count": row.like_count,
                "comment_count": row.comment_count,
                "earlier_versions": earlier.get(row.id, []),
                "media": [
                    _describe(item) for item in sorted(post_media.get(row.id, []), key=_position)
                ],
            }
            for row in post_rows
        ],
        "comments.json": [
            {
                "id": str(row.id),
                "post_id": str(row.post_id),
                "reply_to": str(row.parent_id) if row.parent_id else None,
                "text": row.text,
                "created_at": _time(row.created_at),
            }
            for row in comment_rows
        ],
        "likes.json": [
            {"post_id": str(row.post_id), "liked_at": _time(row.created_at)} for row in like_rows
        ],
        "comment_likes.json": [
            {
                "comment_id": str(row.comment_id),
                "post_id": str(row.post_id),
                "liked_at": _time(row.created_at),
            }
            for row in comment_like_rows
        ],
        "close_friends.json": [
            {"id": str(row.id), "username": row.username, "since": _time(row.created_at)}
            for row in close_friend_rows
        ],
        "mutes.json": [
            {
                "id": str(row.id),
                "username": row.username,
                "posts": bool(row.posts),
                "stories": bool(row.stories),
                "since": _time(row.created_at),
            }
            for row in mute_rows
        ],
        "highlights.json": [
            {
                "id": str(row.id),
                "title": row.title,
                "created_at": _time(row.created_at),
                "story_ids": [str(story_id) for story_id in row.story_ids],
            }
            for row in highlight_rows
        ],
        "saved.json": {
            "saved": [
                {"post_id": str(row.post_id), "saved_at": _time(row.created_at)}
                for row in save_rows
            ],
            "collections": [
                {
                    "id": str(row.id),
                    "name": row.name,
                    "created_at": _time(row.created_at),
                    "post_ids": [str(post_id) for post_id in row.post_ids],
                }
                for row in collection_rows
            ],
        },
        "followed_hashtags.json": [
            {"name": row.tag, "followed_at": _time(row.created_at)} for row in hashtag_rows
        ],
        "followers.json": [_person(row) for row in follower_rows],
        "following.json": [_person(row) for row in following_rows],
        "messages.json": conversations,
        "stories.json": [
            {
                "id": str(row.id),
                "created_at": _time(row.created_at),
                "creation_timestamp": int(utc(row.created_at).timestamp()),
                "expires_at": _time(row.expires_at),
                "archived": bool(row.archived),
                "media": _describe(story_media[row.id]) if row.id in story_media else None,
            }
            for row in story_rows
        ],
    }
    return documents, shipped


def _describe(row: MediaRecord) -> MediaEntry:
    return {
        "file": _media_name(row),
        "type": row.kind,
        "width": row.width,
        "height": row.height,
        "duration_s": row.duration_s,
    }


def _position(row: MediaRecord) -> int:
    return row.position or 0


def _message(row: MessageRecord, user_id: int) -> MessageEntry:
    return {
        "seq": row.seq,
        "from": "me" if row.sender_id == user_id else "them",
        "text": row.content,
        "shared_post_id": str(row.post_id) if row.post_id else None,
        "had_media": row.media_id is not None,
        "notice": orjson.loads(row.system)["action"] if row.system else None,
        "unsent": row.unsent_at is not None,
        "sent_at": _time(row.created_at),
    }


def _person(row: FollowRecord) -> PersonEntry:
    return {
        "id": str(row.id),
        "username": row.username,
        "status": row.status,
        "since": _time(row.created_at),
    }


async def remove_expired(context: AppContext) -> int:
    """Delete the zips of exports whose link has expired (the row stays, without a link);
    returns how many (a periodic job)."""
    removed = 0
    while True:
        async with context.db.read() as conn:
            rows = await repository.expired_exports(conn, utcnow(), 100)
        for row in rows:
            await context.objects.delete(row.object_key)  # the object first: idempotent
            async with context.db.write() as uow:
                conn = uow.conn
                await repository.set_export(conn, row.id, object_key=None)
        removed += len(rows)
        if len(rows) < 100:
            return removed
