"""Request and response models for stories, the tray and viewer lists."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shutter.media.schemas import MediaOut
from shutter.pagination import MAX_ID
from shutter.users.schemas import AuthorOut


class StoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    media_id: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$")] = Field(
        description="a ready photo or video you own that no post or story uses yet"
    )

    @field_validator("media_id")
    @classmethod
    def _in_range(cls, value: str) -> str:
        if int(value) > MAX_ID:
            raise ValueError("not a media id")  # ids are 64-bit; larger would overflow SQL
        return value


class StoryOut(BaseModel):
    id: str
    author: AuthorOut
    media: MediaOut
    created_at: str
    expires_at: str = Field(description="never served after this instant")
    seen: bool = Field(description="whether the reader has marked it seen")


class StoryCreated(BaseModel):
    story: StoryOut
    expires_at: str


class StoryReel(BaseModel):
    """One account's live stories."""

    user: AuthorOut
    items: list[StoryOut] = Field(description="oldest first")
    has_unseen: bool


class StoryTray(BaseModel):
    tray: list[StoryReel] = Field(
        description="your own reel first, then reels with unseen stories, then the rest; "
        "most recent first within each group"
    )


class StoryViewer(BaseModel):
    user: AuthorOut
    viewed_at: str


class StoryViewerPage(BaseModel):
    viewers: list[StoryViewer]
    next_cursor: str | None
