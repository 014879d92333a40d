"""When staff answer handovers, as one setting read by the gateway and the action server alike.

GOVCHAT_OFFICE_HOURS, e.g. ``1-5 09:00-12:00,14:00-17:30; 6 09:00-12:00`` (ISO weekdays, 1 = Monday)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from govchat.settings import Settings

_WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class OfficeHours:
    rules: tuple[tuple[frozenset[int], tuple[tuple[dtime, dtime], ...]], ...]
    tz: ZoneInfo

    def ranges_on(self, weekday: int) -> list[tuple[dtime, dtime]]:
        return sorted(r for days, ranges in self.rules if weekday in days for r in ranges)

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.tz)
        return any(start <= local.time() < end for start, end in self.ranges_on(local.isoweekday()))

    def next_opening(self, now: datetime) -> datetime | None:
        local = now.astimezone(self.tz)
        for offset in range(0, 15):
            day = (local + timedelta(days=offset)).date()
            for start, _end in self.ranges_on(day.isoweekday()):
                candidate = datetime.combine(day, start, tzinfo=self.tz)
                if candidate > local:
                    return candidate
        return None

    def describe(self) -> str:
        parts = []
        for days, ranges in self.rules:
            ordered = sorted(days)
            if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
                day_text = f"周{_WEEKDAYS[ordered[0] - 1]}至周{_WEEKDAYS[ordered[-1] - 1]}"
            else:
                day_text = "、".join(f"周{_WEEKDAYS[d - 1]}" for d in ordered)
            times = "、".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in ranges)
            parts.append(f"{day_text} {times}")
        return "；".join(parts) or "暂无人工服务时间"


def _parse_time(text: str) -> dtime:
    hours, minutes = text.strip().split(":")
    if hours == "24" and minutes == "00":
        return dtime.max
    return dtime(int(hours), int(minutes))


def _parse_days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in text.split(","):
        if "-" in part:
            first, last = (int(x) for x in part.split("-"))
            days.update(range(first, last + 1))
        else:
            days.add(int(part))
    if not days or not days <= set(range(1, 8)):
        raise ValueError(f"weekdays must be 1-7: {text!r}")
    return frozenset(days)


def parse(spec: str, timezone: str) -> OfficeHours:
    rules = []
    for group in filter(None, (g.strip() for g in spec.split(";"))):
        day_text, _, time_text = group.partition(" ")
        ranges = []
        for span in filter(None, (s.strip() for s in time_text.split(","))):
            start, end = span.split("-")
            ranges.append((_parse_time(start), _parse_time(end)))
        rules.append((_parse_days(day_text), tuple(ranges)))
    return OfficeHours(rules=tuple(rules), tz=ZoneInfo(timezone))


def closed_notice(hours: OfficeHours, now: datetime) -> str:
    """What the citizen is told when they ask for a person outside office hours."""
    opening = hours.next_opening(now)
    when = (f"{opening.month}月{opening.day}日（周{_WEEKDAYS[opening.isoweekday() - 1]}）{opening:%H:%M}"
            if opening else "下一个工作日")
    return (f"现在是非工作时间（人工服务时间：{hours.describe()}），工作人员将在 {when} 后尽快回复您。"
            "您也可以留下手机号码，我们会给您回电。")


def from_settings(settings: "Settings") -> OfficeHours:
    return parse(settings.office_hours, settings.office_timezone)
