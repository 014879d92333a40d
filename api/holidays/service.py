"""The holiday table in the gateway's database: the one source of working days for every gateway replica and,
through the gateway's API, for the action server. Validated as govchat.calendar.load_holiday_table validates a file."""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.holidays.exceptions import DayAlreadyListed, DayNotListed, InvalidHoliday
from api.holidays.models import CalendarDay, CoveredYear, DayKind
from govchat import calendar

MAX_RANGE_DAYS = 31  # the longest holiday is about 9 days; a longer range is a typo in the year or month
YEARS = range(2000, 2100)


def table(*, session: Session) -> calendar.HolidayTable:
    rows = session.execute(select(CalendarDay.day, CalendarDay.kind)).all()
    return calendar.HolidayTable(
        years=frozenset(session.scalars(select(CoveredYear.year)).all()),
        holidays=frozenset(day for day, kind in rows if kind == DayKind.HOLIDAY),
        workdays=frozenset(day for day, kind in rows if kind == DayKind.WORKDAY),
    )


def uncovered_years(*, session: Session, at: dt.datetime) -> list[int]:
    return calendar.uncovered_years(at=at, table=table(session=session))


def covered_years(*, session: Session) -> list[int]:
    return list(session.scalars(select(CoveredYear.year).order_by(CoveredYear.year)).all())


def list_days(*, session: Session, year: int | None = None) -> list[CalendarDay]:
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
    return list(session.scalars(query).all())


def _check(day: dt.date, kind: DayKind) -> None:
    if day.year not in YEARS:
        raise InvalidHoliday(f"{day}不在可填写的年份范围内（{YEARS.start}–{YEARS.stop - 1}年）。")
    if kind == DayKind.WORKDAY and not calendar.is_weekend(day):
        raise InvalidHoliday(f"{day:%Y年%m月%d日}不是周末：调休上班日只能是周六或周日。")


def add_days(*, session: Session, first: dt.date, last: dt.date | None, kind: DayKind, name: str) -> list[CalendarDay]:
    last = last or first
    if last < first:
        raise InvalidHoliday("结束日期早于开始日期。")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise InvalidHoliday(f"一次最多填写{MAX_RANGE_DAYS}天，请检查年份和月份。")
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    for day in days:
        _check(day, kind)
    listed = session.scalars(select(CalendarDay.day).where(CalendarDay.day.in_(days))).all()
    if listed:
        raise DayAlreadyListed(_already_listed(listed))
    rows = [CalendarDay(day=day, kind=kind, name=name.strip()) for day in days]
    try:
        with session.begin_nested():  # another admin adding the same day at the same moment
            session.add_all(rows)
    except IntegrityError as exc:
        raise DayAlreadyListed(_already_listed(days)) from exc
    return rows


def _already_listed(days: Sequence[dt.date]) -> str:
    shown = "、".join(f"{day:%Y-%m-%d}" for day in sorted(days))
    return f"{shown}已在节假日表中（一个日期只能是节假日或调休上班日之一），请修改或删除原有条目。"


def get_day(*, session: Session, day: dt.date) -> CalendarDay:
    row = session.get(CalendarDay, day)
    if row is None:
        raise DayNotListed(f"{day}不在节假日表中。")
    return row


def update_day(*, session: Session, day: dt.date, kind: DayKind, name: str) -> CalendarDay:
    row = get_day(session=session, day=day)
    _check(day, kind)
    row.kind = kind
    row.name = name.strip()
    session.flush()
    return row


def remove_day(*, session: Session, day: dt.date) -> CalendarDay:
    row = get_day(session=session, day=day)
    session.delete(row)
    session.flush()
    return row


def cover_year(*, session: Session, year: int) -> None:
    if year not in YEARS:
        raise InvalidHoliday(f"年份须在{YEARS.start}–{YEARS.stop - 1}之间。")
    if session.get(CoveredYear, year) is None:
        session.add(CoveredYear(year=year))
        session.flush()


def uncover_year(*, session: Session, year: int) -> None:
    session.execute(delete(CoveredYear).where(CoveredYear.year == year))
