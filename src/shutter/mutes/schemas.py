"""Request and response models for mutes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shutter.users.schemas import Muting, UserOut


class MuteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    posts: bool = Field(True, description="hide their posts from your home feed")
    stories: bool = Field(True, description="hide their stories from your story tray")


class MuteOut(BaseModel):
    muting: Muting


class MutedAccount(BaseModel):
    user: UserOut
    muting: Muting


class MutedPage(BaseModel):
    muted: list[MutedAccount] = Field(description="most recently muted first")
    next_cursor: str | None
