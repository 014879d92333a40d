import datetime as dt
import logging
from pathlib import Path

import pytest

from govchat import calendar
from govchat.calendar import HolidayTableError, load_holiday_table


def test_the_shipped_sample_covers_2026_with_its_holidays_and_working_weekends() -> None:
    table = load_holiday_table(calendar.SHIPPED_HOLIDAYS)
    assert table.years == {2026}
    assert dt.date(2026, 2, 15) in table.holidays and dt.date(2026, 2, 23) in table.holidays  # 春节, a range
    assert len([d for d in table.holidays if d.month == 10 and d.year == 2026]) == 7
    assert dt.date(2026, 2, 28) in table.workdays
    assert not calendar.is_working_day(dt.date(2026, 10, 5))  # a Monday in the National Day week
    assert calendar.is_working_day(dt.date(2026, 10, 10))  # a Saturday made a working day
    assert not calendar.is_working_day(dt.date(2026, 11, 28))  # an ordinary Saturday
    assert calendar.is_working_day(dt.date(2026, 11, 27))


def test_a_year_the_table_does_not_cover_counts_only_weekends_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    calendar._warn_uncovered.cache_clear()
    with caplog.at_level(logging.WARNING, logger="govchat.calendar"):
        assert not calendar.is_working_day(dt.date(2027, 1, 1))  # listed although 2027 is not covered yet
        assert calendar.is_working_day(dt.date(2027, 2, 8))  # a Monday; 2027's Spring Festival is not in the table
        assert calendar.is_working_day(dt.date(2027, 2, 9))
    warnings = [r.getMessage() for r in caplog.records if "does not cover 2027" in r.getMessage()]
    assert len(warnings) == 1  # once per year, not per booking


def test_a_deployment_points_to_its_own_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "holidays.yml"
    own.write_text("years: [2027]\nholidays: ['2027-02-06..2027-02-12']\nworkdays: [2027-02-14]\n", encoding="utf-8")
    monkeypatch.setenv("GOVCHAT_HOLIDAYS_FILE", str(own))
    calendar.get_settings.cache_clear()
    calendar.holiday_table.cache_clear()
    try:
        assert not calendar.is_working_day(dt.date(2027, 2, 8))
        assert calendar.is_working_day(dt.date(2027, 2, 14))  # a Sunday made a working day
    finally:
        monkeypatch.delenv("GOVCHAT_HOLIDAYS_FILE")
        calendar.get_settings.cache_clear()
        calendar.holiday_table.cache_clear()


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
