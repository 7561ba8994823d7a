"""The like state of a post as the API answers it (LikeState)."""

from __future__ import annotations

from typing import TypedDict


class LikeStateDict(TypedDict):
    """The wire shape of LikeState (likes/schemas.py): `{liked, like_count}`."""

    liked: bool
    like_count: int
