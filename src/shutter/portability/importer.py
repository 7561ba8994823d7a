"""Import an Instagram archive: posts with their original times (the grid keeps their
order, no follower's feed gets them as new), archived stories, the profile. Each file goes
through the normal media pipeline; an item that fails is skipped and reported, never the
whole import; an item imported before (an earlier import, or this one before a crash) is
not added again."""

from __future__ import annotations

import hashlib
import tempfile
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import structlog
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.db.tables import posts, stories
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Conflict, InvalidInput, NotFound
from shutter.events.types import ImportRequested
from shutter.ids import EPOCH_MS, TIMESTAMP_SHIFT
from shutter.media import repository as media_repo
from shutter.media import service as media_service
from shutter.media.sniff import IMAGE_TYPES, VIDEO_TYPES, sniff
from shutter.portability import repository
from shutter.portability.archive import ArchiveLimits, ArchiveRefused, EntryRefused, SafeArchive
from shutter.portability.instagram import ArchivedItem, Profile, Unreadable, read_contents
from shutter.portability.jobs import ItemErrorDict, JobStatus
from shutter.portability.presenters import ImportOutDict, present_import
from shutter.posts import repository as posts_repo
from shutter.posts.schemas import CAPTION_MAX
from shutter.stories import repository as stories_repo
from shutter.tags import repository as tags_repo
from shutter.tags.entities import hashtags
from shutter.textfields import clean_text
from shutter.timeutil import utcnow
from shutter.users import repository as users_repo
from shutter.users import service as users_service
from shutter.users.schemas import BIO_MAX, DISPLAY_NAME_MAX, ProfileUpdate

log = structlog.get_logger("shutter.portability")

PROFILE_ITEM_KIND = "profile"


