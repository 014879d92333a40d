from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.conversations.models import ConversationState


class Button(BaseModel):
    title: str
    payload: str


class Source(BaseModel):
    """The guide a message's facts come from, so every answer is auditable."""

    guide_id: str
    title: str
    section: str | None = None
    url: str | None = None


class ChatSession(BaseModel):
    session_id: str


class ChatRequest(BaseModel):
    session_id: str = Field(
        min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]+$", description="由 POST /chat/sessions 签发"
    )
    # The configured limit (GOVCHAT_MAX_MESSAGE_CHARS) is checked in the service, which tells the citizen both
    # numbers; the request body itself is capped by the app (api.main.MAX_BODY_BYTES).
    text: str


class ChatMessage(BaseModel):
    id: int | None = None
    role: Literal["bot", "staff", "system"] = "bot"
    text: str
    buttons: list[Button] | None = None
    source: Source | None = None
    sender: str | None = None  # a staff message: the agent's display name or 工号, shown instead of "人工客服"
    created_at: datetime | None = None


class ChatResponse(BaseModel):
    session_id: str
    messages: list[ChatMessage]
    # bot: the assistant answers; waiting/human: staff will take or have taken over, and their replies arrive
    # through GET /api/v1/chat/{session_id}/messages.
    state: ConversationState = ConversationState.BOT
    # Messages may arrive unasked (staff replies, status notices of an open request): keep the event stream open.
    listen: bool = False


class MessagesPage(BaseModel):
    session_id: str
    messages: list[ChatMessage]
    state: ConversationState
    listen: bool = False
