"""Event handlers that produce and withdraw notifications.

Each handler looks at the database as it is now, not at what the event said: a like
notification exists exactly while the like does, however late or often (or in whatever
order) the like and unlike events arrive. Nobody is notified of their own actions, nor
across a block.
"""

from __future__ import annotations

import asyncio
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.comments import repository as comments_repo
from shutter.db.database import Database
from shutter.events.runtime import HandlerRegistry
from shutter.events.types import (
    CommentCreated,
    CommentDeleted,
    CommentLiked,
    CommentUnliked,
    FollowRequested,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostLiked,
    PostUnliked,
    StoryPosted,
    UserFollowed,
    UserUnfollowed,
)
from shutter.follows import repository as follows_repo
from shutter.ids import IdGenerator
from shutter.likes import repository as likes_repo
from shutter.notifications import repository
from shutter.notifications.service import EXCERPT, SHOWN_ACTORS, describe
from shutter.posts import repository as posts_repo
from shutter.posts.repository import PostRow
from shutter.privacy.visibility import can_view_account_content, is_blocked_either_way
from shutter.push.sender import PushPayload, WebPushSender
from shutter.realtime.bus import RealtimeBus
from shutter.realtime.events import notification
from shutter.stories import repository as stories_repo
from shutter.tags.entities import mentions
from shutter.timeutil import utcnow
from shutter.users import repository as users_repo


class NotifyDeps(Protocol):
    """What the notification handlers use of the application context."""

    @property
    def db(self) -> Database: ...
    @property
    def ids(self) -> IdGenerator: ...
    @property
    def realtime(self) -> RealtimeBus: ...
    @property
    def web_push(self) -> WebPushSender | None: ...


AnyNotifyDeps = TypeVar("AnyNotifyDeps", bound=NotifyDeps)  # the app context, or a fake


async def _may_notify(conn: AsyncConnection, actor_id: int, recipient_id: int | None) -> bool:
    if recipient_id is None or actor_id == recipient_id:
        return False
    return not await is_blocked_either_way(conn, actor_id, recipient_id)


async def _may_read(conn: AsyncConnection, reader_id: int, author_id: int) -> bool:
    """May the reader read the author's posts now? A reply to your comment on a post
    whose author went private (or blocked you) since must not tell you about the post."""
    author = await users_repo.get_auth_row(conn, author_id)
    return author is not None and await can_view_account_content(
        conn, reader_id, author_id, author["is_private"]
    )


async def on_like_changed(context: NotifyDeps, event: PostLiked | PostUnliked) -> None:
    post_id, liker_id = event.post_id, event.user_id
    pushed: dict[int, str] = {}
    async with context.db.write() as uow:
        post = await posts_repo.get_live(uow.conn, post_id, None)
        recipient = post["author_id"] if post is not None else event.author_id
        key = f"like:{post_id}"
        if (
            post is not None
            and await likes_repo.has_liked(uow.conn, post_id, liker_id)
            and await _may_notify(uow.conn, liker_id, recipient)
        ):
            if await repository.add_actor(
                uow.conn, context.ids, recipient, "like", key, liker_id, utcnow(), post_id=post_id
            ):
                pushed[recipient] = "like"
        else:
            await repository.remove_actor(uow.conn, recipient, key, liker_id)
    await _push(context, pushed)


async def on_comment_like_changed(
    context: NotifyDeps, event: CommentLiked | CommentUnliked
) -> None:
    """ "alice liked your comment: ...", while the like stands and the comment's author
    may still read the post; withdrawn otherwise."""
    comment_id, liker_id = event.comment_id, event.user_id
    pushed: dict[int, str] = {}
    async with context.db.write() as uow:
        comment = await comments_repo.get_comment(uow.conn, comment_id)
        recipient = comment["author_id"] if comment is not None else event.author_id
        post = await posts_repo.get_live(uow.conn, event.post_id, recipient)
        key = f"comment_like:{comment_id}"
        if (
            comment is not None
            and post is not None
            and await comments_repo.has_liked_comment(uow.conn, comment_id, liker_id)
            and await _may_notify(uow.conn, liker_id, recipient)
            and await _may_read(uow.conn, recipient, post["author_id"])
        ):
            if await repository.add_actor(
                uow.conn,
                context.ids,
                recipient,
                "comment_like",
                key,
                liker_id,
                utcnow(),
                post_id=post["id"],
                comment_id=comment_id,
            ):
                pushed[recipient] = "comment_like"
        else:
            await repository.remove_actor(uow.conn, recipient, key, liker_id)
    await _push(context, pushed)


