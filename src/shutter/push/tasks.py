"""Push for direct messages: a message sent reaches the other members' browsers (the open
tabs have it over the socket already). Its words travel only to someone who opted in
(`message_text` in their push preferences); everyone else reads "New message from
alice". Message requests (a conversation the recipient has not accepted) push nothing:
a stranger cannot make someone's phone buzz.
"""

from __future__ import annotations

import asyncio
from typing import Protocol, TypeVar

from shutter.db.database import Database
from shutter.events.runtime import HandlerRegistry
from shutter.events.types import MessageSent
from shutter.messages import repository as messages_repo
from shutter.push import repository
from shutter.push.sender import PushPayload, WebPushSender
from shutter.users import repository as users_repo

PREVIEW_CHARS = 120  # of a message's words, for those who opted in


class PushDeps(Protocol):
    @property
    def db(self) -> Database: ...
    @property
    def web_push(self) -> WebPushSender | None: ...


AnyPushDeps = TypeVar("AnyPushDeps", bound=PushDeps)


def message_payload(sender_name: str, conversation_id: int, text: str | None) -> PushPayload:
    """What the service worker shows: one notification per conversation (its tag), which
    opens the conversation."""
    preview = text[:PREVIEW_CHARS] if text else None
    body = f"{sender_name}: {preview}" if preview else f"New message from {sender_name}"
    payload: PushPayload = {
        "type": "message",
        "id": f"conversation-{conversation_id}",
        "kind": "message",
        "title": "Shutter",
        "body": body,
        "url": f"/direct/{conversation_id}",
        "conversation_id": str(conversation_id),
        "sender": sender_name,
    }
    if preview:  # the words travel only to someone who opted in
        payload["text"] = preview
    return payload


async def on_message_sent(context: PushDeps, event: MessageSent) -> None:
    sender = context.web_push
    if sender is None:
        return
    payloads: dict[int, PushPayload] = {}
    async with context.db.read() as conn:
        message = await messages_repo.message(conn, event.message_id)
        if message is None or message["unsent_at"] is not None:
            return
        authors = await users_repo.get_authors(conn, [event.sender_id])
        if event.sender_id not in authors:
            return
        name = authors[event.sender_id]["username"]
        for user_id in await messages_repo.member_ids(conn, event.conversation_id):
            if user_id == event.sender_id:
                continue
            member = await messages_repo.member(conn, user_id, event.conversation_id)
            if member is None or not member["accepted"]:
                continue
            wanted = await repository.preferences(conn, user_id)
            text = message["content"].strip() if wanted["message_text"] else None
            payloads[user_id] = message_payload(name, event.conversation_id, text)
    await asyncio.gather(
        *(sender.deliver(user_id, payload) for user_id, payload in payloads.items())
    )


def register(registry: HandlerRegistry[AnyPushDeps]) -> None:
    registry.on(MessageSent, on_message_sent)
