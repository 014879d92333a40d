import datetime as dt
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, utcnow


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"  # 已提交
    ACCEPTED = "accepted"  # 已受理
    IN_PROGRESS = "in_progress"  # 办理中
    COMPLETED = "completed"  # 已办结
    REJECTED = "rejected"  # 不予受理
    CANCELLED = "cancelled"  # 已取消


class HandlingMode(StrEnum):
    ONLINE = "online"  # 网上办理
    WINDOW = "window"  # 窗口办理 (with an appointment)


class ServiceRequest(Base):
    """One citizen's request. ID number and phone are stored because staff need them to handle it;
    they are masked in every log line and listing (govchat.masking)."""

    __tablename__ = "service_requests"
    __table_args__ = (
        CheckConstraint(
            "mode = 'online' OR slot_id IS NOT NULL", name="ck_service_requests_window_has_slot"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(24), unique=True)
    # The client's Idempotency-Key: a repeated confirmation finds this row instead of creating another.
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    # Hash of the submitted contents, so a key reused for different contents is refused, not silently merged.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # The chat session that created it (status notices go back there); None when created elsewhere.
    session_id: Mapped[str | None] = mapped_column(String(128), index=True, default=None)
    guide_id: Mapped[str] = mapped_column(String(64))
    service_title: Mapped[str] = mapped_column(String(200))
    # The guide's department, which handles the request (each item of a bundle has its own).
    department: Mapped[str | None] = mapped_column(String(50), default=None)
    # Set for the items of a bundle request (one application for a life event, api/bundle_requests): they share its
    # applicant, consent and appointment and are handled and tracked one by one.
    bundle_id: Mapped[int | None] = mapped_column(
        ForeignKey("bundle_requests.id"), default=None, index=True
    )
    # The facts the life event asks of this service alone (knowledge.schema.OwnFact): key -> {question, value}.
    facts: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    applicant_name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str] = mapped_column(String(11))
    mode: Mapped[HandlingMode] = mapped_column(String(16))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_slots.id"), default=None, index=True)
    materials_confirmed: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime] = mapped_column()
    status: Mapped[RequestStatus] = mapped_column(String(16), default=RequestStatus.SUBMITTED, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Set by the retention job (api/retention) when name, ID number, phone and free text were masked for good;
    # the row stays for statistics, and the tracking lookup answers that it can no longer verify the applicant.
    anonymised_at: Mapped[datetime | None] = mapped_column(default=None)

    slot: Mapped["AppointmentSlot | None"] = relationship(lazy="joined")
    history: Mapped[list["StatusChange"]] = relationship(
        back_populates="request", order_by="StatusChange.id", cascade="all, delete-orphan"
    )


class StatusChange(Base):
    """Every change of a request's status: when, who, why. The first row is the submission itself."""

    __tablename__ = "service_request_status_changes"
    __table_args__ = (Index("ix_sr_status_changes_unnotified", "request_id", "notified_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    from_status: Mapped[RequestStatus | None] = mapped_column(String(16), default=None)
    to_status: Mapped[RequestStatus] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))  # "citizen", "staff:<id>", "system"
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once the citizen has been told in the chat; changes the citizen made need no notice.
    notified_at: Mapped[datetime | None] = mapped_column(default=None)

    request: Mapped[ServiceRequest] = relationship(back_populates="history")


class AppointmentSlot(Base):
    """One bookable period at one office on one day. Rows are created when first booked;
    ``booked <= capacity`` is kept by a conditional UPDATE (see service.book_slot)."""

    __tablename__ = "appointment_slots"
    __table_args__ = (
        UniqueConstraint("office", "day", "period", name="uq_appointment_slots_office_day_period"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_appointment_slots_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(100))
    day: Mapped[dt.date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(11))  # "09:00-10:00"
    capacity: Mapped[int] = mapped_column()
    booked: Mapped[int] = mapped_column(default=0)
