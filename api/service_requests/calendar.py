"""Working days and appointment periods of the service halls.

Statutory holidays and the weekend days made working days (调休) change every year with the State Council's
notice; the tables below must be kept up to date by the deployment (示例数据，以国务院办公厅通知为准).
"""

import datetime as dt
from zoneinfo import ZoneInfo

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

HOLIDAYS: frozenset[dt.date] = frozenset(
    [dt.date(2026, 1, d) for d in (1, 2, 3)]
    + [dt.date(2026, 2, d) for d in range(15, 24)]
    + [dt.date(2026, 4, d) for d in (4, 5, 6)]
    + [dt.date(2026, 5, d) for d in range(1, 6)]
    + [dt.date(2026, 6, d) for d in (19, 20, 21)]
    + [dt.date(2026, 9, d) for d in (25, 26, 27)]
    + [dt.date(2026, 10, d) for d in range(1, 8)]
    + [dt.date(2027, 1, 1)]
)
EXTRA_WORKDAYS: frozenset[dt.date] = frozenset(
    [dt.date(2026, 1, 4), dt.date(2026, 2, 14), dt.date(2026, 2, 28), dt.date(2026, 5, 9),
     dt.date(2026, 9, 20), dt.date(2026, 10, 10)]
)


def now() -> dt.datetime:
    return dt.datetime.now(TZ)


def is_working_day(day: dt.date) -> bool:
    if day in EXTRA_WORKDAYS:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS


def period_start(day: dt.date, period: str) -> dt.datetime:
    hour, minute = (int(x) for x in period[:5].split(":"))
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def bookable_days(*, at: dt.datetime, days_ahead: int = BOOKING_DAYS_AHEAD) -> list[dt.date]:
    """Working days from tomorrow on (same-day bookings go through the hall's own queue)."""
    today = at.astimezone(TZ).date()
    return [
        today + dt.timedelta(days=n)
        for n in range(1, days_ahead + 1)
        if is_working_day(today + dt.timedelta(days=n))
    ]
