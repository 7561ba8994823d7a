"""Direct-message use cases: send (to a person, to a conversation, as a story reply, with a
photo or video), groups and their members, unsend, reactions, the inbox and its folders,
history, read receipts, accepting requests, unread counts. No HTTP here.

A direct conversation belongs to two people and exists once per pair; a group has up to
GROUP_MAX_MEMBERS members and a name. Each message takes the conversation's next sequence
number in the transaction that stores it, so the order is total and gap-free; the
client's own `client_message_id` makes a retry store nothing twice. A group's membership
changes and renames are messages too (`system`), written under the same lock, so that
they take their place in the sequence. Live events go out after the commit
(`RealtimeBus`); a client that missed some asks for everything after the last seq it has
(docs/messages.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.errors import Forbidden, InvalidInput, NotFound
from shutter.events.types import MessageSent
from shutter.media import repository as media_repo
from shutter.media import service as media_service
from shutter.media.repository import StoredMedia
from shutter.messages import repository
from shutter.messages.presenters import (
    ConversationOutDict,
    ConversationPageDict,
    MessageOutDict,
    MessagePageDict,
    MessageSentDict,
    ReactionsOutDict,
    ReadStateDict,
    UnreadCountDict,
    present_conversations,
    present_messages,
    present_reactions,
    present_sent,
)
from shutter.messages.repository import (
    Candidate,
    MemberRow,
    MessageRow,
    PreviousMessage,
)
from shutter.messages.schemas import GROUP_MAX_MEMBERS
from shutter.pagination import page_tail
from shutter.posts.service import readable_post
from shutter.privacy.visibility import block_directions, is_approved_follower
from shutter.realtime.events import (
    ConversationAddedEvent,
    ConversationEvent,
    MessageUnsentEvent,
    ReactionEvent,
    ReadEvent,
)
from shutter.stories.service import visible_story
from shutter.timeutil import utcnow
from shutter.users.service import UrlFor

CONVERSATION_NOT_FOUND = "No such conversation."
MESSAGE_NOT_FOUND = "No such message."


@dataclass(frozen=True, slots=True)
class SendMessage:
    """A command: what the sender asked to send, and where: to a person
    (`recipient_id`), to a conversation they are in (`conversation_id`), or as a reply to
    a story (`story_id`: to its author)."""

    sender_id: int
    recipient_id: int | None
    content: str
    client_message_id: str
    post_id: int | None = None
    story_id: int | None = None
    media_id: int | None = None
    conversation_id: int | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    answer: MessageSentDict
    created: bool  # False: a retry, answered with what the first attempt stored


class _LostRace(Exception):
    """A concurrent request with the same client_message_id stored it first."""


Events = dict[int, ConversationEvent]  # reader -> the event their sockets get


async def send_message(context: AppContext, command: SendMessage, url_for: UrlFor) -> Sent:
    """Store a message (once per client_message_id) and push it to every member."""
    media: tuple[StoredMedia, dict[str, object]] | None = None
    if command.media_id is not None:
        # A retry of a send that took this media finds its message before the media,
        # which is no longer free, is looked at.
        async with context.db.read() as conn:
            previous = await repository.by_client_id(
                conn, command.sender_id, command.client_message_id
            )
            if previous is not None:
                return Sent(_replay(previous, command), created=False)
            row = await media_service.sendable_media(conn, command.sender_id, command.media_id)
        # Its files move under private keys before the message exists: no URL of the
        # message ever names a public file.
        media = (row, await media_service.copy_to_private(context, row))
    for _ in range(2):
        try:
            async with context.db.write() as uow:
                previous = await repository.by_client_id(
                    uow.conn, command.sender_id, command.client_message_id
                )
                if previous is not None:
                    return Sent(_replay(previous, command), created=False)
                stored, readers = await _store(context, uow.conn, command, media)
                events = await _message_events(uow.conn, stored, readers, url_for)
                await uow.record(
                    MessageSent(
                        message_id=stored["id"],
                        conversation_id=stored["conversation_id"],
                        sender_id=stored["sender_id"],
                    )
                )
        except _LostRace:
            continue  # the winner has committed: the next pass answers with its message
        if media is not None:
            await media_service.drop_public_copies(context, media[0])
        await _publish(context, events)
        return Sent(present_sent(stored), created=True)
    raise RuntimeError("client_message_id race not resolved")  # pragma: no cover


def _replay(found: PreviousMessage, command: SendMessage) -> MessageSentDict:
    """The first attempt's answer, if this is the same request again. An unsent message
    kept only its place: a retry of it is recognised by its conversation alone."""
    previous = found.message
    if command.conversation_id is not None:
        same_place = previous["conversation_id"] == command.conversation_id
    elif command.recipient_id is not None:
        pair = {found.user_low, found.user_high}
        same_place = found.kind == "direct" and command.recipient_id in pair
    else:  # a story reply: the story names the place
        same_place = previous["story_id"] == command.story_id or previous["unsent_at"] is not None
    same = same_place and (
        previous["unsent_at"] is not None
        or (
            previous["content"] == command.content
            and previous["post_id"] == command.post_id
            and previous["story_id"] == command.story_id
            and previous["media_id"] == command.media_id
        )
    )
    if not same:
        raise InvalidInput(
            "client_message_id was already used for another message; use a new one.",
            code="client_message_id_reused",
        )
    return present_sent(previous)


async def _store(
    context: AppContext,
    conn: AsyncConnection,
    command: SendMessage,
    media: tuple[StoredMedia, dict[str, object]] | None,
) -> tuple[MessageRow, list[int]]:
    """Check the request, then store the message with the next seq; returns the stored
    row and who reads it (every member)."""
    sender_id = command.sender_id
    message_id = context.ids.next_id()
    recipient_id: int | None = None  # None: a group, whose members are read under its lock
    if command.conversation_id is not None:
        member = await _member(conn, sender_id, command.conversation_id)
        conversation_id = member["conversation_id"]
        recipient_id = member["other_id"]
        if recipient_id is not None:
            await _check_recipient(conn, sender_id, recipient_id)
    else:
        if command.story_id is not None:
            story = await visible_story(conn, sender_id, command.story_id)
            recipient_id = int(story["author_id"])
        else:
            assert command.recipient_id is not None
            recipient_id = command.recipient_id
        await _check_recipient(conn, sender_id, recipient_id)
        conversation_id = await _conversation(context, conn, sender_id, recipient_id, message_id)
    if command.post_id is not None:
        await readable_post(conn, sender_id, command.post_id)
    seq = await repository.next_seq(conn, conversation_id, message_id)
    assert seq is not None  # found above; conversations are never deleted
    # Under the group's lock: someone removed a moment ago sends nothing more.
    if recipient_id is None and not await repository.is_member(conn, sender_id, conversation_id):
        raise NotFound(CONVERSATION_NOT_FOUND, code="conversation_not_found")
    row: MessageRow = {
        "id": message_id,
        "conversation_id": conversation_id,
        "seq": seq,
        "sender_id": sender_id,
        "client_message_id": command.client_message_id,
        "content": command.content,
        "post_id": command.post_id,
        "story_id": command.story_id,
        "media_id": command.media_id,
        "system": None,
        "unsent_at": None,
        "created_at": utcnow(),
    }
    if not await repository.insert_message(conn, dict(row)):
        raise _LostRace  # rolls back the seq taken above
    if media is not None:
        attached = await media_repo.attach_to_message(
            conn, media[0]["id"], sender_id, message_id, media[1]
        )
        if not attached:  # taken by a post, story or message since it was checked
            raise InvalidInput(
                f"Media {media[0]['id']} already belongs to a post, a story or a message.",
                code="media_in_use",
            )
    await repository.record_sent(conn, conversation_id, sender_id, message_id, seq)
    if recipient_id is not None:
        return row, [sender_id, recipient_id]
    return row, await repository.member_ids(conn, conversation_id)


async def _message_events(
    conn: AsyncConnection, row: MessageRow, readers: Sequence[int], url_for: UrlFor
) -> Events:
    """Each member's `message` event. A shared post or story shows only to whom may see
    it, so such a message is presented per reader; any other is presented once."""
    if row["post_id"] is None and row["story_id"] is None:
        (message,) = await present_messages(conn, row["sender_id"], [row], url_for)
        return {reader: {"type": "message", "message": message} for reader in readers}
    events: Events = {}
    for reader in readers:
        (message,) = await present_messages(conn, reader, [row], url_for)
        events[reader] = {"type": "message", "message": message}
    return events


async def _publish(context: AppContext, events: Events) -> None:
    for reader, event in events.items():
        await context.realtime.publish([reader], event)


async def _check_recipient(conn: AsyncConnection, sender_id: int, recipient_id: int) -> None:
    if recipient_id == sender_id:
        raise InvalidInput("You cannot send a message to yourself.", code="cannot_message_self")
    status = await repository.recipient_status(conn, sender_id, recipient_id)
    if status is not None and status.sender_blocked:
        raise Forbidden(
            "You blocked this account; unblock it to message it.", code="messaging_blocked"
        )
    # Someone who blocked the sender must look nonexistent: the answer an unknown id gets.
    if status is None or status.recipient_blocked:
        raise NotFound("No such user.", code="user_not_found")


async def _conversation(
    context: AppContext, conn: AsyncConnection, sender_id: int, recipient_id: int, sort_id: int
) -> int:
    """The pair's conversation, created with both members on the first message. The
    recipient files it in the inbox if they follow the sender, else under requests."""
    low, high = sorted((sender_id, recipient_id))
    conversation_id = await repository.conversation_id_for_pair(conn, low, high)
    if conversation_id is not None:
        return conversation_id
    await repository.create_conversation(conn, context.ids.next_id(), low, high, utcnow())
    conversation_id = await repository.conversation_id_for_pair(conn, low, high)
    assert conversation_id is not None  # created above, or by a concurrent first message
    recipient_follows = await is_approved_follower(conn, recipient_id, sender_id)
    await repository.add_members(
        conn,
        [
            _member_row(conversation_id, sender_id, recipient_id, True, sort_id),
            _member_row(conversation_id, recipient_id, sender_id, recipient_follows, sort_id),
        ],
    )
    return conversation_id


def _member_row(
    conversation_id: int,
    user_id: int,
    other_id: int | None,
    accepted: bool,
    sort_id: int,
    role: str = "member",
    joined_seq: int = 0,
) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "user_id": user_id,
        "other_id": other_id,
        "accepted": accepted,
        "read_seq": max(0, joined_seq - 1),  # the message that added them is unread
        "sort_id": sort_id,
        "role": role,
        "joined_seq": joined_seq,
    }


async def _member(conn: AsyncConnection, user_id: int, conversation_id: int) -> MemberRow:
    """The user's side of a conversation they are in and may see; 404 otherwise (the same
    answer for strangers, for those who left a group or were removed, and for a direct
    conversation a block hides, revealing nothing). A block between two members of a
    group hides nothing of the group: it is nobody's own."""
    row = await repository.member(conn, user_id, conversation_id)
    if row is not None:
        if row["other_id"] is None:
            return row
        blocked = await block_directions(conn, user_id, row["other_id"])
        if not any(blocked):
            return row
    raise NotFound(CONVERSATION_NOT_FOUND, code="conversation_not_found")


