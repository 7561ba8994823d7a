"""Request and response models for comments."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shutter.pagination import MAX_ID
from shutter.posts.schemas import CAPTION_MAX
from shutter.tags.entities import MAX_HASHTAGS, hashtags
from shutter.textfields import Line, Paragraph
from shutter.users.schemas import AuthorOut

COMMENT_MAX = CAPTION_MAX


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Paragraph(min_length=1, max_length=COMMENT_MAX)]
    parent_id: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$")] | None = None

    @field_validator("text")
    @classmethod
    def _not_too_many_hashtags(cls, value: str) -> str:
        if len(hashtags(value)) > MAX_HASHTAGS:
            raise ValueError(f"at most {MAX_HASHTAGS} hashtags")
        return value

    @field_validator("parent_id")
    @classmethod
    def _id_in_range(cls, value: str | None) -> str | None:
        if value is not None and int(value) > MAX_ID:
            raise ValueError("not a comment id")
        return value


class CommentOut(BaseModel):
    id: str
    post_id: str
    parent_id: str | None
    author: AuthorOut
    text: str
    hashtags: list[str]
    mentions: list[str]
    reply_count: int
    created_at: str
    hidden: bool = Field(
        False,
        description="hidden by your comment filter: only you (the post's author) and the "
        "commenter see it",
    )
    like_count: int = Field(0, description="how many people like the comment")
    liked_by_me: bool = Field(False, description="you like it")
    pinned: bool = Field(
        False, description="the post's author pinned it: it opens the first page of comments"
    )


class CommentEnvelope(BaseModel):
    comment: CommentOut


class CommentLikeState(BaseModel):
    liked: bool
    like_count: int


class PinState(BaseModel):
    pinned: bool


class CommentPage(BaseModel):
    comments: list[CommentOut]
    next_cursor: str | None


FilterWord = Annotated[str, Line(50, min_length=1, strip=True)]


class CommentFilters(BaseModel):
    """Comment filters on your posts."""

    model_config = ConfigDict(extra="forbid")

    words: list[FilterWord] = Field(
        default_factory=list,
        max_length=100,
        description="at most 100 words or phrases of at most 50 characters; a new comment "
        "containing one (whole words, any case) is hidden from all but you and its author",
    )
    followers_only: bool = Field(False, description="only your followers may comment on your posts")
