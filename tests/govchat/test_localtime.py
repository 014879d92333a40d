"""Times are stored and sent in UTC and shown in the office's time zone."""

from datetime import UTC, date, datetime, timedelta, timezone

from govchat import localtime
from govchat.settings import Settings

SHANGHAI = localtime.zone("Asia/Shanghai")


def test_naive_times_are_utc_and_shown_in_the_office_zone() -> None:
    naive = datetime(2026, 12, 3, 6, 39)  # what SQLite hands back
    assert localtime.as_utc(naive) == datetime(2026, 12, 3, 6, 39, tzinfo=UTC)
    assert localtime.local(naive, SHANGHAI).hour == 14
    assert localtime.local_text(naive, SHANGHAI) == "2026-12-03 14:39:00"
    other = datetime(2026, 12, 3, 1, 39, tzinfo=timezone(timedelta(hours=-5)))
    assert localtime.local_text(other, SHANGHAI) == "2026-12-03 14:39:00"


def test_a_day_begins_at_the_office_midnight() -> None:
    assert localtime.day_start(date(2026, 1, 5), SHANGHAI) == datetime(2026, 1, 4, 16, tzinfo=UTC)


def test_the_zone_comes_from_the_setting() -> None:
    assert localtime.office_zone(Settings(office_timezone="Europe/Berlin")).key == "Europe/Berlin"
    assert localtime.office_zone(Settings()).key == "Asia/Shanghai"