async def list_conversations(
    conn: AsyncConnection,
    user_id: int,
    folder: str,
    before_sort: int | None,
    limit: int,
    url_for: UrlFor,
) -> ConversationPageDict:
    """`{conversations, next_cursor}`: a folder, most recent message first."""
    rows = await repository.page_members(conn, user_id, folder == "inbox", before_sort, limit + 1)
    page = page_tail(rows, limit, lambda row: row["sort_id"])
    return {
        "conversations": await present_conversations(conn, user_id, page.items, url_for),
        "next_cursor": page.next_cursor,
    }


async def get_conversation(
    conn: AsyncConnection, user_id: int, conversation_id: int, url_for: UrlFor
) -> ConversationOutDict:
    row = await _member(conn, user_id, conversation_id)
    (conversation,) = await present_conversations(conn, user_id, [row], url_for)
    return conversation


async def history(
    conn: AsyncConnection,
    user_id: int,
    conversation_id: int,
    after_seq: int | None,
    before_seq: int | None,
    limit: int,
    url_for: UrlFor,
) -> MessagePageDict:
    """`{messages, last_seq, has_more}`: ascending by seq, after `after_seq` or just
    before `before_seq` (the newest page when neither is given). A group member reads
    from the message that added them on."""
    member = await _member(conn, user_id, conversation_id)
    first = max(1, member["joined_seq"])
    rows = await repository.page_messages(
        conn, conversation_id, after_seq, before_seq, limit, from_seq=first
    )
    if after_seq is not None:
        has_more = bool(rows) and rows[-1]["seq"] < member["last_seq"]
    else:
        has_more = bool(rows) and rows[0]["seq"] > first
    return {
        "messages": await present_messages(conn, user_id, rows, url_for),
        "last_seq": member["last_seq"],
        "has_more": has_more,
    }


