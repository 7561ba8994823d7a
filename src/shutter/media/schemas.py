"""Request and response models for media."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class MediaCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        description="the type of the bytes you will upload, e.g. image/jpeg"
    )
    size_bytes: int = Field(ge=1, le=2**40, description="exact size of the upload in bytes")


class UploadPart(BaseModel):
    number: int
    offset: int = Field(description="where the part starts in the file")
    size_bytes: int
    url: str = Field(description="PUT exactly these bytes here")


class UploadTicket(BaseModel):
    media_id: str
    upload_url: str
    upload_method: str
    upload_headers: dict[str, str]
    upload_parts: list[UploadPart] | None = Field(
        None,
        description="a large archive on a store that needs it: PUT each part to its URL "
        "instead of the whole file to upload_url",
    )
    expires_at: str


class MediaUrls(BaseModel):
    thumb: str
    small: str
    medium: str
    large: str
    original: str


class MediaError(BaseModel):
    code: str
    message: str


class MediaOut(BaseModel):
    id: str
    type: str
    status: str | None = Field(
        None,
        description="pending, processing, ready or failed; only on your own media "
        "(GET /media/{id}): the media of posts and stories are always ready",
    )
    width: int | None
    height: int | None
    blurhash: str | None
    urls: MediaUrls | None
    duration_s: float | None = None
    alt: str | None = Field(None, description="the author's description of the media")
    poster_url: str | None = None
    error: MediaError | None = None
