from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

WaitLevel = Literal["green", "amber", "red"]


class InboxItem(BaseModel):
    id: int  # no session id: it is the citizen's credential for /chat/{session_id}
    channel: str
    state: str
    handover_requested_at: datetime | None
    waiting_seconds: int | None
    wait_level: WaitLevel | None  # waiting conversations only; thresholds: GOVCHAT_HANDOVER_WAIT_SECONDS
    assigned_staff_id: int | None
    assigned_staff_name: str | None
    callback_phone: str | None  # masked
    question: str  # masked; the citizen's latest message that is not a request for a person
    message_count: int


class Inbox(BaseModel):
    office_open: bool
    office_hours: str
    alert_after_seconds: int  # a waiting conversation this old turns red and alerts the console
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


class TransferRequest(BaseModel):
    staff_id: int


class AgentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str


class NoteCreate(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class NoteRead(BaseModel):
    id: int
    text: str  # masked
    staff_name: str
    created_at: datetime


class CannedReplyWrite(BaseModel):
    title: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=2000)


class CannedReplyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    text: str
    updated_at: datetime


class GuideSection(BaseModel):
    section: str
    title: str  # the guide's Chinese section name (knowledge.aspects.SECTION_TITLES)
    text: str  # as the assistant answers it, ending with the source line
