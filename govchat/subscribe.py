"""WeChat subscribe-message (订阅消息) fields: what each template field type accepts, and the values the gateway can
put in them. Settings check a template's field mapping against this at start-up; the sender fits each value here.

WeChat refuses a whole message (47003) when one value breaks its type's rule, so values are cut to fit rather than
sent and lost: thing 20 characters, name 10, phrase 5, character_string/number/letter 32, symbol 5.
"""

import datetime as dt
import re
from enum import StrEnum


class SubscribeKind(StrEnum):
    STATUS = "status"  # a staff member moved the request (受理, 办理中, 办结, 不予受理)
    REMINDER = "reminder"  # the day before a booked window appointment
    READY = "ready"  # completed, to be collected at the window (opt-in)


# The values a template field can be mapped to (GOVCHAT_WECHAT_SUBSCRIBE_*; docs/wechat.md).
VALUE_NAMES = frozenset({"tracking_no", "service", "status", "changed_at", "appointment", "office", "note"})

_MAX_CHARS = {"thing": 20, "name": 10, "phrase": 5, "character_string": 32, "number": 32, "letter": 32,
              "symbol": 5, "phone_number": 17, "car_number": 8, "amount": 16}
FIELD_KEY = re.compile(r"^(thing|name|phrase|character_string|number|letter|symbol|phone_number|car_number|amount"
                       r"|time|date)(\d+)$")
_NOT_IN_CHARACTER_STRING = re.compile(r"[^0-9A-Za-z_\-.:/ ]")


def field_type(key: str) -> str:
    match = FIELD_KEY.match(key)
    if match is None:
        raise ValueError(f"{key!r} is not a WeChat template field (thing1, time2, character_string3, ...)")
    return match.group(1)


def fit(key: str, value: str | dt.datetime | dt.date) -> str:
    """The value as the field's type accepts it: times and dates in WeChat's format, text cut to the limit."""
    kind = field_type(key)
    if isinstance(value, dt.datetime):
        if kind == "time":
            return f"{value:%Y年%m月%d日 %H:%M}"
        value = f"{value:%m月%d日 %H:%M}" if kind != "date" else value.date()
    if isinstance(value, dt.date):
        return f"{value:%Y年%m月%d日}" if kind in ("date", "time") else f"{value:%m月%d日}"
    if kind == "character_string":
        value = _NOT_IN_CHARACTER_STRING.sub("", value)
    limit = _MAX_CHARS.get(kind)
    if limit is not None and len(value) > limit:
        return value[: limit - 1] + "…" if kind in ("thing", "name") else value[:limit]
    return value