async def mark_read(
    context: AppContext, user_id: int, conversation_id: int, up_to_seq: int
) -> ReadStateDict:
    """Move the reader's position forward (clamped to the last seq, never backwards);
    tells every member's sockets when it moved. Returns `{read_seq, unread_count}`."""
    async with context.db.write() as uow:
        member = await _member(uow.conn, user_id, conversation_id)
        target = min(up_to_seq, member["last_seq"])
        moved = await repository.advance_read(uow.conn, user_id, conversation_id, target)
        readers = await repository.member_ids(uow.conn, conversation_id) if moved else []
    read_seq = max(member["read_seq"], target)
    if moved:
        event: ReadEvent = {
            "type": "read",
            "conversation_id": str(conversation_id),
            "user_id": str(user_id),
            "up_to_seq": read_seq,
        }
        await context.realtime.publish(readers, event)
    return {"read_seq": read_seq, "unread_count": member["last_seq"] - read_seq}


async def accept(
    conn: AsyncConnection, user_id: int, conversation_id: int, url_for: UrlFor
) -> ConversationOutDict:
    """Move a request to the inbox (accepting twice changes nothing)."""
    await _member(conn, user_id, conversation_id)
    await repository.accept(conn, user_id, conversation_id)
    return await get_conversation(conn, user_id, conversation_id, url_for)


