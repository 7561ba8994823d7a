"""Request and response models for stories, the tray and viewer lists."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shutter.media.schemas import MediaOut
from shutter.pagination import MAX_ID
from shutter.textfields import Line
from shutter.users.schemas import AuthorOut

StoryIdText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$")]
UserIdText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$")]


def _ids_in_range(values: list[str]) -> list[str]:
    if any(int(value) > MAX_ID for value in values):
        raise ValueError("not an id")  # ids are 64-bit; larger would overflow SQL
    return values


class StoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    media_id: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$")] = Field(
        description="a ready photo or video you own that no post or story uses yet"
    )
    audience: Literal["everyone", "close_friends"] = Field(
        "everyone",
        description="everyone who may see your stories, or only your close friends (the "
        "list when the story is read)",
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
    audience: Literal["everyone", "close_friends"]
    close_friends: bool = Field(description="shared with the author's close friends only")


class StoryCreated(BaseModel):
    story: StoryOut
    expires_at: str
    removed: bool | None = Field(
        None, description="true when automatic screening took the story down at once"
    )


class StoryReel(BaseModel):
    """One account's live stories."""

    user: AuthorOut
    items: list[StoryOut] = Field(description="oldest first")
    has_unseen: bool
    close_friends: bool = Field(description="some of these stories are for close friends only")


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


class ArchivedStory(BaseModel):
    """One of your stories in the archive."""

    id: str
    media: MediaOut | None = Field(
        description="null once the retention removed an expired story's media (a "
        "highlight keeps them)"
    )
    created_at: str
    expires_at: str
    expired: bool
    audience: Literal["everyone", "close_friends"]
    close_friends: bool


class StoryArchivePage(BaseModel):
    stories: list[ArchivedStory] = Field(description="newest first")
    next_cursor: str | None


class CloseFriendsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_ids: list[UserIdText] = Field(
        max_length=1000,
        description="the whole list (it replaces the old one): existing accounts you are "
        "not blocking, at most 1000",
    )

    @field_validator("user_ids")
    @classmethod
    def _in_range(cls, value: list[str]) -> list[str]:
        return _ids_in_range(value)


class CloseFriends(BaseModel):
    user_ids: list[str] = Field(description="in the order they were added")
    users: list[AuthorOut]


HighlightTitle = Annotated[str, Line(50, min_length=1, strip=True)]


class HighlightCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: HighlightTitle
    story_ids: list[StoryIdText] = Field(
        min_length=1,
        max_length=100,
        description="stories of your archive, in the order they play",
    )

    @field_validator("story_ids")
    @classmethod
    def _in_range(cls, value: list[str]) -> list[str]:
        return _ids_in_range(value)


class HighlightUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: HighlightTitle | None = None
    story_ids: list[StoryIdText] | None = Field(
        None, min_length=1, max_length=100, description="replaces the stories"
    )

    @field_validator("story_ids")
    @classmethod
    def _in_range(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _ids_in_range(value)


class Highlight(BaseModel):
    id: str
    title: str
    owner: AuthorOut
    cover: MediaOut | None = Field(description="the first story's media")
    items: list[StoryOut] = Field(
        description="the stories you may see in it, in order (close-friends ones only for "
        "the owner's close friends)"
    )
    created_at: str
    updated_at: str


class HighlightOut(BaseModel):
    highlight: Highlight


class HighlightList(BaseModel):
    highlights: list[Highlight] = Field(description="newest first")
