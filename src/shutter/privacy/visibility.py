"""Who may see what: the one rule, used by every read path. Nothing else decides it.

The rule (docs/privacy.md has it with examples):

1. You always see yourself.
2. A block hides two people from each other in both directions, whatever the privacy.
   The blocked person cannot tell the blocker exists: the blocker's profile, grid, lists
   and posts answer 404 to them. The blocker still sees the blocked person's profile
   (flagged `blocking`, so they can unblock; in a mutual block both do) but none of
   their content.
3. A private account shows its posts, stories and follower/following lists to approved
   followers only; its profile (name, counts) is public.
4. Deleted content reaches nobody (the resource's own query leaves it out).
5. Moderation (docs/moderation.md): content a moderator removed, and a suspended account
   with everything it made, reach nobody but the moderators' queue. A suspended account
   is "hidden" as a block is: its profile answers 404. `post_is_live`, `comment_is_live`
   and `account_suspended` say it in SQL for pages of content.
6. A deactivated account (deletion requested, in its grace period) reaches nobody: its
   profile answers 404 and its content and presence in lists are hidden, as for a block.
7. A mute quiets, for the muter alone, an account's posts in the home feed and in Reels
   and/or its stories in the tray (`muted`); everything else stays as it was: the profile, the grid,
   a post or the stories opened directly. The muted account is not told.
   A followed hashtag brings to the home feed posts of public accounts only, never across
   a block nor from a muted author (`reachable_through_tags`).
8. A close-friends story is seen only by its author and the people on the author's
   close-friends list when it is read (`story_audience_includes`), on every story path
   (tray, an account's stories, a story by id, viewers, replies, highlights), on top of
   rule 3.
9. A comment that matched its post author's comment filter is shown only to its own
   author and to the post's author (`comment_shown_to`); everyone else never sees it.
10. An archived post is seen by its author alone, on every read path (feed, grid, the
   post itself, hashtag and location pages, explore, search, saved lists, likes,
   comments, notifications, messages): `post_is_live(viewer)` says it. Restoring it
   puts it back where it was.

Resources built later (comments, likers, stories, hashtag pages, search, explore,
notifications, messages) call `account_access` / `require_account_content` for one
account, and filter pages of many accounts in SQL with `hidden_by_block(viewer, column)`.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Literal

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.tables import (
    blocks,
    close_friends,
    comments,
    follows,
    mutes,
    posts,
    stories,
    users,
)
from shutter.errors import Forbidden, NotFound


def account_suspended(user_id: ColumnElement[int] | int) -> ColumnElement[bool]:
    """SQL: the account is suspended (a primary-key probe of `users`)."""
    return exists().where((users.c.id == user_id) & users.c.suspended_at.is_not(None))


def post_is_live(viewer_id: int | ColumnElement[int] | None) -> ColumnElement[bool]:
    """SQL over `posts`, for this viewer (None: anonymous, or a worker acting for no one):
    neither deleted by its author nor removed by a moderator, its author not suspended,
    and not archived unless the viewer is its author (rule 10). Every read path of posts
    starts from this."""
    not_archived: ColumnElement[bool] = posts.c.archived_at.is_(None)
    if viewer_id is not None:
        not_archived = not_archived | (posts.c.author_id == viewer_id)
    return (
        posts.c.deleted_at.is_(None)
        & posts.c.removed_at.is_(None)
        & ~account_suspended(posts.c.author_id)
        & not_archived
    )


def comment_is_live() -> ColumnElement[bool]:
    """SQL over `comments`: the rule of `post_is_live` for comments (archiving is for posts)."""
    return (
        comments.c.deleted_at.is_(None)
        & comments.c.removed_at.is_(None)
        & ~account_suspended(comments.c.author_id)
    )


def story_is_live(now: datetime) -> ColumnElement[bool]:
    """SQL over `stories`: not expired, deleted or removed, its author not suspended."""
    return (
        stories.c.deleted_at.is_(None)
        & (stories.c.expires_at > now)
        & stories.c.removed_at.is_(None)
        & ~account_suspended(stories.c.author_id)
    )


async def is_suspended(conn: AsyncConnection, user_id: int) -> bool:
    return bool((await conn.execute(select(account_suspended(user_id)))).scalar())


class Access(Enum):
    """What a viewer may see of one account."""

    CONTENT = "content"  # profile and content (posts, stories, lists)
    PRIVATE = "private"  # profile only: a private account the viewer does not follow
    BLOCKING = "blocking"  # profile only: the viewer blocked this account
    HIDDEN = "hidden"  # nothing: the account blocked the viewer; it "does not exist"


def blocked_either_way(
    viewer_id: int | ColumnElement[int], other_id: ColumnElement[int] | int
) -> ColumnElement[bool]:
    """SQL: true when the viewer blocked `other_id` or `other_id` blocked the viewer.

    Either side may be a column or a bound parameter (an author, a follower) so that one
    query filters a whole page.
    """
    return exists().where(
        or_(
            and_(blocks.c.blocker_id == viewer_id, blocks.c.blocked_id == other_id),
            and_(blocks.c.blocker_id == other_id, blocks.c.blocked_id == viewer_id),
        )
    )


def deactivated(user_id: ColumnElement[int] | int) -> ColumnElement[bool]:
    """SQL: the account is deactivated (its deletion requested); a primary-key probe."""
    return exists().where((users.c.id == user_id) & users.c.deactivated_at.is_not(None))


def hidden_by_block(
    viewer_id: int | None, other_id: ColumnElement[int] | int
) -> ColumnElement[bool]:
    """SQL for pages of accounts or their content: true for what a block hides from the
    viewer (anonymous viewers have no blocks), and for deactivated accounts. Use as
    `.where(~hidden_by_block(...))`."""
    if viewer_id is None:
        return deactivated(other_id)
    return blocked_either_way(viewer_id, other_id) | deactivated(other_id)


def content_readable_by(viewer_id: int, author_id: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: the rule of `can_view_account_content` over any table's author column (stories
    referred to by messages), for a whole list at once; the author is probed by primary
    key per row."""
    public_author = account_is_public(author_id)
    follows_author = exists().where(
        (follows.c.follower_id == viewer_id)
        & (follows.c.followee_id == author_id)
        & (follows.c.status == "accepted")
    )
    return (author_id == viewer_id) | (
        (public_author | (follows_author & ~deactivated(author_id)))
        & ~blocked_either_way(viewer_id, author_id)
        & ~account_suspended(author_id)
    )


