"""Account deletion: deactivate at once, purge after a grace period.

`DELETE /users/me {password}` deactivates: every token is revoked (the token version moves
on), the visibility rule hides the account and its content from everyone, and login is
refused except through a restore. After SHUTTER_ACCOUNT_DELETION_GRACE_DAYS the periodic
purge removes every row and object of the account (docs/data.md lists them). The purge
is a sequence of idempotent steps, each committed on its own: a worker killed half-way
runs it again from the start and finds less to do; the users row goes last, so the
account stays "due" until everything else is gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import orjson
import structlog
from sqlalchemy import delete, func, select, update

from shutter.context import AppContext
from shutter.db.tables import (
    account_tokens,
    appeals,
    auth_sessions,
    blocks,
    close_friends,
    collection_posts,
    collections,
    comment_filters,
    comment_hashtags,
    comment_likes,
    comments,
    conversation_members,
    conversations,
    exports,
    follows,
    hashtag_follows,
    hashtags,
    highlight_items,
    highlights,
    idempotency_keys,
    import_items,
    imports,
    likes,
    locations,
    markers,
    media,
    messages,
    mfa_recovery_codes,
    mfa_totp,
    mutes,
    notification_actors,
    notifications,
    oauth_codes,
    oauth_tokens,
    outbox,
    post_hashtags,
    post_versions,
    posts,
    profile_visits,
    push_subscriptions,
    refresh_tokens,
    reports,
    saves,
    stories,
    story_views,
    users,
)
from shutter.errors import Forbidden, NotFound, Unauthenticated
from shutter.messages import service as messages_service
from shutter.portability.presenters import DeletionOutDict
from shutter.posts import counters
from shutter.timeutil import isoformat, utcnow
from shutter.users import repository as users_repo
from shutter.users import service as users_service
from shutter.users.identity import normalise_login

log = structlog.get_logger("shutter.portability")

BATCH = 500


# -- deactivate and restore -------------------------------------------------------------------


async def request_deletion(context: AppContext, user_id: int, password: str) -> DeletionOutDict:
    """Deactivate the account now and schedule its purge; returns `{status, purge_after}`.
    Raises Forbidden (`wrong_password`) unless `password` is the account's."""
    stored = await users_service.verify_current_password(
        context.db, context.passwords, user_id, password
    )
    if stored is None:
        raise Forbidden("That is not your password.", code="wrong_password")
    now = utcnow()
    purge_after = now + timedelta(days=context.settings.account_deletion_grace_days)
    async with context.db.write() as uow:
        conn = uow.conn
        await conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(
                deactivated_at=now,
                purge_after=purge_after,
                token_version=users.c.token_version + 1,  # every session ends here
                updated_at=now,
            )
        )
        # Its likes and comments leave the counts shown on others' posts at once.
        await counters.recount_for_account(conn, user_id)
    context.token_versions.forget(user_id)
    await context.timelines.drop(user_id)
    log.info("account_deactivated", user_id=user_id)
    return {"status": "scheduled", "purge_after": isoformat(purge_after)}


async def restore(context: AppContext, login: str, password: str) -> tuple[int, int]:
    """Cancel a scheduled deletion with the account's credentials; returns (user id, token
    version) to issue a token with. Raises Unauthenticated for wrong credentials and
    NotFound when the account is not scheduled for deletion (or already purged)."""
    async with context.db.read() as conn:
        row = await users_repo.get_credentials(conn, normalise_login(login))
    ok = await context.passwords.verify(row["password_hash"] if row else None, password)
    if row is None or not ok:
        raise Unauthenticated(
            "The username or email and password do not match.", code="invalid_credentials"
        )
    if row["purge_after"] is None:
        raise NotFound("This account is not being deleted.", code="not_scheduled")
    async with context.db.write() as uow:
        conn = uow.conn
        await conn.execute(
            update(users)
            .where(users.c.id == row["id"])
            .values(deactivated_at=None, purge_after=None, updated_at=utcnow())
        )
        await counters.recount_for_account(conn, int(row["id"]))
    log.info("account_restored", user_id=row["id"])
    return int(row["id"]), int(row["token_version"])


# -- purge ----------------------------------------------------------------------------------


async def purge_due(context: AppContext) -> int:
    """Purge every account whose grace period is over; returns how many (the periodic job)."""
    async with context.db.read() as conn:
        due = list(
            (
                await conn.execute(
                    select(users.c.id)
                    .where(users.c.purge_after.is_not(None) & (users.c.purge_after <= utcnow()))
                    .limit(100)
                )
            ).scalars()
        )
    for user_id in due:
        await purge_account(context, user_id)
    return len(due)