async def on_comment_created(context: NotifyDeps, event: CommentCreated) -> None:
    comment_id = event.comment_id
    pushed: dict[int, str] = {}
    async with context.db.write() as uow:
        comment = await comments_repo.get_comment(uow.conn, comment_id)
        post = await posts_repo.get_live(uow.conn, event.post_id, None)
        if comment is None or post is None:
            return  # deleted since: nothing to tell anyone
        if comment["hidden_by_filter"]:
            return  # hidden by the post author's comment filter: it tells no one
        actor, now = comment["author_id"], utcnow()
        told = {actor}
        parent_author = event.parent_author_id
        if (
            parent_author is not None
            and await _may_notify(uow.conn, actor, int(parent_author))
            and await _may_read(uow.conn, int(parent_author), post["author_id"])
        ):
            pushed[int(parent_author)] = "reply"
            await repository.add_actor(
                uow.conn,
                context.ids,
                int(parent_author),
                "reply",
                f"reply:{comment_id}",
                actor,
                now,
                post_id=post["id"],
                comment_id=comment_id,
            )
            told.add(int(parent_author))
        if post["author_id"] not in told and await _may_notify(uow.conn, actor, post["author_id"]):
            pushed[post["author_id"]] = "comment"
            await repository.add_actor(
                uow.conn,
                context.ids,
                post["author_id"],
                "comment",
                f"comment:{comment_id}",
                actor,
                now,
                post_id=post["id"],
                comment_id=comment_id,
            )
            told.add(post["author_id"])
        for user_id in await _mentioned(uow.conn, comment["text"], post["author_id"], told):
            if await _may_notify(uow.conn, actor, user_id):
                pushed[user_id] = "mention"
                await repository.add_actor(
                    uow.conn,
                    context.ids,
                    user_id,
                    "mention",
                    f"mention:{comment_id}",
                    actor,
                    now,
                    post_id=post["id"],
                    comment_id=comment_id,
                )
    await _push(context, pushed)


async def _mentioned(
    conn: AsyncConnection, text: str, author_id: int, exclude: set[int]
) -> list[int]:
    """Users mentioned in the text who may see the author's post, minus `exclude`."""
    author = await users_repo.get_auth_row(conn, author_id)
    found = []
    for username in mentions(text)[:20]:  # Instagram allows 20 mentions per text
        user_id = await users_repo.get_id_by_username(conn, username)
        if user_id is None or user_id in exclude or author is None:
            continue
        if await can_view_account_content(conn, user_id, author_id, author["is_private"]):
            found.append(user_id)
    return found


async def on_comment_deleted(context: NotifyDeps, event: CommentDeleted) -> None:
    comment_ids = list(event.comment_ids)
    async with context.db.write() as uow:
        await repository.delete_where(uow.conn, comment_ids=comment_ids)


async def on_post_created(context: NotifyDeps, event: PostCreated) -> None:
    post_id = event.post_id
    pushed: dict[int, str] = {}
    async with context.db.write() as uow:
        post = await posts_repo.get_live(uow.conn, post_id, None)
        if post is None:
            return
        actor = post["author_id"]
        await _tell_mentioned(context, uow.conn, post, {actor}, pushed)
        # The bell: approved followers who asked to hear of each new post (a mention of
        # them in it has told them already).
        for user_id in await _bell_recipients(uow.conn, actor, set(pushed)):
            pushed[user_id] = "post"
            await repository.add_actor(
                uow.conn,
                context.ids,
                user_id,
                "post",
                f"post:{post_id}",
                actor,
                utcnow(),
                post_id=post_id,
            )
    await _push(context, pushed)