async def is_blocked_either_way(conn: AsyncConnection, a: int, b: int) -> bool:
    """Has either of the two blocked the other?"""
    return bool((await conn.execute(select(blocked_either_way(a, b)))).scalar())


async def block_directions(
    conn: AsyncConnection, viewer_id: int, other_id: int
) -> tuple[bool, bool]:
    """(the viewer blocked the other, the other blocked the viewer), in one query."""
    query = select(blocks.c.blocker_id).where(
        or_(
            and_(blocks.c.blocker_id == viewer_id, blocks.c.blocked_id == other_id),
            and_(blocks.c.blocker_id == other_id, blocks.c.blocked_id == viewer_id),
        )
    )
    blockers = set((await conn.execute(query)).scalars())
    return viewer_id in blockers, other_id in blockers


async def mute_state(conn: AsyncConnection, viewer_id: int, other_id: int) -> tuple[bool, bool]:
    """(the viewer muted the other's posts, ... their stories), in one query."""
    query = select(mutes.c.posts, mutes.c.stories).where(
        (mutes.c.muter_id == viewer_id) & (mutes.c.muted_id == other_id)
    )
    row = (await conn.execute(query)).first()
    return (False, False) if row is None else (bool(row.posts), bool(row.stories))


async def is_approved_follower(conn: AsyncConnection, viewer_id: int, owner_id: int) -> bool:
    query = select(follows.c.status).where(
        (follows.c.follower_id == viewer_id) & (follows.c.followee_id == owner_id)
    )
    return (await conn.execute(query)).scalar_one_or_none() == "accepted"


async def account_access(
    conn: AsyncConnection, viewer_id: int | None, owner_id: int, owner_is_private: bool
) -> Access:
    """The rule: what the viewer (None: anonymous) may see of the owner's account."""
    if viewer_id == owner_id:
        return Access.CONTENT
    if await is_suspended(conn, owner_id):
        return Access.HIDDEN
    if (await conn.execute(select(deactivated(owner_id)))).scalar():
        return Access.HIDDEN
    if viewer_id is not None:
        viewer_blocked, owner_blocked = await block_directions(conn, viewer_id, owner_id)
        if viewer_blocked:  # checked first: a blocker must always be able to unblock
            return Access.BLOCKING
        if owner_blocked:
            return Access.HIDDEN
    if not owner_is_private:
        return Access.CONTENT
    if viewer_id is not None and await is_approved_follower(conn, viewer_id, owner_id):
        return Access.CONTENT
    return Access.PRIVATE


async def can_view_account_content(
    conn: AsyncConnection, viewer_id: int | None, owner_id: int, owner_is_private: bool
) -> bool:
    """May the viewer see this account's posts, stories and follower/following lists?"""
    return await account_access(conn, viewer_id, owner_id, owner_is_private) is Access.CONTENT


async def require_account_content(
    conn: AsyncConnection, viewer_id: int | None, owner_id: int, owner_is_private: bool
) -> None:
    """Raise unless the viewer may see the account's content (a grid, a list, stories):
    `404 user_not_found` when the owner blocked the viewer, `403 user_blocked` when the
    viewer blocked the owner, `403 private_account` for a private account not followed."""
    access = await account_access(conn, viewer_id, owner_id, owner_is_private)
    if access is Access.HIDDEN:
        raise NotFound("No such user.", code="user_not_found")
    if access is Access.BLOCKING:
        raise Forbidden("You blocked this account; unblock it to see it.", code="user_blocked")
    if access is Access.PRIVATE:
        raise Forbidden("This account is private.", code="private_account")


