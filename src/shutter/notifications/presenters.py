"""The wire shapes of notifications (notifications/schemas.py), as the service builds them."""

from __future__ import annotations

from typing import TypedDict

from shutter.users.presenters import AuthorOutDict


class NotifiedPostDict(TypedDict):
    id: str
    thumb_url: str | None


class NotifiedCommentDict(TypedDict):
    id: str
    text: str


class NotificationOutDict(TypedDict):
    id: str
    type: str
    actors: list[AuthorOutDict]
    actor_count: int
    post: NotifiedPostDict | None
    comment: NotifiedCommentDict | None
    text: str
    read: bool
    created_at: str


class NotificationPageDict(TypedDict):
    notifications: list[NotificationOutDict]
    unread_count: int
    next_cursor: str | None
