"""Media: upload tickets, completion and status under /api/v1; the embedded object store's
signed upload and download endpoints under /media."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import FileResponse, Response

from shutter.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from shutter.http.deps import BaseUrl, Context, CurrentUser, UrlFor, rate_limited
from shutter.http.responses import json_response
from shutter.media import repository, service
from shutter.media.presenters import PRIVATE_PREFIX
from shutter.media.schemas import MediaCreate, MediaOut, UploadTicket
from shutter.media.sniff import STORED_TYPES
from shutter.stores.objects import IMMUTABLE, LocalObjectStore

router = APIRouter(prefix="/media", tags=["media"])
store_router = APIRouter(prefix="/media", tags=["object store (embedded profile)"])

MediaId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a media id")]
_UPLOAD_KEY = re.compile(r"uploads/([0-9]{1,19})")
# Served prefixes: processed media (content-addressed), and originals of older versions;
# exports and the files of media sent in messages (private/) by expiring links only.
_SERVED = ("media/", "originals/", "exports/", PRIVATE_PREFIX)
_EXPIRING_ONLY = ("exports/", PRIVATE_PREFIX)


@router.post(
    "", status_code=201, response_model=UploadTicket, dependencies=[rate_limited("uploads")]
)
async def create_media(
    body: MediaCreate, viewer: CurrentUser, context: Context, base_url: BaseUrl
) -> Response:
    """Announce an upload; send the bytes to `upload_url`, then call `/complete`. Limited
    per user by count (SHUTTER_RATE_LIMIT_UPLOADS) and by announced bytes an hour
    (SHUTTER_UPLOAD_BYTES_PER_HOUR): `429` with `Retry-After` beyond either. Stories and
    avatars are made from these tickets, so the same limits hold for them."""
    ticket = await service.create_upload(
        context, viewer.id, body.content_type, body.size_bytes, base_url
    )
    return json_response(ticket, 201)


@router.post(
    "/{media_id}/complete",
    status_code=202,
    response_model=MediaOut,
    responses={200: {"model": MediaOut, "description": "the media was ready already"}},
)
async def complete_media(
    media_id: MediaId, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """Start processing the uploaded bytes: `202` with the media `processing` (poll
    `GET /media/{id}` until it is `ready` or `failed`), or `200` if it is ready already."""
    await service.complete_upload(context, viewer.id, media_id)
    # Read after the commit: a small image may be ready already (an in-process worker got
    # to it first), and the status code says what the body says.
    media = await service.get_own_media(context, viewer.id, media_id, url_for)
    return json_response(media, 200 if media.get("status") == "ready" else 202)


@router.get("/{media_id}", response_model=MediaOut)
async def get_media(
    media_id: MediaId, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    return json_response(await service.get_own_media(context, viewer.id, media_id, url_for))


def _local_store(context: Context) -> LocalObjectStore:
    if not isinstance(context.objects, LocalObjectStore):
        raise NotFound("Media is served by the object store in this deployment.")
    return context.objects


@store_router.put("/upload/{key:path}", status_code=204, include_in_schema=True)
async def receive_upload(
    key: str,
    request: Request,
    context: Context,
    content_type: Annotated[str, Query(max_length=100)],
    size: Annotated[int, Query(ge=1, le=2**40)],
    expires: Annotated[int, Query(ge=0, le=2**40)],
    signature: Annotated[str, Query(max_length=128)],
) -> Response:
    """The embedded profile's stand-in for an object store's pre-signed PUT."""
    store = _local_store(context)
    match = _UPLOAD_KEY.fullmatch(key)
    if match is None:
        raise NotFound("No such upload.")
    refusal = store.check_upload_signature(key, content_type, size, expires, signature)
    if refusal:
        raise Forbidden(refusal, code="invalid_signature")
    sent_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if sent_type != content_type:
        raise UnsupportedMediaType(
            f"Send the bytes with Content-Type: {content_type}.", code="content_type_mismatch"
        )
    declared_length = request.headers.get("content-length")
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > size:
        raise PayloadTooLarge(f"This upload URL takes exactly {size} bytes.", code="size_mismatch")
    async with context.db.read() as conn:
        row = await repository.get(conn, int(match.group(1)))
    if row is None or row["status"] != "pending":
        raise Conflict("This upload has already been completed.", code="upload_closed")
    received = await store.receive(key, request.stream(), size)
    if received != size:
        raise InvalidInput(
            f"Received {received} bytes where exactly {size} were declared.", code="size_mismatch"
        )
    return Response(status_code=204)


@store_router.api_route("/files/{key:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def serve_file(
    key: str,
    request: Request,
    context: Context,
    sig: Annotated[str, Query(max_length=64)] = "",
    exp: Annotated[int | None, Query(ge=0, le=2**40)] = None,
) -> Response:
    """Serve a stored media file: cacheable forever (or, by an expiring URL, privately
    until it expires), conditional GET, byte ranges."""
    store = _local_store(context)
    if not key.startswith(_SERVED) or not store.check_download_signature(key, sig, exp):
        raise NotFound("No such file.")
    if exp is None and key.startswith(_EXPIRING_ONLY):  # even with the key's lasting signature
        raise NotFound("No such file.")
    cache_control = IMMUTABLE
    if exp is not None:
        remaining = exp - int(time.time())
        if remaining <= 0:
            raise NotFound("This link has expired.", code="link_expired")
        cache_control = f"private, max-age={remaining}"
    if exp is None:  # the files of removed content: only by expiring (moderators') links
        async with context.db.read() as conn:
            if await repository.is_withheld(conn, key):
                raise NotFound("No such file.")
    path = store.path_for(key)
    if not path.is_file():
        raise NotFound("No such file.")
    # Keys are content-addressed: the key names the bytes, so it makes a strong ETag.
    etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
    headers = {"Cache-Control": cache_control, "ETag": etag}
    # If-None-Match may list several tags (a CDN revalidating more than one copy).
    wanted = {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}
    if wanted & {etag, f"W/{etag}", "*"}:
        return Response(status_code=304, headers=headers)
    media_type = STORED_TYPES.get(path.suffix.lstrip("."), "application/octet-stream")
    return FileResponse(path, media_type=media_type, headers=headers)
