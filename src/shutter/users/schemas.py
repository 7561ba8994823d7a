"""Request and response models for accounts and profiles."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shutter.textfields import Line, Paragraph
from shutter.users.identity import normalise_email, normalise_username

PASSWORD_MIN = 8
PASSWORD_MAX = 256  # hashing cost grows with length; nobody types more
DISPLAY_NAME_MAX = 64
BIO_MAX = 150


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, Line(max_length=64)]
    email: Annotated[str, Line(max_length=254)]
    password: Annotated[str, StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]

    _username = field_validator("username")(normalise_username)
    _email = field_validator("email")(normalise_email)


class LoginIn(BaseModel):
    login: Annotated[str, Line(min_length=1, max_length=254)] = Field(
        description="username or email"
    )
    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX)]


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX)]
    new_password: Annotated[
        str, StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)
    ]


class ProfileUpdate(BaseModel):
    """Fields of `PATCH /users/me`; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    display_name: Annotated[str, Line(max_length=DISPLAY_NAME_MAX, strip=True)] | None = None
    bio: Annotated[str, Paragraph(max_length=BIO_MAX)] | None = None
    avatar_media_id: str | None = Field(
        None, description="id of a ready image you uploaded; null removes the avatar"
    )
    is_private: bool | None = None

    @field_validator("avatar_media_id")
    @classmethod
    def _numeric_id(cls, value: str | None) -> str | None:
        if value is not None and (
            not re.fullmatch(r"[0-9]{1,19}", value) or int(value) > 2**63 - 1
        ):
            raise ValueError("must be a media id")
        return value


class Muting(BaseModel):
    posts: bool = Field(description="their posts are left out of your home feed")
    stories: bool = Field(description="their stories are left out of your story tray")


class Relationship(BaseModel):
    following: bool
    follow_requested: bool
    followed_by: bool
    blocking: bool = Field(description="you blocked this account")
    blocked_by: bool = Field(
        description="this account blocked you (shown only when you block it too)"
    )
    notify: bool = Field(
        False,
        description="post notifications are on: you are told of each new post and story "
        "(POST/DELETE /users/{id}/notify)",
    )
    muting: Muting = Field(description="what of this account you muted (they are not told)")


class AvatarUrls(BaseModel):
    thumb: str = Field(description="150 x 150, square")
    small: str = Field(description="320 px wide")


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    bio: str
    avatar_url: str | None = Field(description="the avatar, 150 x 150")
    avatar_urls: AvatarUrls | None = Field(
        None, description="larger sizes for a profile page; only on a single profile"
    )
    is_private: bool
    follower_count: int
    following_count: int
    post_count: int
    created_at: str
    relationship: Relationship | None = Field(
        None, description="the reader's relation to this user; null for yourself or anonymous"
    )
    email: str | None = Field(None, description="only on your own profile")
    email_verified: bool | None = Field(
        None, description="only on your own profile: the email was confirmed by a mailed link"
    )
    role: str | None = Field(None, description="user, moderator or admin; own profile only")


class AuthorOut(BaseModel):
    id: str
    username: str
    display_name: str
    avatar_url: str | None


class RegisterOut(BaseModel):
    user: UserOut
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    refresh_token: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    refresh_token: str | None = Field(
        None, description="login and refresh: the session's refresh token (POST /auth/refresh)"
    )


class UserPage(BaseModel):
    users: list[UserOut]
    next_cursor: str | None
