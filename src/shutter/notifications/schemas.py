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


class NotifiedAction(BaseModel):
    id: str
    action: str = Field(description="remove, mark_sensitive, warn, suspend…")
    target_type: str
    target_id: str
    reason: str
    appealable: bool


class NotificationOut(BaseModel):
    id: str
    type: str = Field(
        description="like, comment, comment_like, reply, mention, follow, follow_request, "
        "follow_accepted, "
        "post and story (the bell: POST /users/{id}/notify), "
        "moderation_removed, moderation_sensitive or moderation_warning"
    )
    actors: list[AuthorOut] = Field(description="the most recent actors (at most two)")
    actor_count: int
    post: NotifiedPost | None
    comment: NotifiedComment | None
    text: str
    action: NotifiedAction | None = Field(
        None, description="moderation notifications: the action, and whether it may be appealed"
    )
    read: bool
    created_at: str


class NotificationPage(BaseModel):
    notifications: list[NotificationOut]
    unread_count: int
    next_cursor: str | None
