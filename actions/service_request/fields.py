"""Reading what a citizen typed into form answers: names, dates, time periods, yes/no, handling mode.

Pure functions, so the form actions stay small and these can be tested on their own.
"""

from __future__ import annotations

import datetime as dt
import re

# The one list of bookable periods (govchat.calendar, shared with the gateway).
from govchat.calendar import PERIODS

_WEEKDAYS = "一二三四五六日"
_CN_NUMBERS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

# An item of a bundle request has the bundle's number and two digits (api.bundle_requests.service.item_number).
TRACKING_RE = re.compile(r"GZ\s*-?\s*\d{8}\s*-?\s*[2-9A-HJ-NP-Z]{8}(?:-?\d{2}(?!\d))?", re.IGNORECASE)
QUESTION_MARKERS = (
    "吗",
    "？",
    "?",
    "怎么",
    "什么",
    "哪里",
    "哪儿",
    "哪些",
    "多少",
    "能不能",
    "可不可以",
    "为什么",
    "咋",
)

YES_WORDS = ("同意", "确认", "确定", "是的", "好的", "可以", "没问题", "备齐", "齐了", "都有", "有的", "带齐", "准备好")
NO_WORDS = ("不同意", "不确认", "没有", "没带", "不齐", "还没", "不是", "不行", "不可以", "拒绝", "不要")


def weekday_name(day: dt.date) -> str:
    return "周" + _WEEKDAYS[day.weekday()]


def format_day(day: dt.date) -> str:
    return f"{day.month}月{day.day}日（{weekday_name(day)}）"


def looks_like_question(text: str) -> bool:
    return any(marker in text for marker in QUESTION_MARKERS)


def parse_yes_no(text: str) -> bool | None:
    text = text.strip()
    if any(word in text for word in NO_WORDS) or text in {"不", "否", "no", "No"}:
        return False
    if any(word in text for word in YES_WORDS) or text in {"是", "好", "对", "嗯", "行", "有", "ok", "OK", "yes"}:
        return True
    return None


def parse_mode(text: str) -> str | None:
    text = text.strip().lower()
    if text in {"online", "window"}:
        return text
    if any(w in text for w in ("网上", "线上", "在线", "网办", "手机上", "网络", "不想跑", "不用跑")):
        return "online"
    if any(w in text for w in ("窗口", "现场", "大厅", "线下", "去办", "到场", "预约", "柜台", "当面")):
        return "window"
    return None


def _cn_int(text: str) -> int | None:
    """1-31 written in Arabic or Chinese numerals (三, 十二, 二十五, 三十一)."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in "零一二两三四五六七八九十" for ch in text):
        return None
    if "十" not in text:
        return _CN_NUMBERS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    value = (_CN_NUMBERS.get(tens, 0) if tens else 1) * 10
    return value + (_CN_NUMBERS.get(ones, 0) if ones else 0)


def parse_date(text: str, *, today: dt.date) -> dt.date | None:
    """ISO dates, 12月3日 / 12月3号 / 3号, 12-3, 12/3, 12.3, 明天 / 后天, 周三 / 下周三 / 星期三 / 礼拜三."""
    text = text.strip().replace(" ", "")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    m = re.search(r"(\d{4})[年\-/.](\d{1,2})[月\-/.](\d{1,2})", text)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    if "大后天" in text:
        return today + dt.timedelta(days=3)
    if "后天" in text:
        return today + dt.timedelta(days=2)
    if "明天" in text:
        return today + dt.timedelta(days=1)
    m = re.search(r"(下下|下)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天1-7])", text)
    if m:
        wanted = "一二三四五六日".find(m.group(2)) if m.group(2) not in "天1234567" else None
        if wanted is None:
            wanted = 6 if m.group(2) == "天" else int(m.group(2)) - 1
        this_monday = today - dt.timedelta(days=today.weekday())
        weeks = {"下": 1, "下下": 2}.get(m.group(1) or "", 0)
        day = this_monday + dt.timedelta(weeks=weeks, days=wanted)
        if not m.group(1) and day <= today:
            day += dt.timedelta(weeks=1)
        return day
    m = re.search(
        r"(?:(\d{1,2}|[一二三四五六七八九十]{1,3})月)?(\d{1,2}|[一二三四五六七八九十]{1,3})[日号]", text
    ) or re.search(r"^(\d{1,2})[\-/.](\d{1,2})$", text)
    if m:
        month = _cn_int(m.group(1)) if m.group(1) else today.month
        day_of_month = _cn_int(m.group(2))
        if month is None or day_of_month is None:
            return None
        try:
            day = dt.date(today.year, month, day_of_month)
        except ValueError:
            return None
        if day < today and (m.group(1) or day_of_month < today.day):
            # "1月5日" asked in December means next January.
            try:
                day = dt.date(today.year + 1, month, day_of_month) if m.group(1) else _next_month(today, day_of_month)
            except ValueError:
                return None
        return day
    return None


def _next_month(today: dt.date, day_of_month: int) -> dt.date:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return dt.date(year, month, day_of_month)


def parse_period(text: str, *, available: list[str] | None = None) -> str | None:
    """A period from 09:00-10:00, 9点, 九点半, 下午两点, 14:00; 上午/下午 alone picks the first available one."""
    text = text.strip().replace("：", ":").replace(" ", "")
    if text in PERIODS:
        return text
    choices = available if available is not None else list(PERIODS)
    afternoon = any(w in text for w in ("下午", "午后"))
    morning = any(w in text for w in ("上午", "早上", "早晨"))
    m = re.search(r"(\d{1,2})(?::\d{2}|点|时)", text) or re.search(r"([一二两三四五六七八九十]{1,3})[点时]", text)
    if m:
        hour = _cn_int(m.group(1))
        if hour is None:
            return None
        if afternoon and hour < 12:
            hour += 12
        elif not morning and 1 <= hour <= 5:
            hour += 12  # "两点" at a service hall means 14:00
        for period in PERIODS:
            if int(period[:2]) == hour:
                return period
        return None
    if morning or afternoon:
        for period in choices:
            if (int(period[:2]) < 12) == morning:
                return period
    return None


# Words of a citizen asking about their own application rather than about a service. "咋个申请" asks how to apply
# and "审核没通过咋个办" what to do next: a service's questions, however NLU read them.
_REQUEST_WORDS = re.compile(
    r"(我的|我们的|提交的|交的|那个)申请|申请(了|的|过)|受理|编号|进度|办到哪|到哪一步|(审核|审批)(到|得|完|了没|好了)|"
    r"预约(了|的|号)|取消|撤销|状态|结果出来"
)


def mentions_request(text: str) -> bool:
    return bool(_REQUEST_WORDS.search(text or ""))


def find_tracking_no(text: str) -> str | None:
    m = TRACKING_RE.search(text or "")
    return re.sub(r"[\s\-]", "", m.group(0)).upper() if m else None

