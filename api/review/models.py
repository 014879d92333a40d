from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, utcnow


class Verdict(StrEnum):
    CORRECT = "correct"
    WRONG = "wrong"


class Annotation(Base):
    """A reviewer's judgement of one assistant answer: right or wrong, which guide should have answered, tags."""

    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[Verdict | None] = mapped_column(String(16), default=None)
    expected_guide_id: Mapped[str | None] = mapped_column(String(64), default=None)
    expected_intent: Mapped[str | None] = mapped_column(String(64), default=None)
    tags: Mapped[list[Any] | None] = mapped_column(default=None)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    staff_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
