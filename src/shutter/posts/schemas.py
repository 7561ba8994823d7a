"""Request and response models for posts and pages of posts."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shutter.media.schemas import MediaOut
from shutter.pagination import MAX_ID
from shutter.tags.entities import MAX_HASHTAGS, hashtags
from shutter.textfields import Line, Paragraph
from shutter.users.schemas import AuthorOut

CAPTION_MAX = 2200
MEDIA_PER_POST_MAX = 10


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Line(min_length=1, max_length=100, strip=True)]
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


class PostCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    media_ids: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$")]] = Field(
        min_length=1, max_length=MEDIA_PER_POST_MAX, description="1 to 10 ready media you own"
    )
    caption: Annotated[str, Paragraph(max_length=CAPTION_MAX)] = ""
    location: Location | None = None
    # Shown blurred behind a tap (moderators and screening may set it too).
    sensitive: bool = False

    @field_validator("media_ids")
    @classmethod
    def _distinct_ids_in_range(cls, value: list[str]) -> list[str]:
        numbers = [int(media_id) for media_id in value]
        if any(number > MAX_ID for number in numbers):
            raise ValueError("not a media id")  # ids are 64-bit; larger would overflow SQL
        if len(set(numbers)) != len(numbers):
            raise ValueError("a media id appears twice")
        return value

    @field_validator("caption")
    @classmethod
    def _not_too_many_hashtags(cls, value: str) -> str:
        if len(hashtags(value)) > MAX_HASHTAGS:
            raise ValueError(f"at most {MAX_HASHTAGS} hashtags")
        return value


class LocationOut(BaseModel):
    id: str | None
    name: str
    lat: float | None
    lng: float | None


class PostOut(BaseModel):
    id: str
    author: AuthorOut
    caption: str
    location: LocationOut | None
    media: list[MediaOut]
    like_count: int
    comment_count: int
    sensitive: bool = False
    removed: bool | None = None  # true in POST /posts's answer when screening removed it
    liked_by_me: bool
    saved_by_me: bool = Field(
        False, description="the reader saved this post (always false for anonymous readers)"
    )
    created_at: str


class PostEnvelope(BaseModel):
    post: PostOut


class PostPage(BaseModel):
    posts: list[PostOut]
    next_cursor: str | None
