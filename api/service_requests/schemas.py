import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from api.service_requests.models import RequestStatus, ServiceRequest, StatusChange
from govchat.masking import mask_id_number, mask_name, mask_phone

STATUS_LABELS: dict[str, str] = {
    RequestStatus.SUBMITTED: "已提交，等待受理",
    RequestStatus.ACCEPTED: "已受理",
    RequestStatus.IN_PROGRESS: "办理中",
    RequestStatus.COMPLETED: "已办结",
    RequestStatus.REJECTED: "不予受理",
    RequestStatus.CANCELLED: "已取消",
}
MODE_LABELS = {"online": "网上办理", "window": "窗口办理"}


class ServiceRequestCreate(BaseModel):
    """What the form collected. Lengths here only cap the parser; the service checks each field and says,
    in Chinese, what is wrong."""

    session_id: str | None = Field(default=None, max_length=128)
    guide_id: str = Field(min_length=1, max_length=64)
    applicant_name: str = Field(max_length=200)
    id_number: str = Field(max_length=64)
    phone: str = Field(max_length=64)
    mode: Literal["online", "window"]
    office: str | None = Field(default=None, max_length=200)
    day: dt.date | None = None
    period: str | None = Field(default=None, max_length=20)
    materials_confirmed: bool
    consent: bool


class Verification(BaseModel):
    """A tracking number and the applicant's birth date (YYYYMMDD, or 1990-1-1, 1990年1月1日)."""

    tracking_no: str = Field(min_length=1, max_length=40)
    verifier: str = Field(min_length=1, max_length=20)


class CancelRequest(BaseModel):
    verifier: str = Field(min_length=1, max_length=20)
    reason: str | None = Field(default=None, max_length=500)


class StatusChangeRead(BaseModel):
    status: str
    label: str
    by: Literal["申请人", "工作人员", "系统"]
    reason: str | None
    at: dt.datetime

    @classmethod
    def from_model(cls, change: StatusChange) -> "StatusChangeRead":
        by: Literal["申请人", "工作人员", "系统"] = (
            "申请人" if change.actor == "citizen" else "工作人员" if change.actor.startswith("staff") else "系统"
        )
        return cls(
            status=change.to_status, label=STATUS_LABELS[change.to_status], by=by,
            reason=change.reason, at=change.created_at,
        )


class ServiceRequestRead(BaseModel):
    """A request as the citizen (through the actions) and staff listings see it: personal data masked."""

    tracking_no: str
    status: str
    status_label: str
    guide_id: str
    service_title: str
    department: str | None = None  # the guide's department, which handles it
    applicant_name: str
    id_number: str
    phone: str
    mode: str
    mode_label: str
    office: str | None
    day: dt.date | None
    period: str | None
    created_at: dt.datetime
    # When the retention job removed the applicant's personal data (then name, ID number and phone are all masks).
    anonymised_at: dt.datetime | None = None
    history: list[StatusChangeRead]

    @classmethod
    def from_model(cls, request: ServiceRequest) -> "ServiceRequestRead":
        slot = request.slot
        return cls(
            tracking_no=request.tracking_no,
            status=request.status,
            status_label=STATUS_LABELS[request.status],
            guide_id=request.guide_id,
            service_title=request.service_title,
            department=request.department,
            applicant_name=mask_name(request.applicant_name),
            id_number=mask_id_number(request.id_number),
            phone=mask_phone(request.phone),
            mode=request.mode,
            mode_label=MODE_LABELS[request.mode],
            office=slot.office if slot else None,
            day=slot.day if slot else None,
            period=slot.period if slot else None,
            created_at=request.created_at,
            anonymised_at=request.anonymised_at,
            history=[StatusChangeRead.from_model(c) for c in request.history],
        )


class SessionRequestRead(ServiceRequestRead):
    """A request as the conversation that made it sees it: also whether it can be rated now (finished, not yet
    rated), so the status answer offers the 好差评 buttons only when they would work."""

    ratable: bool


class SessionRequestPage(BaseModel):
    session_id: str
    requests: list[SessionRequestRead]


class SlotRead(BaseModel):
    day: dt.date
    period: str
    remaining: int


class SlotPage(BaseModel):
    office: str
    slots: list[SlotRead]