async def on_post_edited(context: NotifyDeps, event: PostEdited) -> None:
    """The people an edit newly mentions are told, once: not those the earlier version
    mentioned already, nor anyone told of this post's mention before."""
    post_id = event.post_id
    pushed: dict[int, str] = {}
    async with context.db.write() as uow:
        post = await posts_repo.get_live(uow.conn, post_id, None)
        before = await posts_repo.caption_of_version(uow.conn, event.version_id)
        if post is None or before is None:
            return
        told = {post["author_id"]}
        told |= await users_repo.ids_by_usernames(uow.conn, mentions(before)[:20])
        await _tell_mentioned(context, uow.conn, post, told, pushed)
    await _push(context, pushed)


async def _tell_mentioned(
    context: NotifyDeps,
    conn: AsyncConnection,
    post: PostRow,
    told: set[int],
    pushed: dict[int, str],
) -> None:
    """Notify the people the post's caption mentions, but `told` (one mention group per
    post: someone in it already gains no second entry); adds them to `pushed`."""
    actor, post_id = post["author_id"], post["id"]
    for user_id in await _mentioned(conn, post["caption"], actor, told):
        if await _may_notify(conn, actor, user_id):
            pushed[user_id] = "mention"
            await repository.add_actor(
                conn,
                context.ids,
                user_id,
                "mention",
                f"mention_post:{post_id}",
                actor,
                utcnow(),
                post_id=post_id,
            )


async def _bell_recipients(conn: AsyncConnection, author_id: int, told: set[int]) -> list[int]:
    """Who rang the bell for the author, may read the author's content now, and is in no
    block with them (a block removes the follow, and with it the bell, anyway)."""
    return [
        user_id
        for user_id in await follows_repo.bell_followers(conn, author_id)
        if user_id not in told
        and await _may_notify(conn, author_id, user_id)
        and await _may_read(conn, user_id, author_id)
    ]


async def on_story_posted(context: NotifyDeps, event: StoryPosted) -> None:
    """The bell, for a new story: "alice posted a story."."""
    pushed: dict[int, str] = {}
    async with context.db.write() as uow:
        now = utcnow()
        story = await stories_repo.get_live(uow.conn, event.story_id, now, event.author_id)
        if story is None:
            return  # deleted, removed or over since
        author = story["author_id"]
        for user_id in await _bell_recipients(uow.conn, author, set()):
            if story["audience"] != "everyone" and (
                await stories_repo.get_live(uow.conn, event.story_id, now, user_id) is None
            ):
                continue  # a close-friends story rings only the close friends' bells
            pushed[user_id] = "story"
            await repository.add_actor(
                uow.conn, context.ids, user_id, "story", f"story:{event.story_id}", author, utcnow()
            )
    await _push(context, pushed)


async def on_post_deleted(context: NotifyDeps, event: PostDeleted) -> None:
    async with context.db.write() as uow:
        await repository.delete_where(uow.conn, post_id=event.post_id)


async def on_user_followed(context: NotifyDeps, event: UserFollowed) -> None:
    follower, followee = event.follower_id, event.followee_id
    pushed: dict[int, str] = {}
    async with context.db.write() as uow:
        await repository.remove_actor(uow.conn, followee, f"follow_request:{follower}", follower)
        if await follows_repo.get_status(uow.conn, follower, followee) != "accepted":
            return
        if not await _may_notify(uow.conn, follower, followee):
            return
        now = utcnow()
        pushed[followee] = "follow"
        await repository.add_actor(
            uow.conn, context.ids, followee, "follow", f"follow:{follower}", follower, now
        )
        if event.approved:
            pushed[follower] = "follow_accepted"
            await repository.add_actor(
                uow.conn,
                context.ids,
                follower,
                "follow_accepted",
                f"follow_accepted:{followee}",
                followee,
                now,
            )
    await _push(context, pushed)


