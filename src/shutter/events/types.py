"""Events: facts in the past tense, written to the outbox with the change they describe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

POST_CREATED = "post.created"
POST_DELETED = "post.deleted"
USER_FOLLOWED = "user.followed"
USER_UNFOLLOWED = "user.unfollowed"
FOLLOW_REQUESTED = "user.follow_requested"
POST_LIKED = "post.liked"
POST_UNLIKED = "post.unliked"
COMMENT_CREATED = "comment.created"
COMMENT_DELETED = "comment.deleted"
STORY_EXPIRED = "story.expired"
MEDIA_UPLOADED = "media.uploaded"  # bytes are in; the media worker validates and renders


@dataclass(frozen=True, slots=True)
class Event:
    """One outbox row: `id` is unique and time-sortable; handlers use it to de-duplicate."""

    id: int
    topic: str
    payload: dict[str, Any]
