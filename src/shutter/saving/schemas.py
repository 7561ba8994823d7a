"""Request and response models of saving."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shutter.pagination import MAX_ID
from shutter.posts.schemas import PostOut
from shutter.textfields import Line

COLLECTION_NAME_MAX = 100
# Collections one account may keep, and posts one collection may hold (a reorder lists
# them all at most).
COLLECTIONS_PER_USER_MAX = 100
POSTS_PER_COLLECTION_MAX = 1000

CollectionName = Annotated[str, Line(max_length=COLLECTION_NAME_MAX, min_length=1, strip=True)]
PostIdText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$")]


def _not_blank(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ValueError("a name cannot be blank")
    return value.strip() if value is not None else None


class CollectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CollectionName

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        return _not_blank(value) or ""


class CollectionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CollectionName | None = None
    post_ids: list[PostIdText] | None = Field(
        None,
        max_length=POSTS_PER_COLLECTION_MAX,
        description="the new order, first shown first; posts of the collection not listed "
        "keep their order after the listed ones",
    )

    @field_validator("name")
    @classmethod
    def _named(cls, value: str | None) -> str | None:
        return _not_blank(value)

    @field_validator("post_ids")
    @classmethod
    def _distinct_ids_in_range(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        numbers = [int(post_id) for post_id in value]
        if any(number > MAX_ID or number < 1 for number in numbers):
            raise ValueError("not a post id")
        if len(set(numbers)) != len(numbers):
            raise ValueError("a post id appears twice")
        return value


class SaveState(BaseModel):
    saved: bool


class CollectionPostState(BaseModel):
    collection_id: str
    post_id: str
    in_collection: bool
    saved: bool = Field(description="the post is saved (adding to a collection saves it)")


class CollectionCover(BaseModel):
    post_id: str
    thumb_url: str | None


class CollectionOut(BaseModel):
    id: str
    name: str
    post_count: int = Field(description="the posts it shows you now")
    cover: CollectionCover | None = Field(description="its first post you may see")
    has_post: bool | None = Field(
        None, description="with ?post_id= on the list: this collection holds that post"
    )
    created_at: str
    updated_at: str


class CollectionEnvelope(BaseModel):
    collection: CollectionOut


class CollectionPage(BaseModel):
    collections: list[CollectionOut]
    next_cursor: str | None


class CollectionPosts(BaseModel):
    """A collection with a page of its posts (in the collection's order)."""

    collection: CollectionOut
    posts: list[PostOut]
    next_cursor: str | None