async def on_user_unfollowed(context: NotifyDeps, event: UserUnfollowed) -> None:
    follower, followee = event.follower_id, event.followee_id
    async with context.db.write() as uow:
        if await follows_repo.get_status(uow.conn, follower, followee) is None:
            await repository.remove_actor(uow.conn, followee, f"follow:{follower}", follower)


async def on_follow_requested(context: NotifyDeps, event: FollowRequested) -> None:
    follower, followee = event.follower_id, event.followee_id
    async with context.db.write() as uow:
        if await follows_repo.get_status(uow.conn, follower, followee) != "pending":
            return
        if not await _may_notify(uow.conn, follower, followee):
            return
        await repository.add_actor(
            uow.conn,
            context.ids,
            followee,
            "follow_request",
            f"follow_request:{follower}",
            follower,
            utcnow(),
        )
    await _push(context, {followee: "follow_request"})


async def _push(context: NotifyDeps, recipients: dict[int, str]) -> None:
    """After the commit, tell each recipient's open sockets (`notification` event, with
    their unread count for the badge). A redelivered event pushes again, harmlessly."""
    if not recipients:
        return
    async with context.db.read() as conn:
        counts = {user_id: await repository.unread_count(conn, user_id) for user_id in recipients}
    for user_id, kind in recipients.items():
        await context.realtime.publish([user_id], notification(kind, counts[user_id]))
    if context.web_push is not None:
        sender = context.web_push
        async with context.db.read() as conn:
            payloads = [
                await _push_payload(conn, user_id, counts[user_id]) for user_id in recipients
            ]
        await asyncio.gather(
            *(
                sender.deliver(user_id, p)
                for user_id, p in zip(recipients, payloads, strict=True)
                if p
            )
        )


async def _push_payload(
    conn: AsyncConnection, user_id: int, unread_count: int
) -> PushPayload | None:
    """What the service worker shows for the user's newest notification (the one just
    added or moved to the top): its sentence and the page a click opens."""
    rows = await repository.page(conn, user_id, None, 1)
    if not rows:
        return None
    row = rows[0]
    actor_ids, actor_count = (
        await repository.latest_actors(conn, user_id, [row["id"]], SHOWN_ACTORS)
    ).get(row["id"], ([], 0))
    authors = await users_repo.get_authors(conn, actor_ids)
    names = [authors[a]["username"] for a in actor_ids if a in authors]
    if not names:
        return None
    comment = None
    if row["comment_id"] is not None:
        found = await comments_repo.get_comment(conn, row["comment_id"])
        comment = found["text"] if found is not None else None
    if row["post_id"] is not None:
        url = f"/p/{row['post_id']}"
    elif row["kind"] == "follow_request":
        url = "/requests"
    elif row["kind"] == "story":
        url = f"/stories/{actor_ids[0]}"
    else:
        url = f"/u/{names[0]}"
    payload: PushPayload = {
        "type": "notification",
        "id": str(row["id"]),
        "kind": row["kind"],
        "title": "Shutter",
        "body": describe(row["kind"], names, actor_count, comment),
        "url": url,
        "unread_count": unread_count,
        "actors": names,
        "actor_count": max(actor_count, len(names)),
    }
    if comment:
        payload["comment"] = comment[:EXCERPT]
    return payload


def register(registry: HandlerRegistry[AnyNotifyDeps]) -> None:
    registry.on(PostLiked, on_like_changed)
    registry.on(PostUnliked, on_like_changed)
    registry.on(CommentCreated, on_comment_created)
    registry.on(CommentDeleted, on_comment_deleted)
    registry.on(CommentLiked, on_comment_like_changed)
    registry.on(CommentUnliked, on_comment_like_changed)
    registry.on(PostCreated, on_post_created)
    registry.on(PostDeleted, on_post_deleted)
    registry.on(PostEdited, on_post_edited)
    registry.on(UserFollowed, on_user_followed)
    registry.on(UserUnfollowed, on_user_unfollowed)
    registry.on(FollowRequested, on_follow_requested)
    registry.on(StoryPosted, on_story_posted)
