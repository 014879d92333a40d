import datetime as dt
from enum import StrEnum

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # 法定节假日: the halls are closed
    WORKDAY = "workday"  # 调休上班日: a weekend day the halls are open


class CoveredYear(Base):
    """A year whose State Council notice is entered in full; outside these only weekends are days off."""

    __tablename__ = "holiday_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class CalendarDay(Base):
    """One holiday or working weekend day. The day is the key, so a date cannot be both."""

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[DayKind] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(32), default="")  # 春节, 国庆节 …
