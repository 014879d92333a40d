from datetime import datetime

from pydantic import BaseModel, Field


class InboxItem(BaseModel):
    id: int  # no session id: it is the citizen's credential for /chat/{session_id}
    channel: str
    state: str
    handover_requested_at: datetime | None
    waiting_seconds: int | None
    assigned_staff_id: int | None
    assigned_staff_name: str | None
    callback_phone: str | None  # masked
    last_citizen_text: str  # masked
    message_count: int


class Inbox(BaseModel):
    office_open: bool
    office_hours: str
    waiting: list[InboxItem]
    in_progress: list[InboxItem]


class ReplyRequest(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class StaffMessage(BaseModel):
    id: int
    text: str
    created_at: datetime


class OfficeHoursStatus(BaseModel):
    open: bool
    office_hours: str
    next_open: datetime | None
    notice: str | None


class CallbackRequest(BaseModel):
    session_id: str = Field(min_length=1, max_length=128)
    phone: str = Field(min_length=1, max_length=20)


class CallbackAccepted(BaseModel):
    phone: str  # masked
    notice: str


class CallbackPhone(BaseModel):
    phone: str | None
