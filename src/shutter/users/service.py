"""Account use cases: register, log in, read and edit profiles."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import structlog
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.auth.passwords import PasswordChecks
from shutter.context import AppContext
from shutter.db.database import Database
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import (
    AccountSuspended,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from shutter.media import repository as media_repo
from shutter.privacy.visibility import Access, account_access, block_directions, mute_state
from shutter.realtime.events import sessions_revoked
from shutter.stores.objects import UrlFor as ObjectUrlFor
from shutter.timeutil import utcnow
from shutter.users import repository
from shutter.users.identity import could_be_username, normalise_login
from shutter.users.presenters import ProfileOutDict, RelationshipDict
from shutter.users.presenters import present_author as present_author  # likewise
from shutter.users.presenters import present_profile as present_profile  # social/ imports it here
from shutter.users.schemas import ProfileUpdate, RegisterIn

UrlFor = ObjectUrlFor  # re-exported: every service that presents media takes one

log = structlog.get_logger("shutter.users")


async def register(
    context: AppContext, conn: AsyncConnection, data: RegisterIn, password_hash: str
) -> int:
    """Create an account; returns its id. Raises Conflict if the username or email is taken.

    The password is hashed by the caller before the transaction: hashing takes tens of
    milliseconds, and SQLite's single writer must not wait on it."""
    taken = await repository.taken(conn, data.username, data.email)
    if taken:
        _raise_taken(taken)
    now = utcnow()
    user_id = context.ids.next_id()
    values = {
        "id": user_id,
        "username": data.username,
        "email": data.email,
        "password_hash": password_hash,
        "display_name": "",
        "bio": "",
        "is_private": False,
        "token_version": 0,
        "created_at": now,
        "updated_at": now,
    }
    try:
        async with conn.begin_nested():
            await repository.insert(conn, values)
    except IntegrityError:
        # Someone registered the same name between our check and our insert.
        _raise_taken(await repository.taken(conn, data.username, data.email) or {"username"})
    return user_id


def _raise_taken(taken: set[str]) -> None:
    field = "username" if "username" in taken else "email"
    raise Conflict(f"That {field} is already taken.", code=f"{field}_taken")


async def authenticate(
    db: Database, passwords: PasswordChecks, login: str, password: str
) -> tuple[int, int]:
    """(user id, token version) for valid credentials; Unauthenticated otherwise (Busy when
    too many passwords are being checked at once).

    The error never says whether the account exists, and takes as long either way: an
    unknown name is verified against a dummy hash. The database connection is released
    before the hash is verified, so that slow verifications never hold the pool.
    """
    async with db.read() as conn:
        row = await repository.get_credentials(conn, normalise_login(login))
    ok = await passwords.verify(row["password_hash"] if row else None, password)
    if row is None or not ok:
        raise Unauthenticated(
            "The username or email and password do not match.", code="invalid_credentials"
        )
    if row["purge_after"] is not None:  # deletion requested: only a restore logs in
        raise Forbidden(
            "This account is being deleted. Restore it with POST /api/v1/users/me/restore "
            "before the deletion date to log in again.",
            code="account_deactivated",
        )
    refuse_if_suspended(row["suspended_at"], row["suspended_until"])
    return row["id"], row["token_version"]


def refuse_if_suspended(suspended_at: datetime | None, until: datetime | None) -> None:
    """403 `account_suspended` (with the end, if any) for a suspended account, checked
    only after the password (a suspension is told to its owner alone). A suspension whose
    end has passed no longer refuses, before the job that lifts it has run."""
    if suspended_at is None:
        return
    if until is not None and until.replace(tzinfo=until.tzinfo or UTC) <= utcnow():
        return
    raise AccountSuspended(until)


async def verify_current_password(
    db: Database, passwords: PasswordChecks, user_id: int, password: str
) -> str | None:
    """The account's password hash if `password` is its password, else None. As in
    authenticate, no connection is held while verifying."""
    async with db.read() as conn:
        stored = await repository.get_password_hash(conn, user_id)
    if not await passwords.verify(stored, password) or stored is None:
        return None
    return stored


async def change_password(
    context: AppContext, uow: UnitOfWork, user_id: int, old_hash: str, new_hash: str
) -> int:
    """Replace the password (verified as `old_hash` by the caller) and bump the token
    version, which revokes every earlier token; returns the new version. Raises Conflict
    if the password changed in between (two changes at once: one wins). After the commit
    the older tokens stop working here at once, and their open WebSockets close wherever
    they are."""
    version = await repository.replace_password(uow.conn, user_id, old_hash, new_hash, utcnow())
    if version is None:
        raise Conflict("The password was changed meanwhile; log in again.", code="password_changed")

    async def revoke_sessions() -> None:
        context.token_versions.forget(user_id)
        await context.realtime.publish([user_id], sessions_revoked(version))

    uow.after_commit(revoke_sessions)
    return version


