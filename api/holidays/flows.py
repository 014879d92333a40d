"""Changes to the holiday table with their audit events, in one transaction."""

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from api.holidays import service
from api.holidays.models import CalendarDay
from api.holidays.schemas import DayRead, DaysCreate, DayUpdate
from api.staff import service as staff_service
from api.staff.dependencies import StaffContext


def _read(row: CalendarDay) -> dict[str, Any]:
    return DayRead.model_validate(row).model_dump(mode="json", exclude={"day"})


def _audit(*, session: Session, staff: StaffContext, action: str, target: object, detail: dict[str, Any]) -> None:
    staff_service.record(session=session, actor=staff.user, action=action, target_type="holiday", target_id=target,
                         detail=detail, ip=staff.ip)


def add_days(*, session: Session, staff: StaffContext, data: DaysCreate) -> list[CalendarDay]:
    rows = service.add_days(session=session, first=data.first, last=data.last, kind=data.kind, name=data.name)
    target = f"{rows[0].day}..{rows[-1].day}" if len(rows) > 1 else rows[0].day
    _audit(session=session, staff=staff, action="holiday_add", target=target, detail=_read(rows[0]))
    return rows


def update_day(*, session: Session, staff: StaffContext, day: dt.date, data: DayUpdate) -> CalendarDay:
    before = _read(service.get_day(session=session, day=day))
    row = service.update_day(session=session, day=day, kind=data.kind, name=data.name)
    _audit(session=session, staff=staff, action="holiday_update", target=day,
           detail={"before": before, "after": _read(row)})
    return row


def remove_day(*, session: Session, staff: StaffContext, day: dt.date) -> None:
    row = service.remove_day(session=session, day=day)
    _audit(session=session, staff=staff, action="holiday_remove", target=day, detail=_read(row))


def cover_year(*, session: Session, staff: StaffContext, year: int) -> None:
    service.cover_year(session=session, year=year)
    _audit(session=session, staff=staff, action="holiday_year_add", target=year, detail={})


def uncover_year(*, session: Session, staff: StaffContext, year: int) -> None:
    service.uncover_year(session=session, year=year)
    _audit(session=session, staff=staff, action="holiday_year_remove", target=year, detail={})
