"""Request and response models for direct messages and conversations."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from shutter.pagination import MAX_ID
from shutter.textfields import Paragraph
from shutter.users.schemas import AuthorOut

CONTENT_MAX = 1000


def _id_in_range(value: str) -> str:
    if int(value) > MAX_ID:
        raise ValueError("not an id")  # ids are 64-bit; larger would overflow SQL
    return value


Content = Annotated[
    str,
    Paragraph(min_length=1, max_length=CONTENT_MAX),
    Field(
        description=f"1 to {CONTENT_MAX} characters, not blank, no control characters "
        "other than newline and tab"
    ),
]
ClientMessageId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$"),
    Field(
        description="the client's own id for this message (1-64 of A-Z a-z 0-9 _ -): "
        "sending again with it stores nothing twice"
    ),
]
EntityId = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$"), AfterValidator(_id_in_range)]


class MessageSend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipient_id: EntityId
    content: Content
    client_message_id: ClientMessageId
    post_id: EntityId | None = Field(None, description="a post to share; you must see it")


class StoryReplySend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: Content
    client_message_id: ClientMessageId


class ReadReceipt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    up_to_seq: int = Field(ge=0, le=MAX_ID, description="clamped to the conversation's last seq")


class MessageSent(BaseModel):
    message_id: str
    conversation_id: str
    seq: int
    sent_at: str


class SharedPostOut(BaseModel):
    id: str
    available: bool = Field(description="false when the reader may no longer see it")
    author: AuthorOut | None = None
    thumb_url: str | None = None


class StoryRefOut(BaseModel):
    id: str
    available: bool = Field(description="false once expired, deleted or hidden from the reader")
    thumb_url: str | None = None


class MessageOut(BaseModel):
    id: str
    conversation_id: str
    seq: int
    sender_id: str
    client_message_id: str
    content: str
    post: SharedPostOut | None
    story: StoryRefOut | None
    sent_at: str


class ConversationOut(BaseModel):
    id: str
    other_user: AuthorOut
    folder: str = Field(description="inbox, or requests until accepted")
    last_seq: int
    read_seq: int = Field(description="how far you have read")
    other_read_seq: int = Field(description="how far the other person has read")
    unread_count: int
    last_message: MessageOut | None


class ConversationPage(BaseModel):
    conversations: list[ConversationOut]
    next_cursor: str | None


class MessagePage(BaseModel):
    messages: list[MessageOut] = Field(description="ascending by seq")
    last_seq: int
    has_more: bool = Field(
        description="more messages beyond this page in the direction asked (after or before)"
    )


class ReadState(BaseModel):
    read_seq: int
    unread_count: int


class UnreadCount(BaseModel):
    unread_count: int = Field(description="inbox conversations with unread messages")
    unread_messages: int = Field(description="unread messages across the inbox")
    request_count: int = Field(description="conversations waiting in the requests folder")
