"""Media use cases: hand out an upload URL, queue the uploaded bytes for processing, process
them (in a worker), describe media, and delete what nobody needs any more."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, UnsupportedMediaType
from shutter.events.types import MediaUploaded
from shutter.media import pool, quota, repository, screening
from shutter.media.images import MediaRejected, Rendition
from shutter.media.pipeline import Limits
from shutter.media.presenters import (
    PRIVATE_PREFIX,
    MediaOutDict,
    UploadTicketDict,
    present_media,
    private_url_deadline,
)
from shutter.media.repository import StoredMedia
from shutter.media.sniff import IMAGE_TYPES, STORED_TYPES, VIDEO_TYPES, normalise
from shutter.stores.objects import UrlFor
from shutter.timeutil import isoformat, utcnow

log = structlog.get_logger("shutter.media")

ACCEPTED = (
    "a JPEG, PNG, WebP, HEIC, AVIF or GIF image, an MP4, MOV or WebM video, "
    "or a ZIP archive to import"
)
ARCHIVE_TYPES = frozenset({"application/zip", "application/x-zip-compressed"})


def upload_key(media_id: int) -> str:
    return f"uploads/{media_id}"


def limits_of(context: AppContext) -> Limits:
    settings = context.settings
    return Limits(
        image_max_pixels=settings.image_max_pixels,
        video_max_pixels=settings.video_max_pixels,
        video_max_duration_s=settings.video_max_duration_s,
        video_max_fps=settings.video_max_fps,
        video_max_frames=settings.video_max_frames,
        job_timeout_s=settings.media_job_timeout_seconds,
    )


async def create_upload(
    context: AppContext, owner_id: int, content_type: str, size_bytes: int, base_url: str
) -> UploadTicketDict:
    """Register an upload and return where to send the bytes."""
    content_type = normalise(content_type)
    settings = context.settings
    if content_type in IMAGE_TYPES:
        kind, limit = "image", settings.image_max_bytes
    elif content_type in VIDEO_TYPES:
        kind, limit = "video", settings.video_max_bytes
    elif content_type in ARCHIVE_TYPES:  # an Instagram archive for POST /imports
        kind, limit = "archive", settings.import_max_bytes
        content_type = "application/zip"
    else:
        raise UnsupportedMediaType(
            f"{content_type!r} is not accepted; upload {ACCEPTED}.",
            code="unsupported_media_type",
        )
    if size_bytes > limit:
        raise PayloadTooLarge(
            f"{kind.capitalize()}s may be at most {limit / (1024 * 1024):.4g} MB.",
            code="file_too_large",
        )
    if kind != "archive":  # an archive is one upload, bounded by its own limit
        await quota.spend_upload_bytes(context, owner_id, size_bytes)
    now = utcnow()
    media_id = context.ids.next_id()
    expires = now + timedelta(seconds=settings.upload_url_ttl_seconds)
    parts = None
    if kind == "archive" and size_bytes > settings.import_part_bytes:
        parts = await context.objects.presign_upload_parts(
            upload_key(media_id), size_bytes, settings.import_part_bytes, int(expires.timestamp())
        )
    target = await context.objects.presign_upload(
        upload_key(media_id), content_type, size_bytes, int(expires.timestamp()), base_url
    )
    async with context.db.write() as uow:
        await repository.insert(
            uow.conn,
            {
                "id": media_id,
                "owner_id": owner_id,
                "kind": kind,
                "content_type": content_type,
                "size_bytes": size_bytes,
                "status": "pending",
                "upload_key": upload_key(media_id),
                "created_at": now,
                "updated_at": now,
            },
        )
    return {
        "media_id": str(media_id),
        "upload_url": target.url,
        "upload_method": target.method,
        "upload_headers": target.headers,
        # In parts instead of upload_url: each part PUT to its URL, then POST /imports.
        "upload_parts": None
        if parts is None
        else [
            {"number": p.number, "offset": p.offset, "size_bytes": p.size_bytes, "url": p.url}
            for p in parts
        ],
        "expires_at": isoformat(expires),
    }


async def complete_upload(context: AppContext, owner_id: int, media_id: int) -> str:
    """Queue uploaded bytes for processing; returns the media's status (`processing`, or
    `ready` when it was done before). Repeating the call is harmless; the checks that need
    no decoding (the bytes are there, and of the declared size) answer at once."""
    async with context.db.read() as conn:
        row = await repository.get(conn, media_id)
    if row is None or row["owner_id"] != owner_id:
        raise NotFound("No such media.", code="media_not_found")
    if row["kind"] == "archive":
        raise Conflict(
            "An archive is not processed as media; import it with POST /api/v1/imports.",
            code="archive_not_media",
        )
    if row["status"] == "failed":
        raise Conflict(f"This upload failed: {row['error_message']}", code="media_failed")
    if row["status"] != "pending":
        return str(row["status"])
    size = await context.objects.size(row["upload_key"])
    if size is None:
        raise Conflict("Upload the bytes to upload_url before completing.", code="upload_missing")
    if size != row["size_bytes"]:
        message = f"The upload has {size} bytes, but {row['size_bytes']} were declared."
        await _fail(context, media_id, "pending", "size_mismatch", message)
        await context.objects.delete(row["upload_key"])  # nothing of a refused upload is kept
        raise InvalidInput(message, code="size_mismatch")
    async with context.db.write() as uow:
        claimed = await repository.transition(
            uow.conn, media_id, "pending", {"status": "processing", "updated_at": utcnow()}
        )
        if claimed:  # the event exists exactly when the media went to processing
            await uow.record(MediaUploaded(media_id=media_id))
        status = await repository.status_of(uow.conn, media_id)
    if status == "failed":
        raise Conflict("This upload failed.", code="media_failed")
    return status or "processing"


async def process_media(context: AppContext, media_id: int) -> None:
    """Validate and render uploaded media (the worker's half of completion): store its
    files and make it `ready`, or mark it `failed` with a code and a message.

    Idempotent: media that is not `processing` is left alone. A store that cannot be reached
    raises, so that the event is retried; a refused file is a result, not an error.
    """
    async with context.db.read() as conn:
        row = await repository.get(conn, media_id)
    if row is None or row["status"] != "processing":
        return
    try:
        data = await context.objects.read(row["upload_key"])
    except NotFound:
        await _fail(context, media_id, "processing", "upload_missing", "The upload is gone.")
        return
    try:
        rendition = await pool.run(context, data, row["content_type"], limits_of(context))
    except MediaRejected as exc:
        await _fail(context, media_id, "processing", exc.code, exc.message)
        await context.objects.delete(row["upload_key"])
        log.info("media_rejected", media_id=media_id, code=exc.code)
        return
    except pool.WorkerCrashed:
        # A decoder that kills its process would do it again: no retry.
        message = "The file could not be processed."
        await _fail(context, media_id, "processing", "processing_failed", message)
        log.error("media_worker_crashed", media_id=media_id)
        return
    except pool.JobTimedOut as exc:
        # It would overrun again: no retry. Its worker process is gone already.
        limit = context.settings.media_job_timeout_seconds
        message = f"Processing took longer than {limit:g} s; the file was given up."
        await _fail(context, media_id, "processing", "processing_timeout", message)
        await context.objects.delete(row["upload_key"])
        log.error("media_job_killed", media_id=media_id, after_s=exc.seconds)
        return
    values = await _store(context, rendition)
    if context.settings.screening_enabled:
        verdict, score = await screening.screen(context, rendition)
        values.update(screening=verdict.value, screening_score=score)
    async with context.db.write() as uow:
        done = await repository.transition(
            uow.conn, media_id, "processing", {**values, "status": "ready", "updated_at": utcnow()}
        )
    if done:
        await context.objects.delete(row["upload_key"])
    log.info(
        "media_ready",
        media_id=media_id,
        kind=rendition.kind,
        width=rendition.width,
        height=rendition.height,
        files=len(rendition.files),
    )


async def _store(context: AppContext, rendition: Rendition) -> dict[str, object]:
    """Write a rendition's files under a key prefix derived from the upload's content, and
    return the columns that describe it."""
    prefix = f"media/{rendition.source_sha256[:2]}/{rendition.source_sha256}"
    for item in rendition.files:
        await context.objects.put(f"{prefix}/{item.name}", item.data, item.content_type)
    variants = {name: f"{prefix}/{file_name}" for name, file_name in rendition.variants.items()}
    return {
        "kind": rendition.kind,
        "original_key": f"{prefix}/{rendition.original.name}",
        "variants": orjson.dumps(variants).decode(),
        "poster_key": f"{prefix}/{rendition.poster}" if rendition.poster else None,
        "width": rendition.width,
        "height": rendition.height,
        "blurhash": rendition.blurhash,
        "duration_s": rendition.duration_s,
        "error_code": None,
        "error_message": None,
    }


async def ingest(context: AppContext, owner_id: int, data: bytes, content_type: str) -> int:
    """Process bytes right here and record ready media (demo data); returns its id."""
    rendition = await pool.run(context, data, normalise(content_type), limits_of(context))
    values = await _store(context, rendition)
    media_id = context.ids.next_id()
    now = utcnow()
    async with context.db.write() as uow:
        await repository.insert(
            uow.conn,
            {
                **values,
                "id": media_id,
                "owner_id": owner_id,
                "content_type": normalise(content_type),
                "size_bytes": len(data),
                "status": "ready",
                "upload_key": upload_key(media_id),
                "created_at": now,
                "updated_at": now,
            },
        )
    return media_id


async def _fail(
    context: AppContext, media_id: int, from_status: str, code: str, message: str
) -> None:
    async with context.db.write() as uow:
        await repository.transition(
            uow.conn,
            media_id,
            from_status,
            {
                "status": "failed",
                "error_code": code,
                "error_message": message[:255],
                "updated_at": utcnow(),
            },
        )


async def unusable_media(
    conn: AsyncConnection, media_id: int, owner_id: int, purpose: str
) -> Exception:
    """Why a media object may not be attached to a new post or story (`purpose`: "can be
    posted", "can become a story"): someone else's or missing (404, revealing nothing),
    already used, or not ready."""
    row = await repository.get(conn, media_id)
    if row is None or row["owner_id"] != owner_id:
        return NotFound(f"Media {media_id} does not exist.", code="media_not_found")
    if row["post_id"] is not None or row["story_id"] is not None or row["message_id"] is not None:
        return InvalidInput(
            f"Media {media_id} already belongs to a post, a story or a message.",
            code="media_in_use",
        )
    return InvalidInput(
        f"Media {media_id} is {row['status']}; only ready media {purpose}.",
        code="media_not_ready",
    )


async def get_own_media(
    context: AppContext, owner_id: int, media_id: int, url_for: UrlFor
) -> MediaOutDict:
    async with context.db.read() as conn:
        row = await repository.get(conn, media_id)
    if row is None or row["owner_id"] != owner_id:
        raise NotFound("No such media.", code="media_not_found")
    # Sent in a message: its files are private, by expiring links only (even to the owner).
    until = private_url_deadline() if row["message_id"] is not None else None
    media_row = repository.media_row(row, with_status=True)
    return present_media(media_row, url_for, with_status=True, until=until)


# -- media sent in messages ------------------------------------------------------------------


async def sendable_media(conn: AsyncConnection, owner_id: int, media_id: int) -> StoredMedia:
    """The owner's ready photo or video that nothing uses yet, to send in a message:
    `404 media_not_found` for someone else's or an unknown id (revealing nothing),
    `422 media_in_use` / `media_not_ready` / `media_rejected` otherwise."""
    row = await repository.get(conn, media_id)
    if row is None or row["owner_id"] != owner_id or row["kind"] not in ("image", "video"):
        raise NotFound(f"Media {media_id} does not exist.", code="media_not_found")
    if row["status"] != "ready":
        raise InvalidInput(
            f"Media {media_id} is {row['status']}; only ready media can be sent.",
            code="media_not_ready",
        )
    if row["post_id"] is not None or row["story_id"] is not None or row["message_id"] is not None:
        raise InvalidInput(
            f"Media {media_id} already belongs to a post, a story or a message.",
            code="media_in_use",
        )
    if row["screening"] == "removed":  # what screening would take down in a post
        raise InvalidInput(
            f"Media {media_id} cannot be sent: automatic screening refused it.",
            code="media_rejected",
        )
    return row


def private_keys(row: StoredMedia) -> dict[str, str]:
    """{public key: private key} for the files of a media object about to be sent in a
    message: `private/<media id>/<name>`, named after the media (never shared, unlike
    the content-addressed `media/` keys, so that deleting them touches nothing else)."""
    keys = [row["original_key"], row["poster_key"]]
    if row["variants"]:
        keys.extend(orjson.loads(row["variants"]).values())
    return {
        key: key
        if key.startswith(PRIVATE_PREFIX)
        else f"{PRIVATE_PREFIX}{row['id']}/{key.rsplit('/', 1)[-1]}"
        for key in keys
        if key
    }


async def copy_to_private(context: AppContext, row: StoredMedia) -> dict[str, object]:
    """Copy a media object's files to its private keys (before the message that takes it
    is stored; copying again is harmless) and return the columns that point to them."""
    mapping = private_keys(row)
    for public, private in mapping.items():
        if public == private:
            continue
        with tempfile.TemporaryDirectory(prefix="shutter-private-") as scratch:
            path = Path(scratch) / "object"
            await context.objects.download_to(public, path)
            await context.objects.upload_from(private, path, _content_type_of(private))
    variants = orjson.loads(row["variants"]) if row["variants"] else {}
    original = row["original_key"]
    assert original is not None  # a ready photo or video (sendable_media) has its files
    return {
        "original_key": mapping[original],
        "variants": orjson.dumps({name: mapping[key] for name, key in variants.items()}).decode(),
        "poster_key": mapping[row["poster_key"]] if row["poster_key"] else None,
    }


async def drop_public_copies(context: AppContext, row: StoredMedia) -> None:
    """After a message took a media object: delete its former public files unless
    another media row shares them (the same bytes uploaded twice). A failure leaves
    unreferenced files behind, never a broken message."""
    public = [key for key in private_keys(row) if not key.startswith(PRIVATE_PREFIX)]
    if not public:
        return
    async with context.db.read() as conn:
        original = row["original_key"]
        shared = await repository.originals_in_use(conn, [original] if original else [])
    if original in shared:
        return
    try:
        for key in sorted(public):
            await context.objects.delete(key)
    except Exception:  # the store is down: the files stay, unreferenced and unserved
        log.warning("media_public_copies_kept", media_id=row["id"], exc_info=True)


async def delete_private_files(context: AppContext, rows: Sequence[StoredMedia]) -> None:
    """Delete the (private, unshared) files of media rows already deleted: an unsent
    message's photo or video. A failure leaves the files unreferenced; their expiring
    links end within the hour anyway."""
    keys: set[str] = set()
    for row in rows:
        keys.update(key for key in private_keys(row).values() if key.startswith(PRIVATE_PREFIX))
    try:
        for key in sorted(keys):
            await context.objects.delete(key)
    except Exception:
        log.warning("media_private_files_kept", count=len(keys), exc_info=True)


def _content_type_of(key: str) -> str:
    return STORED_TYPES.get(key.rsplit(".", 1)[-1].lower(), "application/octet-stream")


# -- lifecycle -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Collected:
    """What one run of the lifecycle job removed."""

    media: int
    objects: int
    timed_out: int


async def collect_garbage(context: AppContext, now: datetime | None = None) -> Collected:
    """Delete media past the retention that nothing needs: uploads never completed, media
    never attached to a post, story or avatar, media of deleted posts and of posts removed
    longer ago than a restore may be asked for; mark media that has
    been `processing` for too long as failed; and remove the files that writes cut short
    by a crash left in the object store. Returns what was removed."""
    now = now or utcnow()
    settings = context.settings
    retention_cutoff = now - timedelta(seconds=settings.media_retention_seconds)
    removed_cutoff = now - timedelta(seconds=settings.moderation_removed_media_retention_seconds)
    stuck_cutoff = now - timedelta(seconds=settings.media_processing_timeout_seconds)
    async with context.db.write() as uow:
        timed_out = await repository.fail_stuck(
            uow.conn, stuck_cutoff, "processing_timeout", "Processing took too long; upload again."
        )
    removed_media = removed_objects = 0
    while True:
        async with context.db.write() as uow:
            doomed = await repository.delete_collectable(
                uow.conn, retention_cutoff, limit=200, removed_before=removed_cutoff
            )
            still_used = await repository.originals_in_use(
                uow.conn, [row["original_key"] for row in doomed if row["original_key"]]
            )
        removed_objects += await _delete_objects(context, doomed, still_used)
        removed_media += len(doomed)
        if len(doomed) < 200:
            break
    scratch = await context.objects.remove_stale_scratch()
    if removed_media or timed_out or scratch:
        log.info(
            "media_collected",
            media=removed_media,
            objects=removed_objects,
            timed_out=timed_out,
            scratch_files=scratch,
        )
    return Collected(media=removed_media, objects=removed_objects, timed_out=timed_out)


async def _delete_objects(
    context: AppContext, rows: Sequence[StoredMedia], still_used: set[str]
) -> int:
    """Remove the files of deleted media rows, except those another media row shares (the
    same bytes uploaded twice share one content-addressed set of files)."""
    keys: set[str] = set()
    for row in rows:
        keys.add(row["upload_key"])
        if row["original_key"] and row["original_key"] not in still_used:
            keys.add(row["original_key"])
            if row["variants"]:
                keys.update(orjson.loads(row["variants"]).values())
            if row["poster_key"]:
                keys.add(row["poster_key"])
    for key in sorted(keys):
        await context.objects.delete(key)
    async with context.db.write() as uow:  # after the files: never served in between
        await repository.forget_withheld(uow.conn, keys)
    return len(keys)
