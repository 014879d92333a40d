from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, utcnow
from api.service_requests.models import AppointmentSlot, ServiceRequest


class BundleRequest(Base):
    """One application for several services of a life event, under one tracking number.

    Each service is an ordinary ``ServiceRequest`` item (``bundle_id``) with its own department, status and history,
    so staff handle it, and the chat reports its changes, exactly as a single request. The applicant's personal data
    lives on the items only, where the retention job already anonymises it; the bundle keeps what they share.
    """

    __tablename__ = "bundle_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(24), unique=True)
    # Same rules as a single request: a repeated confirmation finds this row; other contents under it are refused.
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str | None] = mapped_column(String(128), index=True, default=None)
    life_event_id: Mapped[str] = mapped_column(String(64), index=True)
    event_title: Mapped[str] = mapped_column(String(200))
    # The one appointment at the event's one window, shared by every item that needs a visit.
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_slots.id"), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    slot: Mapped[AppointmentSlot | None] = relationship(lazy="joined")
    items: Mapped[list[ServiceRequest]] = relationship(
        order_by=ServiceRequest.id, cascade="all, delete-orphan"
    )
