"""Request and response models of the account calls."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shutter.textfields import Line
from shutter.users.identity import normalise_email
from shutter.users.schemas import PASSWORD_MAX, PASSWORD_MIN

# Tokens are 43 URL-safe characters; anything far off is refused before a lookup.
Token = Annotated[
    str, StringConstraints(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
]
NewPassword = Annotated[str, StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]


class PasswordResetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Line(min_length=3, max_length=254)]

    _email = field_validator("email")(normalise_email)


class PasswordResetConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Token
    new_password: NewPassword


class VerifyEmailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Token


class EmailChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX)]
    new_email: Annotated[str, Line(min_length=3, max_length=254)]

    _email = field_validator("new_email")(normalise_email)


class Accepted(BaseModel):
    status: str = "accepted"
    message: str


class EmailState(BaseModel):
    email: str
    email_verified: bool


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: Token


class SessionOut(BaseModel):
    id: str
    device: str = Field(description='from the User-Agent, e.g. "Firefox on Linux"')
    user_agent: str
    ip: str
    created_at: str
    last_used_at: str
    current: bool = Field(description="the session this request was made with")


class SessionList(BaseModel):
    sessions: list[SessionOut]


class RevokedOut(BaseModel):
    revoked: int = Field(description="how many sessions were signed out")


Code = Annotated[str, StringConstraints(min_length=6, max_length=32)]


class TotpCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code = Field(description="6 digits from the app, or a recovery code")


class TotpDisableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX)]
    code: Code


class MfaLoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    code: Code


class TotpSetupOut(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]