async def unread_count(conn: AsyncConnection, user_id: int) -> UnreadCountDict:
    totals = await repository.unread_totals(conn, user_id)
    return {
        "unread_count": totals.unread_count,
        "unread_messages": totals.unread_messages,
        "request_count": totals.request_count,
    }


# -- groups ------------------------------------------------------------------------------


def _check_candidates(wanted: Sequence[int], found: dict[int, Candidate]) -> None:
    """The rules of a direct message, for each person someone puts in a group: who
    blocked them is told so (`403 messaging_blocked`); an account that does not exist,
    cannot be reached or blocked them answers `404 user_not_found`, the same for all."""
    for user_id in wanted:
        candidate = found.get(user_id)
        if candidate is not None and candidate.actor_blocked:
            raise Forbidden(
                "You blocked one of these accounts; unblock it to add it.",
                code="messaging_blocked",
            )
        if candidate is None or candidate.blocked_actor:
            raise NotFound("No such user.", code="user_not_found")


def _system(action: str, user_ids: Sequence[int], name: str | None = None) -> str:
    event: dict[str, Any] = {"action": action, "user_ids": [str(user_id) for user_id in user_ids]}
    if name is not None:
        event["name"] = name
    return orjson.dumps(event).decode()


async def _write_system(
    context: AppContext,
    conn: AsyncConnection,
    conversation_id: int,
    actor_id: int,
    system: str,
) -> MessageRow:
    """A membership change or rename as the conversation's next message (its lock is
    taken here if the caller has not already)."""
    message_id = context.ids.next_id()
    seq = await repository.next_seq(conn, conversation_id, message_id)
    assert seq is not None  # the caller found the conversation, under its lock
    row: MessageRow = {
        "id": message_id,
        "conversation_id": conversation_id,
        "seq": seq,
        "sender_id": actor_id,
        # Outside the pattern clients may use: never mistaken for one of theirs.
        "client_message_id": f"system:{message_id}",
        "content": "",
        "post_id": None,
        "story_id": None,
        "media_id": None,
        "system": system,
        "unsent_at": None,
        "created_at": utcnow(),
    }
    await repository.insert_message(conn, dict(row))
    return row


