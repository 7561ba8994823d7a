"""Direct messages: POST /messages, POST /stories/{id}/reply, GET /conversations (inbox
and requests), GET /conversations/unread-count, GET /conversations/{id},
GET /conversations/{id}/messages, POST /conversations/{id}/read and /accept; groups
(POST /conversations, POST /conversations/{id}/messages, POST and DELETE
/conversations/{id}/members, PATCH /conversations/{id}); one message (GET and DELETE
/messages/{id}: unsend, PUT and DELETE /messages/{id}/reaction)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from shutter.errors import InvalidInput
from shutter.http.deps import (
    Context,
    CurrentUser,
    Page,
    UrlFor,
    Write,
    rate_limited,
    verified_email_required,
)
from shutter.http.responses import json_response
from shutter.messages import service
from shutter.messages.schemas import (
    ConversationChange,
    ConversationMessageSend,
    ConversationOut,
    ConversationPage,
    GroupCreate,
    MemberRemove,
    MembersAdd,
    MessageOut,
    MessagePage,
    MessageSend,
    MessageSent,
    ReactionPut,
    ReactionsOut,
    ReadReceipt,
    ReadState,
    StoryReplySend,
    UnreadCount,
)
from shutter.pagination import MAX_ID
from shutter.stories.api import StoryId

router = APIRouter(tags=["messages"])

ConversationId = Annotated[int, Path(ge=1, le=MAX_ID, description="a conversation id")]
MessageId = Annotated[int, Path(ge=1, le=MAX_ID, description="a message id")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="an account id")]
Seq = Annotated[int | None, Query(ge=0, le=MAX_ID)]
# Both ways of sending: 201 with a new message, 200 for a retry; counted as "messages".
SENDING: dict[str, Any] = {
    "status_code": 201,
    "response_model": MessageSent,
    "responses": {
        200: {"model": MessageSent, "description": "a retry: the message stored the first time"}
    },
    "dependencies": [verified_email_required, rate_limited("messages")],
}


def _answer(sent: service.Sent) -> Response:
    return json_response(sent.answer, 201 if sent.created else 200)


@router.post("/messages", **SENDING)
async def send_message(
    body: MessageSend, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """Send a message to a person (text, a photo or video, a shared post). Sending again
    with the same client_message_id stores nothing and answers 200 with the first answer."""
    command = service.SendMessage(
        sender_id=viewer.id,
        recipient_id=int(body.recipient_id),
        content=body.content or "",
        client_message_id=body.client_message_id,
        post_id=_optional_id(body.post_id),
        media_id=_optional_id(body.media_id),
    )
    return _answer(await service.send_message(context, command, url_for))


@router.post("/conversations/{conversation_id}/messages", **SENDING)
async def send_to_conversation(
    conversation_id: ConversationId,
    body: ConversationMessageSend,
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
) -> Response:
    """Send a message to a conversation you are in: a group, or a direct one. The same
    sequence, idempotency and answers as POST /messages."""
    command = service.SendMessage(
        sender_id=viewer.id,
        recipient_id=None,
        content=body.content or "",
        client_message_id=body.client_message_id,
        post_id=_optional_id(body.post_id),
        media_id=_optional_id(body.media_id),
        conversation_id=conversation_id,
    )
    return _answer(await service.send_message(context, command, url_for))


def _optional_id(value: str | None) -> int | None:
    return int(value) if value is not None else None


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


@router.post(
    "/conversations",
    status_code=201,
    response_model=ConversationOut,
    dependencies=[verified_email_required, rate_limited("messages")],
)
async def create_group(
    body: GroupCreate, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """Start a group with 2 to 31 people you may message (you are its admin): it opens
    with a message saying so, in the inbox of those who follow you, under requests for
    the others."""
    conversation = await service.create_group(
        context, viewer.id, [int(user_id) for user_id in body.member_ids], body.name, url_for
    )
    return json_response(conversation, 201)


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


@router.patch("/conversations/{conversation_id}", response_model=ConversationOut)
async def rename_group(
    conversation_id: ConversationId,
    body: ConversationChange,
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
) -> Response:
    """Name a group (any member; null or "" takes the name away)."""
    conversation = await service.rename(context, viewer.id, conversation_id, body.name, url_for)
    return json_response(conversation)


@router.post("/conversations/{conversation_id}/members", response_model=ConversationOut)
async def add_members(
    conversation_id: ConversationId,
    body: MembersAdd,
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
) -> Response:
    """Add people you may message to a group you are in (up to 32 members in all)."""
    user_ids = [int(user_id) for user_id in body.user_ids]
    conversation = await service.add_members(context, viewer.id, conversation_id, user_ids, url_for)
    return json_response(conversation)


@router.delete("/conversations/{conversation_id}/members", status_code=204)
async def remove_member(
    conversation_id: ConversationId,
    body: MemberRemove,
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
) -> Response:
    """Leave a group (your own id), or remove someone from it (its admin)."""
    await service.remove_member(context, viewer.id, conversation_id, int(body.user_id), url_for)
    return Response(status_code=204)


@router.delete("/conversations/{conversation_id}/members/{user_id}", status_code=204)
async def remove_member_by_path(
    conversation_id: ConversationId,
    user_id: UserId,
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
) -> Response:
    """The same as DELETE /conversations/{id}/members {user_id}."""
    await service.remove_member(context, viewer.id, conversation_id, user_id, url_for)
    return Response(status_code=204)


@router.get("/messages/{message_id}", response_model=MessageOut)
async def get_message(
    message_id: MessageId, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """One message of a conversation you are in (fresh links to its photo or video)."""
    async with context.db.read() as conn:
        return json_response(await service.get_message(conn, viewer.id, message_id, url_for))


@router.delete("/messages/{message_id}", status_code=204)
async def unsend(message_id: MessageId, viewer: CurrentUser, context: Context) -> Response:
    """Unsend your message for everyone: only its place in the sequence stays."""
    await service.unsend(context, viewer.id, message_id)
    return Response(status_code=204)


@router.put("/messages/{message_id}/reaction", response_model=ReactionsOut)
async def react(
    message_id: MessageId, body: ReactionPut, viewer: CurrentUser, context: Context
) -> Response:
    """React with one emoji (replacing your reaction); answers the message's reactions."""
    return json_response(await service.react(context, viewer.id, message_id, body.emoji))


@router.delete("/messages/{message_id}/reaction", status_code=204)
async def unreact(message_id: MessageId, viewer: CurrentUser, context: Context) -> Response:
    """Take your reaction back."""
    await service.react(context, viewer.id, message_id, None)
    return Response(status_code=204)
