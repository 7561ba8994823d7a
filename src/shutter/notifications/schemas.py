"""Response models of notifications."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shutter.users.schemas import AuthorOut


class NotifiedPost(BaseModel):
    id: str
    thumb_url: str | None


class NotifiedComment(BaseModel):
    id: str
    text: str


class NotificationOut(BaseModel):
    id: str
    type: str = Field(
        description="like, comment, reply, mention, follow, follow_request or follow_accepted"
    )
    actors: list[AuthorOut] = Field(description="the most recent actors (at most two)")
    actor_count: int
    post: NotifiedPost | None
    comment: NotifiedComment | None
    text: str
    read: bool
    created_at: str


class NotificationPage(BaseModel):
    notifications: list[NotificationOut]
    unread_count: int
    next_cursor: str | None
