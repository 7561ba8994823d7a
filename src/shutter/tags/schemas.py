"""Response models of following hashtags."""

from __future__ import annotations

from pydantic import BaseModel


class HashtagFollowState(BaseModel):
    hashtag: str
    following: bool


class FollowedHashtag(BaseModel):
    name: str
    followed_at: str


class FollowedHashtagPage(BaseModel):
    hashtags: list[FollowedHashtag]
    next_cursor: str | None
