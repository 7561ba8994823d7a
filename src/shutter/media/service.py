"""Media use cases: hand out an upload URL, check the uploaded bytes, describe media."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio.to_thread
import structlog
from sqlalchemy import RowMapping

from shutter.context import AppContext
from shutter.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    ShutterError,
    UnsupportedMediaType,
)
from shutter.media import repository
from shutter.media.images import IMAGE_CONTENT_TYPES, ImageRejected, clean_image
from shutter.timeutil import isoformat, utcnow
from shutter.users.service import UrlFor

log = structlog.get_logger("shutter.media")

VIDEO_CONTENT_TYPES = {"video/mp4", "video/quicktime", "video/webm"}


def upload_key(media_id: int) -> str:
    return f"uploads/{media_id}"


async def create_upload(
    context: AppContext, owner_id: int, content_type: str, size_bytes: int, base_url: str
) -> dict[str, Any]:
    """Register an upload and return where to send the bytes."""
    content_type = content_type.split(";")[0].strip().lower()
    settings = context.settings
    if content_type in VIDEO_CONTENT_TYPES:
        raise UnsupportedMediaType(
            "Video uploads are not accepted yet; upload a JPEG, PNG, WebP, GIF or AVIF image.",
            code="unsupported_media_type",
        )
    if content_type not in IMAGE_CONTENT_TYPES:
        raise UnsupportedMediaType(
            f"{content_type!r} is not accepted; upload a JPEG, PNG, WebP, GIF or AVIF image.",
            code="unsupported_media_type",
        )
    if size_bytes > settings.image_max_bytes:
        raise PayloadTooLarge(
            f"Images may be at most {settings.image_max_bytes // (1024 * 1024)} MB.",
            code="file_too_large",
        )
    now = utcnow()
    media_id = context.ids.next_id()
    expires = now + timedelta(seconds=settings.upload_url_ttl_seconds)
    target = await context.objects.presign_upload(
        upload_key(media_id), content_type, size_bytes, int(expires.timestamp()), base_url
    )
    async with context.db.write() as conn:
        await repository.insert(
            conn,
            {
                "id": media_id,
                "owner_id": owner_id,
                "kind": "image",
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
        "expires_at": isoformat(expires),
    }


async def complete_upload(context: AppContext, owner_id: int, media_id: int) -> None:
    """Validate the uploaded bytes and make the media ready, or mark it failed and raise.

    Completing media that is already ready does nothing (a retried request is harmless).
    """
    async with context.db.write() as conn:
        claimed = await repository.transition(
            conn, media_id, owner_id, "pending", {"status": "processing", "updated_at": utcnow()}
        )
        row = await repository.get(conn, media_id)
    if row is None or row["owner_id"] != owner_id:
        raise NotFound("No such media.", code="media_not_found")
    if not claimed:
        if row["status"] == "ready":
            return
        if row["status"] == "failed":
            raise Conflict(f"This upload failed: {row['error_message']}", code="media_failed")
        raise Conflict("This upload is already being processed.", code="media_processing")
    try:
        await _process(context, row)
    except ShutterError as exc:
        if exc.code == "upload_missing":
            await _set_status(context, row, "processing", {"status": "pending"})
        else:
            await _set_status(
                context,
                row,
                "processing",
                {"status": "failed", "error_code": exc.code, "error_message": exc.message[:255]},
            )
        raise
    except Exception:
        # Unexpected (store unreachable...): give the client another go at completing.
        await _set_status(context, row, "processing", {"status": "pending"})
        raise


async def _process(context: AppContext, row: RowMapping) -> None:
    objects = context.objects
    size = await objects.size(row["upload_key"])
    if size is None:
        raise Conflict("Upload the bytes to upload_url before completing.", code="upload_missing")
    if size != row["size_bytes"]:
        await objects.delete(row["upload_key"])  # nothing of a refused upload is kept
        raise InvalidInput(
            f"The upload has {size} bytes, but {row['size_bytes']} were declared.",
            code="size_mismatch",
        )
    data = await objects.read(row["upload_key"])
    try:
        image = await anyio.to_thread.run_sync(
            clean_image, data, row["content_type"], context.settings.image_max_pixels
        )
    except ImageRejected as exc:
        raise ShutterError(exc.message, code=exc.code, status=exc.status) from exc
    original_key = f"originals/{image.sha256[:2]}/{image.sha256}.{image.extension}"
    await objects.put(original_key, image.data, image.content_type)
    await _set_status(
        context,
        row,
        "processing",
        {
            "status": "ready",
            "original_key": original_key,
            "width": image.width,
            "height": image.height,
            "error_code": None,
            "error_message": None,
        },
    )
    await objects.delete(row["upload_key"])
    log.info("media_ready", media_id=row["id"], width=image.width, height=image.height)


async def _set_status(
    context: AppContext, row: RowMapping, from_status: str, values: dict[str, Any]
) -> None:
    async with context.db.write() as conn:
        await repository.transition(
            conn, row["id"], row["owner_id"], from_status, {**values, "updated_at": utcnow()}
        )


async def get_own_media(
    context: AppContext, owner_id: int, media_id: int, url_for: UrlFor
) -> dict[str, Any]:
    async with context.db.read() as conn:
        row = await repository.get(conn, media_id)
    if row is None or row["owner_id"] != owner_id:
        raise NotFound("No such media.", code="media_not_found")
    return present_media(row, url_for, with_status=True)


def present_media(row: RowMapping, url_for: UrlFor, *, with_status: bool = False) -> dict[str, Any]:
    """The media object of the API. Until resized variants exist, each size is the
    metadata-free original."""
    urls = None
    if row["original_key"]:
        original = url_for(row["original_key"])
        urls = {
            "thumb": original,
            "small": original,
            "medium": original,
            "large": original,
            "original": original,
        }
    result: dict[str, Any] = {
        "id": str(row["id"]),
        "type": row["kind"],
        "width": row["width"],
        "height": row["height"],
        "blurhash": row["blurhash"],
        "urls": urls,
    }
    if row["kind"] == "video":
        result["duration_s"] = row["duration_s"]
        result["poster_url"] = None
    if with_status:
        result["status"] = row["status"]
        result["error"] = (
            {"code": row["error_code"], "message": row["error_message"]}
            if row["status"] == "failed"
            else None
        )
    return result
