"""Response models for likes."""

from __future__ import annotations

from pydantic import BaseModel


class LikeState(BaseModel):
    liked: bool
    like_count: int