async def purge_account(context: AppContext, user_id: int) -> None:
    """Remove everything of a deactivated account (idempotent: safe to run again after a
    crash). Others' counts are corrected; messages the user sent stay, text removed, from
    a stand-in id that names no one."""
    async with context.db.read() as conn:
        row = (await conn.execute(select(users.c.purge_after).where(users.c.id == user_id))).first()
    if row is None or row.purge_after is None:
        return  # purged already, or restored
    post_ids = await _ids(context, select(posts.c.id).where(posts.c.author_id == user_id))
    await _purge_notifications(context, user_id, post_ids)
    await _purge_likes(context, user_id, post_ids)
    await _purge_saves(context, user_id, post_ids)
    await _purge_comment_likes(context, user_id)
    await _purge_comments(context, user_id, post_ids)
    await _purge_posts(context, user_id, post_ids)
    await _purge_stories(context, user_id)
    await _purge_follows_and_blocks(context, user_id)
    await _purge_messages(context, user_id)
    await _purge_media(context, user_id)
    await _purge_jobs(context, user_id)
    await _purge_account_records(context, user_id)
    await _purge_stores(context, user_id, post_ids)
    async with context.db.write() as uow:
        conn = uow.conn
        await conn.execute(delete(idempotency_keys).where(idempotency_keys.c.user_id == user_id))
        # Events already handled that name the account (the live ones are handled first).
        await conn.execute(
            delete(outbox).where(
                outbox.c.published_at.is_not(None) & outbox.c.payload.contains(str(user_id))
            )
        )
        await conn.execute(delete(users).where(users.c.id == user_id))  # the username is free
    context.token_versions.forget(user_id)
    log.info("account_purged", user_id=user_id)


async def _purge_account_records(context: AppContext, user_id: int) -> None:
    """Sign-in records (mailed tokens, sessions, refresh tokens, two-factor, OAuth grants, push
    subscriptions)
    and what the account filed with moderators: its appeals go; its reports stay for the
    moderators without a reporter, and reports about the account itself are closed by
    removal. The audit log (moderation_actions) keeps its rows: it names the account by
    id only, and an operator must be able to show what was done and why."""
    async with context.db.write() as uow:
        conn = uow.conn
        for table in (
            account_tokens,
            auth_sessions,
            refresh_tokens,
            mfa_totp,
            mfa_recovery_codes,
            oauth_codes,
            oauth_tokens,
            push_subscriptions,
        ):
            await conn.execute(delete(table).where(table.c.user_id == user_id))
        await conn.execute(delete(appeals).where(appeals.c.appellant_id == user_id))
        await conn.execute(
            update(reports).where(reports.c.reporter_id == user_id).values(reporter_id=None)
        )
        await conn.execute(
            delete(reports).where(
                (reports.c.target_type == "user") & (reports.c.target_id == user_id)
            )
        )


async def _ids(context: AppContext, query: Any) -> list[int]:
    async with context.db.read() as conn:
        return [int(value) for value in (await conn.execute(query)).scalars()]


def _chunks(values: Sequence[int]) -> list[Sequence[int]]:
    return [values[i : i + BATCH] for i in range(0, len(values), BATCH)]


async def _purge_notifications(context: AppContext, user_id: int, post_ids: list[int]) -> None:
    async with context.db.write() as uow:
        conn = uow.conn
        # The user as an actor in others' notifications: out of the group, counts fixed.
        groups = list(
            (
                await conn.execute(
                    select(notification_actors.c.notification_id).where(
                        notification_actors.c.actor_id == user_id
                    )
                )
            ).scalars()
        )
        await conn.execute(
            delete(notification_actors).where(notification_actors.c.actor_id == user_id)
        )
        for chunk in _chunks(groups):
            actors = (
                select(func.count())
                .select_from(notification_actors)
                .where(notification_actors.c.notification_id == notifications.c.id)
                .scalar_subquery()
            )
            await conn.execute(
                update(notifications)
                .where(notifications.c.id.in_(chunk))
                .values(actor_count=actors)
            )
        # Notifications to the user, about the user's posts, or left without actors.
        doomed = select(notifications.c.id).where(
            (notifications.c.user_id == user_id)
            | notifications.c.post_id.in_(post_ids or [0])
            | (notifications.c.id.in_(groups or [0]) & (notifications.c.actor_count <= 0))
        )
        ids = list((await conn.execute(doomed)).scalars())
        for chunk in _chunks(ids):
            await conn.execute(
                delete(notification_actors).where(notification_actors.c.notification_id.in_(chunk))
            )
            await conn.execute(delete(notifications).where(notifications.c.id.in_(chunk)))


