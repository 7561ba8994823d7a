"""Request and response models for direct messages and conversations."""

from __future__ import annotations

from typing import Annotated, Literal

import regex
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from shutter.media.schemas import MediaOut
from shutter.pagination import MAX_ID
from shutter.textfields import Line, Paragraph
from shutter.users.schemas import AuthorOut

CONTENT_MAX = 1000
GROUP_NAME_MAX = 100
GROUP_MAX_MEMBERS = 32  # you included
REACTION_MAX_BYTES = 32  # UTF-8: a family of four or a subdivision flag still fits
REACTION_MAX_CHARS = 16
# One emoji as UTS #51 spells them: a flag (two regional indicators), a keycap, or
# pictographs with an optional presentation selector or skin tone, tag sequences (the
# flags of England, Scotland, Wales), joined by zero-width joiners.
_EMOJI = regex.compile(
    r"\p{Regional_Indicator}{2}"
    r"|[0-9#*]\uFE0F?\u20E3"
    r"|\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?(?:[\U000E0020-\U000E007E]+\U000E007F)?"
    r"(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?)*"
)
_GRAPHEME = regex.compile(r"\X")


def _id_in_range(value: str) -> str:
    if int(value) > MAX_ID:
        raise ValueError("not an id")  # ids are 64-bit; larger would overflow SQL
    return value


def _one_emoji(value: str) -> str:
    if (
        len(value.encode()) > REACTION_MAX_BYTES
        or _GRAPHEME.fullmatch(value) is None
        or _EMOJI.fullmatch(value) is None
    ):
        raise ValueError("must be a single emoji")
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


class _Sending(BaseModel):
    """What every send carries: words, a photo or video, or both."""

    model_config = ConfigDict(extra="forbid")

    content: Content | None = None
    media_id: EntityId | None = Field(
        None, description="your own ready photo or video (POST /media), not used elsewhere"
    )
    client_message_id: ClientMessageId
    post_id: EntityId | None = Field(None, description="a post to share; you must see it")

    @model_validator(mode="after")
    def _something_to_send(self) -> _Sending:
        if self.content is None and self.media_id is None:
            raise ValueError("send content, media_id or both")
        return self


class MessageSend(_Sending):
    recipient_id: EntityId


class ConversationMessageSend(_Sending):
    """A message to a conversation you are in (a group or a direct one)."""


class StoryReplySend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: Content
    client_message_id: ClientMessageId


GroupName = Annotated[
    str,
    Line(max_length=GROUP_NAME_MAX, strip=True),
    Field(description=f"at most {GROUP_NAME_MAX} characters on one line; empty: no name"),
]
UserIds = Annotated[
    list[EntityId],
    Field(min_length=1, max_length=GROUP_MAX_MEMBERS - 1, description="account ids"),
]


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_ids: UserIds = Field(
        description=f"2 to {GROUP_MAX_MEMBERS - 1} other people (you are the admin)"
    )
    name: GroupName | None = None


class MembersAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_ids: UserIds


class MemberRemove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: EntityId


class ConversationChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: GroupName | None = Field(description="the new name; null or empty removes it")


class ReactionPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emoji: Annotated[
        str,
        StringConstraints(min_length=1, max_length=REACTION_MAX_CHARS),
        AfterValidator(_one_emoji),
        Field(description=f"one emoji (a single grapheme, at most {REACTION_MAX_BYTES} bytes)"),
    ]


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


class SystemEventOut(BaseModel):
    action: Literal["added", "removed", "left", "renamed"]
    users: list[AuthorOut] = Field(description="who was added, removed or left")
    name: str | None = Field(None, description="the group's name after a rename")


class ReactionOut(BaseModel):
    user_id: str
    emoji: str


class MessageOut(BaseModel):
    id: str
    conversation_id: str
    seq: int
    sender_id: str
    sender: AuthorOut
    client_message_id: str
    content: str = Field(description="empty when the message is only a photo, or unsent")
    post: SharedPostOut | None
    story: StoryRefOut | None
    media: MediaOut | None = Field(
        description="a photo or video; its URLs expire within the hour (fetch again)"
    )
    system: SystemEventOut | None = Field(
        description="a group's membership change or rename, written by the server"
    )
    unsent: bool = Field(description="unsent by its sender: nothing of it is left")
    reactions: list[ReactionOut] = Field(description="one emoji per member, oldest first")
    sent_at: str


class MemberOut(BaseModel):
    user: AuthorOut
    role: Literal["admin", "member"]
    read_seq: int = Field(description="how far this member has read")


class ConversationOut(BaseModel):
    id: str
    kind: Literal["direct", "group"]
    name: str | None = Field(description="a group's name (null: none, and for direct ones)")
    other_user: AuthorOut | None = Field(description="the other person; null for a group")
    members: list[MemberOut] = Field(description="everyone in it, you included")
    folder: str = Field(description="inbox, or requests until accepted")
    last_seq: int
    read_seq: int = Field(description="how far you have read")
    other_read_seq: int = Field(
        description="how far the other person has read (a group: every other member)"
    )
    unread_count: int
    last_message: MessageOut | None


class ReactionsOut(BaseModel):
    message_id: str
    reactions: list[ReactionOut]


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
