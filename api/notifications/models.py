from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, utcnow
from govchat.subscribe import SubscribeKind


class SubscribeGrant(Base):
    """One answer of the citizen to wx.requestSubscribeMessage for one template: accepted, it allows exactly one
    message (WeChat's one-time subscription); declined, the mini-program does not ask again for this request."""

    __tablename__ = "subscribe_grants"
    __table_args__ = (Index("ix_subscribe_grants_unused", "kind", "used_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SubscribeKind] = mapped_column(String(16))
    template_id: Mapped[str] = mapped_column(String(128))
    # Deleted with the grant a day after the request ended (api/notifications/flows.py).
    openid: Mapped[str] = mapped_column(String(128))
    accepted: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class SubscribeMessage(Base):
    """A message claimed for sending. The unique key ("status:<change id>", "reminder:<request id>:<day>",
    "ready:<request id>") is the claim: whichever gateway inserts it first sends, no other one ever does, before or
    after a restart. WeChat has no idempotency key, so a crash between claim and send loses that message rather than
    risk sending it twice; it stays "claimed" for the logs."""

    __tablename__ = "subscribe_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SubscribeKind] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="claimed")  # claimed, sent, failed
    errcode: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