async def _purge_likes(context: AppContext, user_id: int, post_ids: list[int]) -> None:
    """The user's likes (others' like counts corrected) and likes of the user's posts."""
    liked = await _ids(context, select(likes.c.post_id).where(likes.c.user_id == user_id))
    for chunk in _chunks(liked):
        async with context.db.write() as uow:
            conn = uow.conn
            await conn.execute(
                delete(likes).where((likes.c.user_id == user_id) & likes.c.post_id.in_(chunk))
            )
            await counters.reconcile_post_counts(conn, chunk)
    for chunk in _chunks(post_ids):
        async with context.db.write() as uow:
            conn = uow.conn
            await conn.execute(delete(likes).where(likes.c.post_id.in_(chunk)))


async def _purge_saves(context: AppContext, user_id: int, post_ids: list[int]) -> None:
    """The user's saves and collections, and the user's posts out of everyone's saves and
    collections."""
    async with context.db.write() as uow:
        conn = uow.conn
        await conn.execute(delete(collection_posts).where(collection_posts.c.user_id == user_id))
        await conn.execute(delete(collections).where(collections.c.user_id == user_id))
        await conn.execute(delete(saves).where(saves.c.user_id == user_id))
    for chunk in _chunks(post_ids):
        async with context.db.write() as uow:
            conn = uow.conn
            await conn.execute(
                delete(collection_posts).where(collection_posts.c.post_id.in_(chunk))
            )
            await conn.execute(delete(saves).where(saves.c.post_id.in_(chunk)))


async def _purge_comment_likes(context: AppContext, user_id: int) -> None:
    """The user's likes of comments, the like counts of those comments corrected."""
    liked = await _ids(
        context, select(comment_likes.c.comment_id).where(comment_likes.c.user_id == user_id)
    )
    for chunk in _chunks(liked):
        async with context.db.write() as uow:
            conn = uow.conn
            await conn.execute(
                delete(comment_likes).where(
                    (comment_likes.c.user_id == user_id) & comment_likes.c.comment_id.in_(chunk)
                )
            )
            await counters.recount_comment_likes(conn, chunk)


async def _purge_comments(context: AppContext, user_id: int, post_ids: list[int]) -> None:
    """The user's comments with the replies under them (counts of others' posts and
    comments corrected), and every comment on the user's posts."""
    async with context.db.write() as uow:
        conn = uow.conn
        own = (
            await conn.execute(
                select(comments.c.id, comments.c.post_id, comments.c.parent_id).where(
                    comments.c.author_id == user_id
                )
            )
        ).all()
        own_ids = [row.id for row in own]
        replies = list(
            (
                await conn.execute(
                    select(comments.c.id).where(comments.c.parent_id.in_(own_ids or [0]))
                )
            ).scalars()
        )
        on_posts = list(
            (
                await conn.execute(
                    select(comments.c.id).where(comments.c.post_id.in_(post_ids or [0]))
                )
            ).scalars()
        )
        doomed = sorted(set(own_ids) | set(replies) | set(on_posts))
        for chunk in _chunks(doomed):
            await conn.execute(
                delete(comment_hashtags).where(comment_hashtags.c.comment_id.in_(chunk))
            )
            await conn.execute(delete(comment_likes).where(comment_likes.c.comment_id.in_(chunk)))
            await conn.execute(
                update(posts)
                .where(posts.c.pinned_comment_id.in_(chunk))
                .values(pinned_comment_id=None)
            )
            await conn.execute(delete(comments).where(comments.c.id.in_(chunk)))
        await conn.execute(delete(comment_hashtags).where(comment_hashtags.c.author_id == user_id))
        parents = sorted({row.parent_id for row in own if row.parent_id is not None})
        if parents:
            reply = comments.alias("r")
            live_replies = (
                select(func.count())
                .select_from(reply)
                .where((reply.c.parent_id == comments.c.id) & reply.c.deleted_at.is_(None))
                .scalar_subquery()
            )
            await conn.execute(
                update(comments).where(comments.c.id.in_(parents)).values(reply_count=live_replies)
            )
        touched = sorted({row.post_id for row in own} - set(post_ids))
        for chunk in _chunks(touched):
            await counters.reconcile_post_counts(conn, chunk)