async def create_group(
    context: AppContext,
    creator_id: int,
    member_ids: Sequence[int],
    name: str | None,
    url_for: UrlFor,
) -> ConversationOutDict:
    """A group of the creator (its admin) and 2 to GROUP_MAX_MEMBERS - 1 others, each
    someone the creator may message; it lands in the inbox of those who follow the
    creator and under requests for the others. It starts empty (its first message will
    be seq 1); every member's sockets get `conversation_added`."""
    others = list(dict.fromkeys(user_id for user_id in member_ids if user_id != creator_id))
    if not 2 <= len(others) <= GROUP_MAX_MEMBERS - 1:
        raise InvalidInput(
            f"A group needs 2 to {GROUP_MAX_MEMBERS - 1} other people.", code="group_size"
        )
    async with context.db.write() as uow:
        conn = uow.conn
        found = await repository.candidates(conn, creator_id, others)
        _check_candidates(others, found)
        conversation_id = context.ids.next_id()
        await repository.create_group(conn, conversation_id, name or None, utcnow())
        rows = [_member_row(conversation_id, creator_id, None, True, conversation_id, "admin", 1)]
        rows += [
            _member_row(
                conversation_id,
                user_id,
                None,
                found[user_id].follows_actor,
                conversation_id,
                joined_seq=1,
            )
            for user_id in others
        ]
        await repository.add_members(conn, rows)
        event: ConversationAddedEvent = {
            "type": "conversation_added",
            "conversation_id": str(conversation_id),
        }
        uow.after_commit(lambda: context.realtime.publish([creator_id, *others], event))
        return await get_conversation(conn, creator_id, conversation_id, url_for)


async def _group_member(conn: AsyncConnection, user_id: int, conversation_id: int) -> MemberRow:
    """The user's side of a group they are in, under the group's lock (PostgreSQL):
    membership changes of one group happen one at a time. `422 not_a_group` for a
    direct conversation."""
    member = await _member(conn, user_id, conversation_id)
    if member["kind"] != "group":
        raise InvalidInput("Only a group has members to change or a name.", code="not_a_group")
    await repository.lock(conn, conversation_id)
    locked = await repository.member(conn, user_id, conversation_id)  # as of the lock
    if locked is None:
        raise NotFound(CONVERSATION_NOT_FOUND, code="conversation_not_found")
    return locked