class ItemSkipped(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- the API's half --------------------------------------------------------------------------


async def request_import(context: AppContext, user_id: int, media_id: int) -> ImportOutDict:
    """Queue the import of an uploaded archive; returns the import. The same archive twice
    returns the import it started the first time."""
    async with context.db.read() as conn:
        row = await media_repo.get(conn, media_id)
        earlier = await repository.import_of_media(conn, user_id, media_id)
    if earlier is not None:
        return present_import(earlier)
    if row is None or row["owner_id"] != user_id:
        raise NotFound("No such upload.", code="media_not_found")
    if row["kind"] != "archive":
        raise InvalidInput(
            "Upload the archive with content_type application/zip to import it.",
            code="not_an_archive",
        )
    size = await context.objects.size(row["upload_key"])
    if size is None and await context.objects.complete_parts(
        row["upload_key"], int(row["size_bytes"])
    ):
        size = await context.objects.size(row["upload_key"])  # sent in parts, now whole
    if size is None:
        raise Conflict("Upload the archive to upload_url first.", code="upload_missing")
    if size != row["size_bytes"]:
        raise InvalidInput(
            f"The upload has {size} bytes, but {row['size_bytes']} were declared.",
            code="size_mismatch",
        )
    now = utcnow()
    import_id = context.ids.next_id()
    async with context.db.write() as uow:
        conn = uow.conn
        await repository.insert_import(
            conn,
            {
                "id": import_id,
                "user_id": user_id,
                "media_id": media_id,
                "archive_key": row["upload_key"],
                "status": JobStatus.QUEUED,
                "created_at": now,
                "updated_at": now,
            },
        )
        await uow.record(ImportRequested(import_id=import_id))
        created = await repository.get_import(conn, import_id)
    assert created is not None
    return present_import(created)


async def get_import(context: AppContext, user_id: int, import_id: int) -> ImportOutDict:
    async with context.db.read() as conn:
        row = await repository.get_import(conn, import_id)
    if row is None or row.user_id != user_id:
        raise NotFound("No such import.", code="import_not_found")
    return present_import(row)


async def list_imports(context: AppContext, user_id: int) -> list[ImportOutDict]:
    async with context.db.read() as conn:
        rows = await repository.latest_imports(conn, user_id, 20)
    return [present_import(row) for row in rows]


# -- the worker's half -----------------------------------------------------------------------


def _limits(context: AppContext) -> ArchiveLimits:
    settings = context.settings
    return ArchiveLimits(
        max_uncompressed_bytes=settings.import_max_uncompressed_bytes,
        max_ratio=settings.import_max_ratio,
        max_entries=settings.import_max_entries,
        json_max_bytes=settings.import_json_max_bytes,
    )


async def run_import(context: AppContext, import_id: int) -> None:
    """Import every item of the archive not imported yet (the `import.requested` handler).
    Resumes after a crash; does nothing for a finished import. A store that cannot be
    reached raises, so that the event is retried."""
    async with context.db.write() as uow:
        conn = uow.conn
        started = await repository.start_import(conn, import_id, utcnow())
        row = await repository.get_import(conn, import_id)
    if not started or row is None:
        return
    user_id = row.user_id
    with tempfile.TemporaryDirectory(prefix="shutter-import-") as scratch:
        path = Path(scratch) / "archive.zip"
        try:
            await context.objects.download_to(row.archive_key, path)
        except NotFound:
            await _fail(context, import_id, "upload_missing", "The uploaded archive is gone.")
            return
        try:
            with SafeArchive(path, _limits(context)) as archive:
                await _import_archive(context, import_id, user_id, archive)
        except ArchiveRefused as exc:
            await _fail(context, import_id, exc.code, exc.message)
            await context.objects.delete(row.archive_key)
            log.info("import_refused", import_id=import_id, code=exc.code)
            return
    async with context.db.write() as uow:
        conn = uow.conn
        await repository.set_import(conn, import_id, status=JobStatus.DONE, updated_at=utcnow())
    await context.objects.delete(row.archive_key)  # the archive has served its purpose
    await context.objects.abort_parts(row.archive_key)  # parts sent twice, if any
    log.info("import_done", import_id=import_id, user_id=user_id)


async def _fail(context: AppContext, import_id: int, code: str, message: str) -> None:
    async with context.db.write() as uow:
        conn = uow.conn
        await repository.set_import(
            conn,
            import_id,
            status=JobStatus.FAILED,
            error_code=code,
            error_message=message[:255],
            updated_at=utcnow(),
        )


async def _import_archive(
    context: AppContext, import_id: int, user_id: int, archive: SafeArchive
) -> None:
    contents = read_contents(archive, CAPTION_MAX)
    total = len(contents.items) + len(contents.unreadable) + (1 if contents.profile else 0)
    async with context.db.write() as uow:
        conn = uow.conn
        await repository.set_import(conn, import_id, total=total, updated_at=utcnow())
    if contents.unreadable:
        await _report_unreadable(context, import_id, user_id, contents.unreadable)
    if contents.profile is not None:
        await _one(
            context,
            import_id,
            user_id,
            _profile_key(contents.profile),
            "profile",
            None,
            archive,
            contents.profile,
        )
    for item in contents.items:
        await _one(context, import_id, user_id, item.key, item.kind, item, archive, None)


def _profile_key(profile: Profile) -> str:
    raw = orjson.dumps([profile.display_name, profile.bio, profile.picture])
    return hashlib.sha256(b"profile\n" + raw).hexdigest()


async def _report_unreadable(
    context: AppContext, import_id: int, user_id: int, unreadable: list[Unreadable]
) -> None:
    for label, code, message in unreadable:
        key = hashlib.sha256(f"unreadable\n{label}\n{code}\n{message}".encode()).hexdigest()
        async with context.db.write() as uow:
            conn = uow.conn
            outcome = await repository.item_outcome(conn, user_id, key)
            if outcome is not None and outcome.import_id == import_id:
                continue  # counted before a crash
            await repository.record_item(
                conn,
                user_id=user_id,
                import_id=import_id,
                item_key=key,
                kind="unreadable",
                target_id=None,
                now=utcnow(),
            )
            error: ItemErrorDict = {"item": label, "code": code, "message": message}
            await repository.count_item(conn, import_id, utcnow(), skipped=1, error=error)


async def _one(
    context: AppContext,
    import_id: int,
    user_id: int,
    key: str,
    kind: str,
    item: ArchivedItem | None,
    archive: SafeArchive,
    profile: Profile | None,
) -> None:
    """Import one item, exactly once: its outcome and the progress are recorded in the
    transaction that creates it."""
    async with context.db.read() as conn:
        outcome = await repository.item_outcome(conn, user_id, key)
    if outcome is not None and outcome.import_id == import_id:
        return  # this import did it before a crash (and counted it)
    if outcome is not None and outcome.target_id is not None:
        async with context.db.write() as uow:
            conn = uow.conn
            await repository.count_item(conn, import_id, utcnow(), duplicates=1)
            await repository.record_item(
                conn,
                user_id=user_id,
                import_id=import_id,
                item_key=key,
                kind=kind,
                target_id=outcome.target_id,
                now=utcnow(),
            )
        return
    label = item.label if item is not None else "personal_information.json"
    try:
        if item is not None:
            media_ids = [await _media(context, user_id, archive, ref.uri) for ref in item.media]
        else:
            assert profile is not None
            picture = profile.picture
            media_ids = [await _media(context, user_id, archive, picture)] if picture else []
        async with context.db.write() as uow:
            conn = uow.conn
            if item is not None and item.kind == "post":
                target_id = await _create_post(context, conn, user_id, item, media_ids)
            elif item is not None:
                target_id = await _create_archived_story(context, conn, user_id, item, media_ids[0])
            else:
                assert profile is not None
                target_id = await _apply_profile(context, uow, user_id, profile, media_ids)
            await repository.record_item(
                conn,
                user_id=user_id,
                import_id=import_id,
                item_key=key,
                kind=kind,
                target_id=target_id,
                now=utcnow(),
            )
            await repository.count_item(conn, import_id, utcnow(), done=1)
    except ItemSkipped as exc:
        async with context.db.write() as uow:
            conn = uow.conn
            await repository.record_item(
                conn,
                user_id=user_id,
                import_id=import_id,
                item_key=key,
                kind=kind,
                target_id=None,
                now=utcnow(),
            )
            error: ItemErrorDict = {"item": label, "code": exc.code, "message": exc.message}
            await repository.count_item(conn, import_id, utcnow(), skipped=1, error=error)
        log.info("import_item_skipped", import_id=import_id, code=exc.code)


async def _media(context: AppContext, user_id: int, archive: SafeArchive, uri: str) -> int:
    """Put one file of the archive through the media pipeline; returns the ready media id."""
    settings = context.settings
    try:
        data = archive.read(uri, max(settings.image_max_bytes, settings.video_max_bytes))
    except EntryRefused as exc:
        raise ItemSkipped(exc.code, exc.message) from exc
    content_type = sniff(data[:64])
    if content_type is None or content_type not in IMAGE_TYPES | VIDEO_TYPES:
        raise ItemSkipped("unsupported_content", f"{uri} is not a photo or video Shutter takes.")
    kind = "image" if content_type in IMAGE_TYPES else "video"
    limit = settings.image_max_bytes if kind == "image" else settings.video_max_bytes
    if len(data) > limit:
        raise ItemSkipped("file_too_large", f"{uri} is larger than {limit} bytes.")
    media_id = context.ids.next_id()
    now = utcnow()
    upload_key = media_service.upload_key(media_id)
    await context.objects.put(upload_key, data, content_type)
    async with context.db.write() as uow:
        conn = uow.conn
        await media_repo.insert(
            conn,
            {
                "id": media_id,
                "owner_id": user_id,
                "kind": kind,
                "content_type": content_type,
                "size_bytes": len(data),
                "status": "processing",
                "upload_key": upload_key,
                "created_at": now,
                "updated_at": now,
            },
        )
    # The normal pipeline: validation by content, metadata stripped, variants, screening.
    await media_service.process_media(context, media_id)
    async with context.db.read() as conn:
        row = await media_repo.get(conn, media_id)
    if row is None or row["status"] != "ready":
        code = row["error_code"] if row is not None else "processing_failed"
        message = row["error_message"] if row is not None else "The file could not be processed."
        raise ItemSkipped(str(code), f"{uri}: {message}")
    return media_id


def _clean(text: str, limit: int, *, multiline: bool) -> str:
    """Archive text in the form Shutter stores: control and direction-override characters
    dropped rather than refused (the archive is not the user's typing)."""
    kept = "".join(
        char
        for char in text
        if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs", "Co", "Cn", "Cf")
    )
    try:
        return clean_text(kept, multiline=multiline)[:limit]
    except ValueError:
        return ""


async def _free_id(conn: AsyncConnection, column: Any, unix_s: int, key: str) -> int:
    """An id that sorts at the item's original time, so that the grid (ordered by id) shows
    imported posts where they belong among everything else. Before Shutter's id epoch
    (2024) there are no time bits to spare: such ids take the range of the epoch's first
    minutes, ordered by second (docs/data.md)."""
    salt = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")
    unix_ms = unix_s * 1000
    if unix_ms >= EPOCH_MS:
        candidate = ((unix_ms - EPOCH_MS) << TIMESTAMP_SHIFT) | (
            salt & ((1 << TIMESTAMP_SHIFT) - 1)
        )
    else:
        candidate = (unix_s << 10) | (salt & 1023) or 1
    while (await conn.execute(select(column).where(column == candidate))).first() is not None:
        candidate += 1
    return candidate


def _at(unix_s: int) -> datetime:
    return datetime.fromtimestamp(unix_s, UTC)


async def _create_post(
    context: AppContext,
    conn: AsyncConnection,
    user_id: int,
    item: ArchivedItem,
    media_ids: list[int],
) -> int:
    """The post as it was: its time, its caption; counted on the profile. No `post.created`
    event: followers' feeds are not sent an old post as new, and no one is notified."""
    post_id = await _free_id(conn, posts.c.id, item.taken_at, item.key)
    created_at = _at(item.taken_at)
    caption = _clean(item.caption, CAPTION_MAX, multiline=True)
    await posts_repo.insert(
        conn,
        {"id": post_id, "author_id": user_id, "caption": caption, "created_at": created_at},
    )
    await tags_repo.attach_hashtags(conn, post_id, hashtags(caption), utcnow())
    for position, media_id in enumerate(media_ids):
        if not await media_repo.attach_to_post(conn, media_id, user_id, post_id, position):
            raise ItemSkipped("media_in_use", "The media was taken by something else.")
    await users_repo.add_to_counter(conn, user_id, "post_count", 1)
    return post_id


async def _create_archived_story(
    context: AppContext, conn: AsyncConnection, user_id: int, item: ArchivedItem, media_id: int
) -> int:
    """A story straight into the archive: over already, never live, its media kept."""
    story_id = await _free_id(conn, stories.c.id, item.taken_at, item.key)
    created_at = _at(item.taken_at)
    expires_at = created_at + timedelta(seconds=context.settings.story_ttl_seconds)
    if not await stories_repo.attach_media(conn, media_id, user_id, story_id):
        raise ItemSkipped("media_in_use", "The media was taken by something else.")
    await stories_repo.insert(
        conn,
        {
            "id": story_id,
            "author_id": user_id,
            "media_id": media_id,
            "created_at": created_at,
            "expires_at": expires_at,
            "deleted_at": expires_at,
            "archived": True,
        },
    )
    return story_id


async def _apply_profile(
    context: AppContext,
    uow: UnitOfWork,
    user_id: int,
    profile: Profile,
    media_ids: list[int],
) -> int:
    """Fill the profile's empty fields from the archive (what the user wrote on Shutter
    already wins)."""
    conn = uow.conn
    current = await users_repo.get_own_profile(conn, user_id)
    if current is None:
        raise ItemSkipped("user_gone", "The account no longer exists.")
    changes: dict[str, Any] = {}
    if profile.display_name and not current["display_name"]:
        changes["display_name"] = _clean(profile.display_name, DISPLAY_NAME_MAX, multiline=False)
    if profile.bio and not current["bio"]:
        changes["bio"] = _clean(profile.bio, BIO_MAX, multiline=True)
    if media_ids and current["avatar_key"] is None:
        changes["avatar_media_id"] = str(media_ids[0])
    try:
        await users_service.update_profile(
            context, uow, user_id, ProfileUpdate.model_validate(changes)
        )
    except (ValidationError, InvalidInput, NotFound) as exc:
        raise ItemSkipped("invalid_profile", "The profile in the archive was not usable.") from exc
    return user_id
