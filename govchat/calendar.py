"""Working days and appointment periods of the service halls.

Statutory holidays and the weekend days made working days (调休) change every year with the State Council's
notice, so they are data: the gateway's holiday table (api/holidays), which admins keep in the staff console and
the action server reads through the gateway. It is seeded once, by its migration, from holidays.yml beside this
module (示例数据，以国务院办公厅通知为准) or the deployment's own copy at GOVCHAT_HOLIDAYS_FILE.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel

from govchat.settings import Settings

logger = logging.getLogger(__name__)
SHIPPED_HOLIDAYS = Path(__file__).with_name("holidays.yml")

TZ = ZoneInfo("Asia/Shanghai")

# Office hours 9:00-12:00 and 13:00-17:00, as in the guides: one-hour periods.
PERIODS: tuple[str, ...] = (
    "09:00-10:00",
    "10:00-11:00",
    "11:00-12:00",
    "13:00-14:00",
    "14:00-15:00",
    "15:00-16:00",
    "16:00-17:00",
)
DEFAULT_CAPACITY = 5  # citizens per period and office unless staff set another capacity
BOOKING_DAYS_AHEAD = 14  # how far ahead a citizen can book


@dataclass(frozen=True)
class HolidayTable:
    years: frozenset[int]  # years covered in full
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # weekend days made working days (调休)


class BookingDay(BaseModel):
    """The gateway's answer about one day (GET /api/v1/service-requests/days/{day}), read by the action server to
    tell a citizen why a day has no free place: a day off, or beyond the booking window."""

    day: dt.date
    working: bool
    bookable: bool


class HolidayTableError(ValueError):
    pass


def load_holiday_table(path: Path) -> HolidayTable:
    """Read a holiday table (format in the shipped holidays.yml); errors name the file and the entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        years = frozenset(int(y) for y in data.get("years") or [])
        holidays = frozenset(day for entry in data.get("holidays") or [] for day in _days(entry))
        workdays = frozenset(day for entry in data.get("workdays") or [] for day in _days(entry))
    except (OSError, yaml.YAMLError, TypeError, ValueError) as exc:
        raise HolidayTableError(f"{path}: {exc}") from exc
    if both := sorted(holidays & workdays):
        raise HolidayTableError(f"{path}: both a holiday and a workday: {', '.join(map(str, both))}")
    if weekdays := sorted(d for d in workdays if not is_weekend(d)):
        raise HolidayTableError(f"{path}: workdays must be weekend days: {', '.join(map(str, weekdays))}")
    return HolidayTable(years=years, holidays=holidays, workdays=workdays)


def _days(entry: object) -> list[dt.date]:
    if isinstance(entry, dt.date):
        return [entry]
    first, sep, last = str(entry).partition("..")
    start = dt.date.fromisoformat(first.strip())
    end = dt.date.fromisoformat(last.strip()) if sep else start
    if end < start:
        raise ValueError(f"range ends before it starts: {entry}")
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def holidays_path(settings: Settings) -> Path:
    return settings.holidays_file or SHIPPED_HOLIDAYS


def is_weekend(day: dt.date) -> bool:
    """Only a weekend day can be made a working day (调休)."""
    return day.weekday() >= 5


@lru_cache
def _warn_uncovered(year: int) -> None:
    logger.warning(
        "the holiday table does not cover %d: only weekends count as days off there; add %d in the console (节假日)",
        year,
        year,
    )


def now() -> dt.datetime:
    """The one clock of bookings and working days; tests freeze it (tests/conftest.py), never the real date."""
    return dt.datetime.now(TZ)


def is_working_day(day: dt.date, table: HolidayTable) -> bool:
    if day.year not in table.years:
        _warn_uncovered(day.year)
    if day in table.workdays:
        return True
    return not is_weekend(day) and day not in table.holidays


def booking_window(*, at: dt.datetime, days_ahead: int = BOOKING_DAYS_AHEAD) -> list[dt.date]:
    """Every day from tomorrow on that a citizen may book if it is a working day (same-day bookings go through the
    hall's own queue)."""
    today = at.astimezone(TZ).date()
    return [today + dt.timedelta(days=n) for n in range(1, days_ahead + 1)]


def bookable_days(*, at: dt.datetime, table: HolidayTable, days_ahead: int = BOOKING_DAYS_AHEAD) -> list[dt.date]:
    return [day for day in booking_window(at=at, days_ahead=days_ahead) if is_working_day(day, table)]


def uncovered_years(*, at: dt.datetime, table: HolidayTable) -> list[int]:
    """Years the booking window reaches that the table does not cover: there only weekends are days off."""
    return sorted({day.year for day in booking_window(at=at)} - table.years)