async def add_members(
    context: AppContext,
    actor_id: int,
    conversation_id: int,
    user_ids: Sequence[int],
    url_for: UrlFor,
) -> ConversationOutDict:
    """Any member adds people they may message (the rules of `create_group`), up to
    GROUP_MAX_MEMBERS in all; those already in are left alone. The newcomers read from
    the message that added them on."""
    async with context.db.write() as uow:
        conn = uow.conn
        await _group_member(conn, actor_id, conversation_id)
        current = set(await repository.member_ids(conn, conversation_id))
        new = list(dict.fromkeys(user_id for user_id in user_ids if user_id not in current))
        if new:
            found = await repository.candidates(conn, actor_id, new)
            _check_candidates(new, found)
            if len(current) + len(new) > GROUP_MAX_MEMBERS:
                raise InvalidInput(
                    f"A group has at most {GROUP_MAX_MEMBERS} members.", code="group_full"
                )
            row = await _write_system(
                context, conn, conversation_id, actor_id, _system("added", new)
            )
            await repository.add_members(
                conn,
                [
                    _member_row(
                        conversation_id,
                        user_id,
                        None,
                        found[user_id].follows_actor,
                        row["id"],
                        joined_seq=row["seq"],
                    )
                    for user_id in new
                ],
            )
            await repository.record_sent(conn, conversation_id, actor_id, row["id"], row["seq"])
            events = await _message_events(conn, row, [*current, *new], url_for)
            uow.after_commit(lambda: _publish(context, events))
        return await get_conversation(conn, actor_id, conversation_id, url_for)


async def remove_member(
    context: AppContext, actor_id: int, conversation_id: int, user_id: int, url_for: UrlFor
) -> None:
    """Leave a group (`user_id` is the actor's own), or, as its admin, remove someone. Who
    is out no longer reads the conversation (404) nor gets anything of it; their sockets
    are told (`conversation_left`). A group whose last admin leaves gets its
    longest-standing member as admin."""
    async with context.db.write() as uow:
        conn = uow.conn
        actor = await _group_member(conn, actor_id, conversation_id)
        leaving = user_id == actor_id
        if not leaving:
            if actor["role"] != "admin":
                raise Forbidden(
                    "Only the group's admin removes members; anyone may leave.",
                    code="not_group_admin",
                )
            if not await repository.is_member(conn, user_id, conversation_id):
                raise NotFound("This account is not in the group.", code="member_not_found")
        row = await _write_system(
            context,
            conn,
            conversation_id,
            actor_id,
            _system("left" if leaving else "removed", [user_id]),
        )
        await repository.remove_member(conn, conversation_id, user_id)
        if not await repository.has_admin(conn, conversation_id):
            await repository.promote_oldest_member(conn, conversation_id)
        await repository.record_sent(conn, conversation_id, actor_id, row["id"], row["seq"])
        readers = await repository.member_ids(conn, conversation_id)
        events = await _message_events(conn, row, readers, url_for)
        events[user_id] = {
            "type": "conversation_left",
            "conversation_id": str(conversation_id),
            "user_id": str(user_id),
        }
        uow.after_commit(lambda: _publish(context, events))


async def rename(
    context: AppContext, actor_id: int, conversation_id: int, name: str | None, url_for: UrlFor
) -> ConversationOutDict:
    """Any member names the group (None or "" takes the name away); a rename to the same
    name changes nothing and says nothing."""
    async with context.db.write() as uow:
        conn = uow.conn
        member = await _group_member(conn, actor_id, conversation_id)
        name = name or None
        if name != member["name"]:
            row = await _write_system(
                context, conn, conversation_id, actor_id, _system("renamed", [], name)
            )
            await repository.rename(conn, conversation_id, name)
            await repository.record_sent(conn, conversation_id, actor_id, row["id"], row["seq"])
            readers = await repository.member_ids(conn, conversation_id)
            events = await _message_events(conn, row, readers, url_for)
            uow.after_commit(lambda: _publish(context, events))
        return await get_conversation(conn, actor_id, conversation_id, url_for)


# -- one message: unsend, reactions ------------------------------------------------------


async def _visible_message(
    conn: AsyncConnection, user_id: int, message_id: int
) -> tuple[MessageRow, MemberRow]:
    """A message of a conversation the user is in and may read (a group member from the
    message that added them on); `404 message_not_found` otherwise, revealing nothing."""
    row = await repository.message(conn, message_id)
    if row is not None:
        try:
            member = await _member(conn, user_id, row["conversation_id"])
        except NotFound:
            pass
        else:
            if row["seq"] >= member["joined_seq"]:
                return row, member
    raise NotFound(MESSAGE_NOT_FOUND, code="message_not_found")


