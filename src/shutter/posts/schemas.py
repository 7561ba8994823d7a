"""Request and response models for posts and pages of posts."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from shutter.media.schemas import MediaOut
from shutter.pagination import MAX_ID
from shutter.tags.entities import MAX_HASHTAGS, hashtags
from shutter.textfields import Line, Paragraph
from shutter.users.schemas import AuthorOut

CAPTION_MAX = 2200
MEDIA_PER_POST_MAX = 10
ALT_TEXT_MAX = 1500
CONTENT_WARNING_MAX = 500

MediaIdText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$")]
AltText = Annotated[str, Paragraph(max_length=ALT_TEXT_MAX)]
ContentWarning = Annotated[str, Line(max_length=CONTENT_WARNING_MAX, strip=True)]
AltTexts = Annotated[
    dict[MediaIdText, AltText],
    Field(
        max_length=MEDIA_PER_POST_MAX,
        description="{media id: alt text} for the post's media (empty text: no alt text)",
    ),
]


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Line(min_length=1, max_length=100, strip=True)]
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


class PostCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    media_ids: list[MediaIdText] = Field(
        min_length=1, max_length=MEDIA_PER_POST_MAX, description="1 to 10 ready media you own"
    )
    caption: Annotated[str, Paragraph(max_length=CAPTION_MAX)] = ""
    location: Location | None = None
    # Shown blurred behind a tap (moderators and screening may set it too).
    sensitive: bool = False
    content_warning: ContentWarning | None = Field(
        None, description="the text shown over the media until tapped"
    )
    alt_texts: AltTexts = Field(default_factory=dict)
    comments_enabled: bool = True
    hide_like_count: bool = False

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

    @model_validator(mode="after")
    def _alt_texts_for_these_media(self) -> PostCreate:
        if not set(self.alt_texts) <= set(self.media_ids):
            raise ValueError("alt_texts names a media id that is not in media_ids")
        return self


class PostPatch(BaseModel):
    """An edit of a post: only the fields sent change (`location: null` removes it)."""

    model_config = ConfigDict(extra="forbid")

    caption: Annotated[str, Paragraph(max_length=CAPTION_MAX)] | None = None
    location: Location | None = None
    alt_texts: AltTexts | None = None
    sensitive: bool | None = None
    content_warning: ContentWarning | None = None
    comments_enabled: bool | None = None
    hide_like_count: bool | None = None

    @field_validator("caption")
    @classmethod
    def _not_too_many_hashtags(cls, value: str | None) -> str | None:
        if value is not None and len(hashtags(value)) > MAX_HASHTAGS:
            raise ValueError(f"at most {MAX_HASHTAGS} hashtags")
        return value


class MediaPatch(BaseModel):
    """Describe one of your media (`alt_text: null` or "" removes the description)."""

    model_config = ConfigDict(extra="forbid")

    alt_text: AltText | None


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
    like_count: int | None = Field(description="null for everyone but the author when hidden")
    comment_count: int
    sensitive: bool = False
    content_warning: str | None = None
    comments_enabled: bool = True
    hide_like_count: bool = False
    pinned: bool = False
    archived: bool = False
    edited_at: str | None = None
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


class PostVersionOut(BaseModel):
    """What the post said until `replaced_at` (from `valid_from`)."""

    id: str
    caption: str
    location_name: str | None
    sensitive: bool
    content_warning: str | None
    alt_texts: dict[str, str | None]
    valid_from: str
    replaced_at: str


class PostHistory(BaseModel):
    versions: list[PostVersionOut]


class PinState(BaseModel):
    pinned: bool


class ArchiveState(BaseModel):
    archived: bool
