import datetime as dt
import logging
from pathlib import Path

import pytest

from govchat import calendar
from govchat.calendar import TZ, HolidayTableError, load_holiday_table

SAMPLE = load_holiday_table(calendar.SHIPPED_HOLIDAYS)


def test_the_shipped_sample_covers_2026_with_its_holidays_and_working_weekends() -> None:
    assert SAMPLE.years == {2026}
    assert dt.date(2026, 2, 15) in SAMPLE.holidays and dt.date(2026, 2, 23) in SAMPLE.holidays  # 春节, a range
    assert len([d for d in SAMPLE.holidays if d.month == 10 and d.year == 2026]) == 7
    assert dt.date(2026, 2, 28) in SAMPLE.workdays
    assert not calendar.is_working_day(dt.date(2026, 10, 5), SAMPLE)  # a Monday in the National Day week
    assert calendar.is_working_day(dt.date(2026, 10, 10), SAMPLE)  # a Saturday made a working day
    assert not calendar.is_working_day(dt.date(2026, 11, 28), SAMPLE)  # an ordinary Saturday
    assert calendar.is_working_day(dt.date(2026, 11, 27), SAMPLE)


def test_a_year_the_table_does_not_cover_counts_only_weekends_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    calendar._warn_uncovered.cache_clear()
    with caplog.at_level(logging.WARNING, logger="govchat.calendar"):
        assert not calendar.is_working_day(dt.date(2027, 1, 1), SAMPLE)  # listed although 2027 is not covered yet
        assert calendar.is_working_day(dt.date(2027, 2, 8), SAMPLE)  # a Monday; 2027's Spring Festival is not listed
        assert calendar.is_working_day(dt.date(2027, 2, 9), SAMPLE)
    warnings = [r.getMessage() for r in caplog.records if "does not cover 2027" in r.getMessage()]
    assert len(warnings) == 1  # once per year, not per booking


@pytest.mark.parametrize(
    ("at", "uncovered"),
    [
        (dt.datetime(2026, 11, 30, 10, 0, tzinfo=TZ), []),
        (dt.datetime(2026, 12, 17, 23, 59, tzinfo=TZ), []),  # the window ends on 31 December
        (dt.datetime(2026, 12, 18, 0, 0, tzinfo=TZ), [2027]),  # and now reaches 1 January
        (dt.datetime(2026, 12, 31, 23, 30, tzinfo=TZ), [2027]),
    ],
)
def test_the_booking_window_reaching_an_uncovered_year_is_reported(at: dt.datetime, uncovered: list[int]) -> None:
    assert calendar.uncovered_years(at=at, table=SAMPLE) == uncovered


def test_the_booking_window_starts_tomorrow_in_china_time() -> None:
    late_utc = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)  # already 1 January 00:30 in Guiyang
    days = calendar.bookable_days(at=late_utc, table=SAMPLE)
    assert days[0] == dt.date(2027, 1, 4)  # 2 and 3 January are a weekend, 1 January a holiday


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("holidays: ['2026-05-05..2026-05-01']", "ends before it starts"),
        ("holidays: ['2026-13-01']", "month must be in 1..12"),
        ("holidays: [2026-05-09]\nworkdays: [2026-05-09]", "both a holiday and a workday: 2026-05-09"),
        ("workdays: [2026-05-11]", "workdays must be weekend days: 2026-05-11"),
        ("years: [twenty]", "invalid literal"),
        ("holidays: [", "expected"),
    ],
)
def test_a_broken_table_names_the_file_and_the_problem(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "holidays.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(HolidayTableError) as raised:
        load_holiday_table(path)
    assert str(path) in str(raised.value) and error in str(raised.value)
