from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, utcnow


class ConversationState(StrEnum):
    BOT = "bot"  # the assistant answers
    WAITING = "waiting"  # handed over, waiting for a staff member to claim it
    HUMAN = "human"  # a staff member holds it; the assistant stays silent
    CLOSED = "closed"


class Role(StrEnum):
    CITIZEN = "citizen"
    BOT = "bot"
    STAFF = "staff"
    SYSTEM = "system"


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(128), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="web")
    # WeChat openid or another channel user id; None for anonymous web sessions.
    user_ref: Mapped[str | None] = mapped_column(String(128), default=None)
    state: Mapped[ConversationState] = mapped_column(String(16), default=ConversationState.BOT)
    assigned_staff_id: Mapped[int | None] = mapped_column(default=None)
    handover_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set once the citizen gave personal data (a service request); retention treats it differently.
    identified: Mapped[bool] = mapped_column(default=False)
    callback_phone: Mapped[str | None] = mapped_column(String(20), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    messages: Mapped[list["Message"]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )


class Message(Base):
    """One utterance. Bot messages carry what the assistant understood and which guide answered."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    buttons: Mapped[list[Any] | None] = mapped_column(default=None)
    source: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # NLU of a citizen message: intent, confidence, entities.
    intent: Mapped[str | None] = mapped_column(String(64), default=None)
    # A citizen message: NLU's confidence in the intent; a bot turn: the search's confidence (govchat.turn).
    confidence: Mapped[float | None] = mapped_column(default=None)
    entities: Mapped[list[Any] | None] = mapped_column(default=None)
    # Retrieval facts of a bot turn (govchat.turn.TurnFacts).
    guide_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    section: Mapped[str | None] = mapped_column(String(32), default=None)
    score: Mapped[float | None] = mapped_column(default=None)
    decision: Mapped[str | None] = mapped_column(String(16), default=None)
    aspect: Mapped[str | None] = mapped_column(String(32), default=None)
    # The life event whose checklist the turn showed or answered on (docs/life-events.md, "Analytics").
    life_event: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    fell_back: Mapped[bool] = mapped_column(default=False)
    handed_over: Mapped[bool] = mapped_column(default=False)
    latency_ms: Mapped[int | None] = mapped_column(default=None)
    staff_id: Mapped[int | None] = mapped_column(default=None)
    # A staff message: the agent's display name (or 工号) as the citizen saw it when it was sent.
    sender_name: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