def account_is_public(user_id: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: the account is public and not deactivated. A primary-key probe of the account
    per row, not a scan of every public account."""
    return exists().where(
        (users.c.id == user_id) & users.c.is_private.is_(False) & users.c.deactivated_at.is_(None)
    )


def reachable_through_tags(reader_id: int | ColumnElement[int]) -> ColumnElement[bool]:
    """SQL over `posts`: a hashtag the reader follows may bring this post to their home
    feed (the caller says which posts are under the followed hashtags). Only posts of
    public accounts ever come in through a hashtag (a private account's reach its
    approved followers through the follow alone), never across a block either way, and
    never a muted author's (rule 7). Deleted and removed posts are left to the caller."""
    return (
        account_is_public(posts.c.author_id)
        & ~blocked_either_way(reader_id, posts.c.author_id)
        & ~muted(reader_id, posts.c.author_id, "posts")
    )


def posts_readable_by(viewer_id: int | None) -> ColumnElement[bool]:
    """SQL over `posts`: the rule of `can_view_account_content`, for a whole list at once
    (hashtag and location pages, search, explore). Deleted posts are left to the caller."""
    public_author = account_is_public(posts.c.author_id)
    if viewer_id is None:
        return public_author
    return (posts.c.author_id == viewer_id) | (
        (public_author | (_follows_author(viewer_id) & ~deactivated(posts.c.author_id)))
        & ~blocked_either_way(viewer_id, posts.c.author_id)
    )


def posts_discoverable_by(viewer_id: int | None) -> ColumnElement[bool]:
    """SQL over `posts`: what Explore may offer the viewer. The posts of
    `posts_readable_by`, minus the viewer's own and those of accounts the viewer follows
    (they are in the home feed): so, in practice, public accounts in no block with the
    viewer. Deleted posts are left to the caller."""
    readable = posts_readable_by(viewer_id)
    if viewer_id is None:
        return readable
    return readable & (posts.c.author_id != viewer_id) & ~_follows_author(viewer_id)


def posts_in_reels_of(viewer_id: int) -> ColumnElement[bool]:
    """SQL over `posts`: what Reels may play to the viewer. The posts of
    `posts_readable_by`, minus the viewer's own and those of accounts whose posts the
    viewer muted (Reels is a feed: a mute quiets it as it quiets the home feed). Deleted,
    removed and suspended posts are left to the caller (`post_is_live`)."""
    return (
        posts_readable_by(viewer_id)
        & (posts.c.author_id != viewer_id)
        & ~muted(viewer_id, posts.c.author_id, "posts")
    )


def _follows_author(viewer_id: int) -> ColumnElement[bool]:
    """SQL over `posts`: the viewer follows the post's author (approved)."""
    return exists().where(
        (follows.c.follower_id == viewer_id)
        & (follows.c.followee_id == posts.c.author_id)
        & (follows.c.status == "accepted")
    )


def muted(
    viewer_id: int | ColumnElement[int],
    author_id: int | ColumnElement[int],
    what: Literal["posts", "stories"],
) -> ColumnElement[bool]:
    """SQL: the viewer muted the author's posts (or stories): a primary-key probe of
    `mutes`. Only the home feed and Reels (posts) and the story tray (stories) leave
    muted content out; every other path shows it as before."""
    return exists().where(
        (mutes.c.muter_id == viewer_id) & (mutes.c.muted_id == author_id) & mutes.c[what].is_(True)
    )


def story_audience_includes(viewer_id: int | ColumnElement[int]) -> ColumnElement[bool]:
    """SQL over `stories`: the story's audience takes in the viewer. Everyone's stories
    do; a close-friends story only its author and those on the author's list now (a
    primary-key probe of `close_friends`). Rule 3 (privacy, blocks) applies on top."""
    on_list = exists().where(
        (close_friends.c.owner_id == stories.c.author_id) & (close_friends.c.friend_id == viewer_id)
    )
    return (stories.c.audience == "everyone") | (stories.c.author_id == viewer_id) | on_list


def comment_shown_to(viewer_id: int | None) -> ColumnElement[bool]:
    """SQL over `comments`: a comment hidden by its post author's filter is shown to its
    own author and to the post's author only; other comments to whoever reads the post."""
    if viewer_id is None:
        return comments.c.hidden_by_filter.is_(False)
    post_author = exists().where(
        (posts.c.id == comments.c.post_id) & (posts.c.author_id == viewer_id)
    )
    return (
        comments.c.hidden_by_filter.is_(False) | (comments.c.author_id == viewer_id) | post_author
    )