async def _purge_posts(context: AppContext, user_id: int, post_ids: list[int]) -> None:
    """The user's posts and their earlier versions, hashtag and place counts corrected
    (media: _purge_media)."""
    for chunk in _chunks(post_ids):
        async with context.db.write() as uow:
            conn = uow.conn
            live = list(
                (
                    await conn.execute(
                        select(posts.c.id, posts.c.location_id).where(
                            posts.c.id.in_(chunk) & posts.c.deleted_at.is_(None)
                        )
                    )
                ).all()
            )
            live_ids = [row.id for row in live]
            tags = (
                await conn.execute(
                    select(post_hashtags.c.tag, func.count())
                    .where(post_hashtags.c.post_id.in_(live_ids or [0]))
                    .group_by(post_hashtags.c.tag)
                )
            ).all()
            for tag, count in tags:
                await conn.execute(
                    update(hashtags)
                    .where(hashtags.c.tag == tag)
                    .values(post_count=hashtags.c.post_count - count)
                )
            for row in live:
                if row.location_id is not None:
                    await conn.execute(
                        update(locations)
                        .where(locations.c.id == row.location_id)
                        .values(post_count=locations.c.post_count - 1)
                    )
            await conn.execute(delete(post_hashtags).where(post_hashtags.c.post_id.in_(chunk)))
            # Earlier captions of edited posts: the author's words too.
            await conn.execute(delete(post_versions).where(post_versions.c.post_id.in_(chunk)))
            await conn.execute(delete(posts).where(posts.c.id.in_(chunk)))


async def _purge_stories(context: AppContext, user_id: int) -> None:
    """Stories and their views, highlights, and close-friends lists both ways (the user's
    own list, and the user on others')."""
    async with context.db.write() as uow:
        conn = uow.conn
        await conn.execute(delete(highlight_items).where(highlight_items.c.owner_id == user_id))
        await conn.execute(delete(highlights).where(highlights.c.owner_id == user_id))
        await conn.execute(
            delete(close_friends).where(
                (close_friends.c.owner_id == user_id) | (close_friends.c.friend_id == user_id)
            )
        )
        own = select(stories.c.id).where(stories.c.author_id == user_id)
        await conn.execute(delete(story_views).where(story_views.c.story_id.in_(own)))
        await conn.execute(delete(story_views).where(story_views.c.viewer_id == user_id))
        await conn.execute(delete(stories).where(stories.c.author_id == user_id))


async def _purge_follows_and_blocks(context: AppContext, user_id: int) -> None:
    """Follows both ways (the others' counts corrected), follow requests, blocks, mutes
    both ways, the user's comment filters, followed hashtags and profile visits both ways."""
    async with context.db.write() as uow:
        conn = uow.conn
        following = list(
            (
                await conn.execute(
                    select(follows.c.followee_id).where(
                        (follows.c.follower_id == user_id) & (follows.c.status == "accepted")
                    )
                )
            ).scalars()
        )
        followers = list(
            (
                await conn.execute(
                    select(follows.c.follower_id).where(
                        (follows.c.followee_id == user_id) & (follows.c.status == "accepted")
                    )
                )
            ).scalars()
        )
        await conn.execute(
            delete(follows).where(
                (follows.c.follower_id == user_id) | (follows.c.followee_id == user_id)
            )
        )
        for chunk in _chunks(following):
            await conn.execute(
                update(users)
                .where(users.c.id.in_(chunk))
                .values(follower_count=users.c.follower_count - 1)
            )
        for chunk in _chunks(followers):
            await conn.execute(
                update(users)
                .where(users.c.id.in_(chunk))
                .values(following_count=users.c.following_count - 1)
            )
        await conn.execute(
            delete(blocks).where(
                (blocks.c.blocker_id == user_id) | (blocks.c.blocked_id == user_id)
            )
        )
        await conn.execute(
            delete(mutes).where((mutes.c.muter_id == user_id) | (mutes.c.muted_id == user_id))
        )
        await conn.execute(delete(comment_filters).where(comment_filters.c.user_id == user_id))
        await conn.execute(delete(hashtag_follows).where(hashtag_follows.c.user_id == user_id))
        await conn.execute(delete(markers).where(markers.c.user_id == user_id))
        await conn.execute(
            delete(profile_visits).where(
                (profile_visits.c.viewer_id == user_id) | (profile_visits.c.user_id == user_id)
            )
        )


