"""Direct messages: POST /messages, POST /stories/{id}/reply, GET /conversations (inbox
and requests), GET /conversations/unread-count, GET /conversations/{id},
GET /conversations/{id}/messages, POST /conversations/{id}/read and /accept."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from shutter.errors import InvalidInput
from shutter.http.deps import Context, CurrentUser, Page, UrlFor, Write, rate_limited
from shutter.http.responses import json_response
from shutter.messages import service
from shutter.messages.schemas import (
    ConversationOut,
    ConversationPage,
    MessagePage,
    MessageSend,
    MessageSent,
    ReadReceipt,
    ReadState,
    StoryReplySend,
    UnreadCount,
)
from shutter.pagination import MAX_ID
from shutter.stories.api import StoryId

router = APIRouter(tags=["messages"])

ConversationId = Annotated[int, Path(ge=1, le=MAX_ID, description="a conversation id")]
Seq = Annotated[int | None, Query(ge=0, le=MAX_ID)]
# Both ways of sending: 201 with a new message, 200 for a retry; counted as "messages".
SENDING: dict[str, Any] = {
    "status_code": 201,
    "response_model": MessageSent,
    "responses": {
        200: {"model": MessageSent, "description": "a retry: the message stored the first time"}
    },
    "dependencies": [rate_limited("messages")],
}


def _answer(sent: service.Sent) -> Response:
    return json_response(sent.answer, 201 if sent.created else 200)


@router.post("/messages", **SENDING)
async def send_message(
    body: MessageSend, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """Send a message (optionally sharing a post). Sending again with the same
    client_message_id stores nothing and answers 200 with the first answer."""
    command = service.SendMessage(
        sender_id=viewer.id,
        recipient_id=int(body.recipient_id),
        content=body.content,
        client_message_id=body.client_message_id,
        post_id=int(body.post_id) if body.post_id is not None else None,
    )
    return _answer(await service.send_message(context, command, url_for))


@router.post("/stories/{story_id}/reply", **SENDING)
async def reply_to_story(
    story_id: StoryId, body: StoryReplySend, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """Reply to a live story you can see: a direct message to its author, referring to it."""
    command = service.SendMessage(
        sender_id=viewer.id,
        recipient_id=None,
        content=body.content,
        client_message_id=body.client_message_id,
        story_id=story_id,
    )
    return _answer(await service.send_message(context, command, url_for))


@router.get("/conversations", response_model=ConversationPage)
async def list_conversations(
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
    paging: Page,
    folder: Literal["inbox", "requests"] = "inbox",
) -> Response:
    """Your conversations, most recent message first: the inbox, or message requests from
    people you do not follow."""
    async with context.db.read() as conn:
        page = await service.list_conversations(
            conn, viewer.id, folder, paging.after, paging.limit, url_for
        )
    return json_response(page)


@router.get("/conversations/unread-count", response_model=UnreadCount)
async def unread_count(viewer: CurrentUser, context: Context) -> Response:
    """The badge: inbox conversations with unread messages (and requests waiting)."""
    async with context.db.read() as conn:
        return json_response(await service.unread_count(conn, viewer.id))


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
async def get_conversation(
    conversation_id: ConversationId, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    async with context.db.read() as conn:
        return json_response(
            await service.get_conversation(conn, viewer.id, conversation_id, url_for)
        )


@router.get("/conversations/{conversation_id}/messages", response_model=MessagePage)
async def history(
    conversation_id: ConversationId,
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
    after_seq: Seq = None,
    before_seq: Seq = None,
    limit: Annotated[int, Query(ge=1, le=100, description="page size, 1 to 100")] = 50,
) -> Response:
    """Messages ascending by seq: those after `after_seq` (catching up), or the page just
    before `before_seq` (scrolling back); the newest page when neither is given."""
    if after_seq is not None and before_seq is not None:
        raise InvalidInput("Give after_seq or before_seq, not both.")
    async with context.db.read() as conn:
        page = await service.history(
            conn, viewer.id, conversation_id, after_seq, before_seq, limit, url_for
        )
    return json_response(page)


@router.post("/conversations/{conversation_id}/read", response_model=ReadState)
async def mark_read(
    conversation_id: ConversationId, body: ReadReceipt, viewer: CurrentUser, context: Context
) -> Response:
    """Read receipt: you have read up to `up_to_seq` (never moves backwards)."""
    state = await service.mark_read(context, viewer.id, conversation_id, body.up_to_seq)
    return json_response(state)


@router.post("/conversations/{conversation_id}/accept", response_model=ConversationOut)
async def accept(
    conversation_id: ConversationId,
    viewer: CurrentUser,
    uow: Write,
    context: Context,
    url_for: UrlFor,
) -> Response:
    """Accept a message request: the conversation moves to your inbox."""
    return json_response(await service.accept(uow.conn, viewer.id, conversation_id, url_for))