async def unsend(context: AppContext, user_id: int, message_id: int) -> None:
    """Unsend one's own message for everyone: its text, photo or video, shared post,
    story and reactions are gone; its seq stays as a tombstone (`unsent: true`), so there
    is no gap. Every member's sockets get `message_unsent`. Unsending twice is fine."""
    async with context.db.write() as uow:
        conn = uow.conn
        row, _ = await _visible_message(conn, user_id, message_id)
        if row["sender_id"] != user_id or row["system"] is not None:
            raise Forbidden("You can only unsend your own messages.", code="not_your_message")
        if row["unsent_at"] is not None:
            return
        media_rows = await media_repo.detach_from_message(conn, message_id)
        await repository.unsend(conn, message_id, utcnow())
        readers = await repository.member_ids(conn, row["conversation_id"])
        event: MessageUnsentEvent = {
            "type": "message_unsent",
            "conversation_id": str(row["conversation_id"]),
            "message_id": str(message_id),
            "seq": row["seq"],
        }
        uow.after_commit(lambda: media_service.delete_private_files(context, media_rows))
        uow.after_commit(lambda: context.realtime.publish(readers, event))


async def react(
    context: AppContext, user_id: int, message_id: int, emoji: str | None
) -> ReactionsOutDict:
    """Set (`emoji`) or take back (None) the user's one reaction to a message of a
    conversation they are in; every member's sockets get `reaction` when it changed.
    Returns the message's reactions."""
    async with context.db.write() as uow:
        conn = uow.conn
        row, _ = await _visible_message(conn, user_id, message_id)
        if emoji is not None:
            if row["unsent_at"] is not None or row["system"] is not None:
                raise InvalidInput(
                    "This message was unsent or is a notice: it takes no reaction.",
                    code="cannot_react",
                )
            changed = await repository.set_reaction(conn, message_id, user_id, emoji, utcnow())
        else:
            changed = await repository.delete_reaction(conn, message_id, user_id)
        reactions = (await repository.reactions_of(conn, [message_id])).get(message_id, [])
        if changed:
            readers = await repository.member_ids(conn, row["conversation_id"])
            event: ReactionEvent = {
                "type": "reaction",
                "conversation_id": str(row["conversation_id"]),
                "message_id": str(message_id),
                "user_id": str(user_id),
                "emoji": emoji,
            }
            uow.after_commit(lambda: context.realtime.publish(readers, event))
    return present_reactions(message_id, reactions)


async def get_message(
    conn: AsyncConnection, user_id: int, message_id: int, url_for: UrlFor
) -> MessageOutDict:
    row, _ = await _visible_message(conn, user_id, message_id)
    (message,) = await present_messages(conn, user_id, [row], url_for)
    return message


# -- account purge -------------------------------------------------------------------------


async def forget_account(context: AppContext, conn: AsyncConnection, user_id: int) -> None:
    """What the purge of an account (portability/deletion.py) does to the groups it was
    in and to its reactions, in the caller's transaction: in each group a stand-in id
    (naming no account: shown as a deleted one) takes its place in its messages (emptied)
    and in the notices naming it, then leaves, with a `left` notice, so that the members'
    sequence says so; its reactions go everywhere. Direct conversations are the caller's."""
    for conversation_id in await repository.groups_of(conn, user_id):
        await repository.lock(conn, conversation_id)
        stand_in = context.ids.next_id()
        await repository.hand_messages_to(conn, conversation_id, user_id, stand_in)
        await repository.rename_in_notices(conn, conversation_id, user_id, stand_in)
        row = await _write_system(
            context, conn, conversation_id, stand_in, _system("left", [stand_in])
        )
        await repository.remove_member(conn, conversation_id, user_id)
        if not await repository.has_admin(conn, conversation_id):
            await repository.promote_oldest_member(conn, conversation_id)
        await repository.record_sent(conn, conversation_id, stand_in, row["id"], row["seq"])
    await repository.delete_reactions_by(conn, user_id)
