"""Media rows to the media object of the API (MediaOut), for posts, stories, messages,
notifications and the owner's own view."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import NotRequired, TypedDict

import orjson

from shutter.media.repository import MediaRow
from shutter.stores.objects import UrlFor
from shutter.timeutil import utcnow

VARIANT_NAMES = ("thumb", "small", "medium", "large")
# Media sent in direct messages keep their files under this prefix: never served by a
# lasting URL (the embedded file route refuses one; a CDN must not serve the prefix), only
# by expiring links handed to the conversation's members.
PRIVATE_PREFIX = "private/"
PRIVATE_URL_TTL = timedelta(hours=1)


class UploadPartDict(TypedDict):
    """The wire shape of UploadPart (media/schemas.py): one part of a multipart upload."""

    number: int
    offset: int
    size_bytes: int
    url: str


class UploadTicketDict(TypedDict):
    """The wire shape of UploadTicket (media/schemas.py): where to send an upload's bytes."""

    media_id: str
    upload_url: str
    upload_method: str
    upload_headers: dict[str, str]
    upload_parts: list[UploadPartDict] | None
    expires_at: str


class MediaErrorDict(TypedDict):
    code: str | None
    message: str | None


class MediaOutDict(TypedDict):
    """The wire shape of MediaOut (media/schemas.py)."""

    id: str
    type: str
    width: int | None
    height: int | None
    blurhash: str | None
    urls: dict[str, str] | None
    duration_s: NotRequired[float | None]
    alt: NotRequired[str | None]
    poster_url: NotRequired[str | None]
    status: NotRequired[str]
    error: NotRequired[MediaErrorDict | None]


def present_media(
    row: MediaRow,
    url_for: UrlFor,
    *,
    with_status: bool = False,
    until: datetime | None = None,
    withheld: Collection[str] = (),
) -> MediaOutDict:
    """The media object of the API: a URL per size (a video's sizes are its poster frame's,
    its `original` the MP4), dimensions as shown, blurhash, and a video's duration/poster.
    With `until` (a story's end) every URL expires by then and is cached privately; the
    `withheld` keys among them (removed content, for a moderator) point where they are kept."""
    link: Callable[[str], str] = url_for
    if until is not None:
        deadline = until

        def link(key: str) -> str:
            sign = url_for.withheld if key in withheld else url_for.until
            return sign(key, deadline)

    urls = None
    if row["original_key"]:
        variants: dict[str, str] = orjson.loads(row["variants"]) if row["variants"] else {}
        original = link(row["original_key"])
        urls = {
            name: link(variants[name]) if name in variants else original for name in VARIANT_NAMES
        }
        urls["original"] = original
    result: MediaOutDict = {
        "id": str(row["id"]),
        "type": row["kind"],
        "width": row["width"],
        "height": row["height"],
        "blurhash": row["blurhash"],
        "urls": urls,
    }
    if "alt" in row:
        result["alt"] = row["alt"]
    if row["kind"] == "video":
        result["duration_s"] = row["duration_s"]
        result["poster_url"] = link(row["poster_key"]) if row["poster_key"] else None
    if with_status and "status" in row:
        result["status"] = row["status"]
        result["error"] = (
            {"code": row.get("error_code"), "message": row.get("error_message")}
            if row["status"] == "failed"
            else None
        )
    return result


def private_url_deadline() -> datetime:
    """Until when a private file's link may work, from now (UrlFor.until may end it
    sooner: SHUTTER_STORY_MEDIA_URL_TTL_SECONDS caps every expiring link)."""
    return utcnow() + PRIVATE_URL_TTL


def thumb_url(row: MediaRow, url_for: UrlFor, until: datetime | None = None) -> str | None:
    """The thumbnail URL of a media object (None before it is processed)."""
    urls = present_media(row, url_for, until=until)["urls"]
    return urls["thumb"] if urls else None
