from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, utcnow


class RatingLevel(StrEnum):
    VERY_SATISFIED = "非常满意"
    SATISFIED = "满意"
    BASICALLY_SATISFIED = "基本满意"
    DISSATISFIED = "不满意"
    VERY_DISSATISFIED = "非常不满意"


SCORES: dict[RatingLevel, int] = {
    RatingLevel.VERY_SATISFIED: 5,
    RatingLevel.SATISFIED: 4,
    RatingLevel.BASICALLY_SATISFIED: 3,
    RatingLevel.DISSATISFIED: 2,
    RatingLevel.VERY_DISSATISFIED: 1,
}
FOLLOW_UP_LEVELS = frozenset({RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED})
# Exactly one target, in SQL both SQLite and PostgreSQL accept (PostgreSQL adds no booleans).
ONE_TARGET = (
    "(CASE WHEN conversation_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN request_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN bundle_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class Rating(Base):
    """One rating, of one conversation, one request or one bundle request (the whole of a life event's application;
    its items are rated as requests): the unique columns make a second one impossible."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint(ONE_TARGET, name="ck_ratings_one_target"),
        CheckConstraint("score BETWEEN 1 AND 5", name="ck_ratings_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True, default=None
    )
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), unique=True, default=None
    )
    bundle_id: Mapped[int | None] = mapped_column(
        ForeignKey("bundle_requests.id", ondelete="CASCADE"), unique=True, default=None
    )
    level: Mapped[RatingLevel] = mapped_column(String(8))
    score: Mapped[int] = mapped_column()
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    # 不满意 / 非常不满意: staff must follow up (回访) and record when and who.
    needs_follow_up: Mapped[bool] = mapped_column(default=False, index=True)
    followed_up_at: Mapped[datetime | None] = mapped_column(default=None)
    followed_up_by: Mapped[str | None] = mapped_column(String(64), default=None)
    follow_up_note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