async def update_profile(
    context: AppContext, uow: UnitOfWork, user_id: int, changes: ProfileUpdate
) -> None:
    """Apply the fields that were sent. After the
    commit the cached author card is dropped (not before: no stale refill)."""
    conn = uow.conn

    async def forget_author() -> None:
        context.hydration.authors.forget(user_id)

    uow.after_commit(forget_author)
    sent = changes.model_fields_set
    values: dict[str, Any] = {}
    if "display_name" in sent:
        values["display_name"] = changes.display_name or ""
    if "bio" in sent:
        values["bio"] = changes.bio or ""
    if "is_private" in sent:
        if changes.is_private is None:
            raise InvalidInput("is_private: must be true or false")
        values["is_private"] = changes.is_private
    if "avatar_media_id" in sent:
        if changes.avatar_media_id is None:
            values.update(avatar_media_id=None, avatar_key=None)
        else:
            media_id = int(changes.avatar_media_id)
            media = await media_repo.get(conn, media_id)
            if media is None or media["owner_id"] != user_id:
                raise NotFound("No such media.", code="media_not_found")
            if media["message_id"] is not None:  # its files are the conversation's only
                raise InvalidInput(
                    "This photo was sent in a message; upload it again.", code="media_in_use"
                )
            if media["status"] != "ready" or media["kind"] != "image":
                raise InvalidInput(
                    "An avatar must be an image that finished processing.", code="media_not_ready"
                )
            # Avatars are shown small everywhere: the square 150 px variant, not the
            # original (a profile page also gets the larger ones, see present_profile).
            variants = orjson.loads(media["variants"]) if media["variants"] else {}
            avatar_key = variants.get("thumb") or media["original_key"]
            values.update(avatar_media_id=media_id, avatar_key=avatar_key)
    if values:
        values["updated_at"] = utcnow()
        await repository.update_profile(conn, user_id, values)


async def resolve_user_id(conn: AsyncConnection, username: str) -> int:
    """The id of the account with this username; 404 when there is none, and at once for
    a name no account can have (control characters, other scripts...)."""
    username = username.strip().lower()
    user_id = (
        await repository.get_id_by_username(conn, username) if could_be_username(username) else None
    )
    if user_id is None:
        raise NotFound("No such user.", code="user_not_found")
    return user_id


async def relationship(
    conn: AsyncConnection, viewer_id: int | None, user_id: int
) -> RelationshipDict | None:
    """How the viewer relates to the user; None for anonymous readers and for oneself."""
    if viewer_id is None or viewer_id == user_id:
        return None
    edges = await repository.follow_edge_details(conn, viewer_id, user_id)
    blocking, blocked_by = await block_directions(conn, viewer_id, user_id)
    muting_posts, muting_stories = await mute_state(conn, viewer_id, user_id)
    mine, bell = edges.get((viewer_id, user_id), (None, False))
    return {
        "following": mine == "accepted",
        "follow_requested": mine == "pending",
        "followed_by": edges.get((user_id, viewer_id), (None, False))[0] == "accepted",
        "blocking": blocking,
        "blocked_by": blocked_by,
        "notify": mine == "accepted" and bell,
        "muting": {"posts": muting_posts, "stories": muting_stories},
    }


async def get_profile(
    conn: AsyncConnection, viewer_id: int | None, user_id: int, url_for: UrlFor
) -> ProfileOutDict:
    """A profile with the reader's relationship. Someone the owner blocked gets
    `404 user_not_found`, as if the account did not exist (privacy/visibility.py)."""
    row = await repository.get_profile(conn, user_id)
    if row is None:
        raise NotFound("No such user.", code="user_not_found")
    if await account_access(conn, viewer_id, user_id, row["is_private"]) is Access.HIDDEN:
        raise NotFound("No such user.", code="user_not_found")
    relation = await relationship(conn, viewer_id, user_id)
    result = present_profile(row, url_for)
    result["relationship"] = relation
    return result


async def get_own_profile(conn: AsyncConnection, user_id: int, url_for: UrlFor) -> ProfileOutDict:
    row = await repository.get_own_profile(conn, user_id)
    if row is None:
        raise NotFound("No such user.", code="user_not_found")
    result = present_profile(row, url_for)
    result["email"] = row["email"]
    result["email_verified"] = row["email_verified_at"] is not None
    result["role"] = row["role"]
    return result


async def record_visit(db: Database, viewer_id: int | None, user_id: int) -> None:
    """A signed-in viewer looked at someone else's profile (an affinity signal of the
    ranked feed). Best effort: a database that cannot take the write (a failover, a full
    pool) costs the signal, never the profile."""
    if viewer_id is None or viewer_id == user_id:
        return
    try:
        async with db.write() as uow:
            await repository.record_profile_visit(uow.conn, viewer_id, user_id, utcnow())
    except (SQLAlchemyError, OSError) as exc:
        log.warning("profile_visit_not_recorded", user_id=user_id, error=type(exc).__name__)
