"""One rule for times: stored and sent in UTC, shown in the office's time zone (GOVCHAT_OFFICE_TIMEZONE).

The database keeps UTC (SQLite hands it back without a zone, so naive means UTC), the API sends ISO 8601 with the
offset, and whatever a person reads (chat page, console, exports, analytics) is converted here or, in the browser,
with the zone the gateway puts into the page.
"""

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from govchat.settings import Settings, get_settings


@lru_cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def office_zone(settings: Settings | None = None) -> ZoneInfo:
    return zone((settings or get_settings()).office_timezone)


def as_utc(value: datetime) -> datetime:
    """Every time we store is UTC; SQLite returns it naive."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local(value: datetime, zone: ZoneInfo) -> datetime:
    return as_utc(value).astimezone(zone)


def local_text(value: datetime, zone: ZoneInfo) -> str:
    """For spreadsheets and CSV, which have no time zones: the office's wall-clock time."""
    return local(value, zone).strftime("%Y-%m-%d %H:%M:%S")


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone``: date filters are the office's days, not UTC's."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
