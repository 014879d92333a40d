"""The holiday table: admins read and change it (router); agents see only whether it covers the booking window
(coverage_router), which the requests page warns about."""

import datetime as dt

from fastapi import APIRouter, Path, Query, status

from api.db import SessionDep
from api.holidays import flows, service
from api.holidays.schemas import CoverageRead, DayRead, DaysCreate, DayUpdate, HolidayTableRead
from api.staff.dependencies import CurrentStaff
from govchat import calendar

router = APIRouter()
coverage_router = APIRouter()

Year = Path(ge=service.YEARS.start, lt=service.YEARS.stop)


@coverage_router.get("/coverage", response_model=CoverageRead, summary="节假日表是否覆盖可预约的日期")
def coverage(session: SessionDep) -> CoverageRead:
    return CoverageRead.of(service.uncovered_years(session=session, at=calendar.now()))


@router.get("", response_model=HolidayTableRead, summary="节假日表：覆盖的年份与条目")
def read_table(
    session: SessionDep, year: int | None = Query(default=None, ge=service.YEARS.start, lt=service.YEARS.stop)
) -> HolidayTableRead:
    days = [DayRead.model_validate(row) for row in service.list_days(session=session, year=year)]
    uncovered = CoverageRead.of(service.uncovered_years(session=session, at=calendar.now()))
    return HolidayTableRead(years=service.covered_years(session=session), days=days, **uncovered.model_dump())


@router.post("/days", response_model=list[DayRead], status_code=status.HTTP_201_CREATED,
             summary="添加节假日或调休上班日（一天或一段）")
def add_days(body: DaysCreate, staff: CurrentStaff, session: SessionDep) -> list[DayRead]:
    return [DayRead.model_validate(row) for row in flows.add_days(session=session, staff=staff, data=body)]


@router.put("/days/{day}", response_model=DayRead, summary="修改一天的类别或名称")
def update_day(day: dt.date, body: DayUpdate, staff: CurrentStaff, session: SessionDep) -> DayRead:
    return DayRead.model_validate(flows.update_day(session=session, staff=staff, day=day, data=body))


@router.delete("/days/{day}", status_code=status.HTTP_204_NO_CONTENT, summary="删除一天")
def remove_day(day: dt.date, staff: CurrentStaff, session: SessionDep) -> None:
    flows.remove_day(session=session, staff=staff, day=day)


@router.put("/years/{year}", status_code=status.HTTP_204_NO_CONTENT, summary="标记某年已按通知填写完整")
def cover_year(staff: CurrentStaff, session: SessionDep, year: int = Year) -> None:
    flows.cover_year(session=session, staff=staff, year=year)


@router.delete("/years/{year}", status_code=status.HTTP_204_NO_CONTENT, summary="取消某年的覆盖标记")
def uncover_year(staff: CurrentStaff, session: SessionDep, year: int = Year) -> None:
    flows.uncover_year(session=session, staff=staff, year=year)
