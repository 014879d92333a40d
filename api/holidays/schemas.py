import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from api.holidays.models import DayKind


class DayRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: dt.date
    kind: DayKind
    name: str


class DaysCreate(BaseModel):
    """One day, or a range first..last (a holiday week) of the same kind and name."""

    first: dt.date
    last: dt.date | None = None
    kind: DayKind
    name: str = Field(default="", max_length=32)


class DayUpdate(BaseModel):
    kind: DayKind
    name: str = Field(default="", max_length=32)


class CoverageRead(BaseModel):
    """Years the booking window reaches that the table does not cover, and the warning staff see about them."""

    uncovered_years: list[int]
    warning: str | None

    @classmethod
    def of(cls, years: list[int]) -> "CoverageRead":
        warning = None
        if years:
            listed = "、".join(str(year) for year in years)
            warning = f"节假日表未覆盖{listed}年，预约只按周末排除休息日，请尽快补充"
        return cls(uncovered_years=years, warning=warning)


class HolidayTableRead(CoverageRead):
    years: list[int]  # covered in full
    days: list[DayRead]