async def _purge_messages(context: AppContext, user_id: int) -> None:
    """The other party keeps the conversation: the user's messages stay, text removed,
    from a stand-in id (new, naming no one, with no account: shown as a deleted one). The
    user leaves their groups the same way, and their reactions go
    (`messages.service.forget_account`)."""
    async with context.db.write() as uow:
        conn = uow.conn
        await messages_service.forget_account(context, conn, user_id)
        rows = (
            await conn.execute(
                select(
                    conversations.c.id, conversations.c.user_low, conversations.c.user_high
                ).where(
                    (conversations.c.user_low == user_id) | (conversations.c.user_high == user_id)
                )
            )
        ).all()
        for row in rows:
            other = row.user_high if row.user_low == user_id else row.user_low
            stand_in = context.ids.next_id()
            low, high = sorted((other, stand_in))
            await conn.execute(
                update(conversations)
                .where(conversations.c.id == row.id)
                .values(user_low=low, user_high=high)
            )
            await conn.execute(
                update(messages)
                .where((messages.c.conversation_id == row.id) & (messages.c.sender_id == user_id))
                .values(sender_id=stand_in, content="", post_id=None, story_id=None, media_id=None)
            )
            await conn.execute(
                update(conversation_members)
                .where(
                    (conversation_members.c.conversation_id == row.id)
                    & (conversation_members.c.other_id == user_id)
                )
                .values(other_id=stand_in)
            )
            # The user's side stays as the stand-in's (the other side's reads join it).
            await conn.execute(
                update(conversation_members)
                .where(
                    (conversation_members.c.conversation_id == row.id)
                    & (conversation_members.c.user_id == user_id)
                )
                .values(user_id=stand_in)
            )
        await conn.execute(
            delete(conversation_members).where(conversation_members.c.user_id == user_id)
        )


async def _purge_media(context: AppContext, user_id: int) -> None:
    """Every media row of the user and its objects (upload, original, variants, poster),
    except objects another account's media shares (the same bytes, content-addressed).
    Objects go before their rows: a crash in between leaves rows that the next run finds."""
    while True:
        async with context.db.read() as conn:
            rows = list(
                (
                    await conn.execute(
                        select(media).where(media.c.owner_id == user_id).limit(BATCH)
                    )
                ).mappings()
            )
            if not rows:
                return
            originals = [row["original_key"] for row in rows if row["original_key"]]
            shared = set(
                (
                    await conn.execute(
                        select(media.c.original_key).where(
                            media.c.original_key.in_(originals or [""])
                            & (media.c.owner_id != user_id)
                        )
                    )
                ).scalars()
            )
        keys: set[str] = set()
        for row in rows:
            keys.add(row["upload_key"])
            if row["original_key"] and row["original_key"] not in shared:
                keys.add(row["original_key"])
                if row["variants"]:
                    keys.update(orjson.loads(row["variants"]).values())
                if row["poster_key"]:
                    keys.add(row["poster_key"])
        for key in sorted(keys):
            await context.objects.delete(key)
        for row in rows:
            if row["kind"] == "archive":  # parts of an archive never assembled
                await context.objects.abort_parts(row["upload_key"])
        async with context.db.write() as uow:
            conn = uow.conn
            await conn.execute(delete(media).where(media.c.id.in_([row["id"] for row in rows])))


async def _purge_jobs(context: AppContext, user_id: int) -> None:
    async with context.db.write() as uow:
        conn = uow.conn
        export_keys = list(
            (
                await conn.execute(
                    select(exports.c.object_key).where(
                        (exports.c.user_id == user_id) & exports.c.object_key.is_not(None)
                    )
                )
            ).scalars()
        )
        archive_keys = list(
            (
                await conn.execute(
                    select(imports.c.archive_key).where(imports.c.user_id == user_id)
                )
            ).scalars()
        )
    for key in export_keys + archive_keys:
        await context.objects.delete(key)
    async with context.db.write() as uow:
        conn = uow.conn
        await conn.execute(delete(exports).where(exports.c.user_id == user_id))
        await conn.execute(delete(imports).where(imports.c.user_id == user_id))
        await conn.execute(delete(import_items).where(import_items.c.user_id == user_id))


async def _purge_stores(context: AppContext, user_id: int, post_ids: list[int]) -> None:
    """The user's timeline, their posts in the author lists, and every Redis key naming
    the account (rate limits, caches)."""
    await context.timelines.drop(user_id)
    await context.timelines.remove_recent(user_id, post_ids)
    context.seen_posts.forget(user_id)  # a pending record would bring the key back
    if context.redis is not None:
        pattern = f"{context.settings.namespace}:*{user_id}*"
        async for key in context.redis.scan_iter(match=pattern, count=1000):
            await context.redis.delete(key)
