from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.staff.models import StaffRole


class LoginRequest(BaseModel):
    # One printable word: a name with a line break is no account's and must not reach the audit log.
    username: str = Field(min_length=1, max_length=64, pattern=r"^[^\s\x00-\x1f\x7f-\x9f]+$")
    password: str = Field(min_length=1, max_length=256)


class StaffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: StaffRole
    department: str | None = None
    active: bool
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    created_at: datetime


class Me(BaseModel):
    staff: StaffRead
    csrf_token: str
    expires_at: datetime


class StaffCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    display_name: str = Field(default="", max_length=64)
    role: StaffRole
    department: str | None = Field(default=None, max_length=50)  # none: every department
    password: str = Field(min_length=1, max_length=256)


class StaffUpdate(BaseModel):
    display_name: str | None = Field(default=None, max_length=64)
    role: StaffRole | None = None
    department: str | None = Field(default=None, max_length=50)  # "" : every department
    active: bool | None = None
    password: str | None = Field(default=None, max_length=256)
    unlock: bool = False


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    staff_id: int | None
    username: str
    action: str
    target_type: str | None
    target_id: str | None
    reason: str | None
    detail: dict[str, Any] | None
    ip: str | None


class AuditPage(BaseModel):
    items: list[AuditRead]
    total: int
