"""Masking of personal data (PIPL), the one place for it: log lines, staff listings, transcripts, exports,
anonymised records and Rasa's tracker store all mask ID numbers, mobile numbers and names here.

Masks keep the ID number's region (first 6) and last 4 and the phone's first 3 and last 4. They never show the
ID number's birth date (digits 7-14), which is the tracking verifier (docs/service-requests.md).
"""

import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

# Citizens type numbers grouped ("138 1234 5678", "520102-19900101-1234") and with a Chinese input method's
# full-width digits (１３８…): one space or dash may stand between any two digits.
_D = "[0-9\uff10-\uff19]"
_SEP = "[ \u3000\\-\uff0d\u2010-\u2015]?"
_START, _END = "(?<![0-9\uff10-\uff19])", "(?![0-9\uff10-\uff19])"  # not inside a longer run of digits
# Each pattern starts with a look at one character: without it, a log line costs 2-3 times as much.
_ID_RE = re.compile(
    rf"(?=[1-9\uff11-\uff19]){_START}[1-9\uff11-\uff19](?:{_SEP}{_D}){{16}}{_SEP}[0-9\uff10-\uff19Xx\uff38\uff58]{_END}"
)
# +86 / 0086 / 86 in front, as numbers are written on business cards and in WeChat profiles.
_PHONE_RE = re.compile(
    rf"(?=[+\uff0b08\uff10\uff181\uff11]){_START}(?:(?:[+\uff0b]|00|\uff10\uff10)?[8\uff18][6\uff16]{_SEP})?[1\uff11]{_SEP}[3-9\uff13-\uff19](?:{_SEP}{_D}){{9}}{_END}"
)

# Names are found where the citizen says them ("我叫张三", "姓名：张三", the form's summary "申请人：张三").
_HAN = "[\u3400-\u4dbf\u4e00-\u9fff·]"
_NAMED_RE = re.compile(rf"(?:我叫|名字[是叫]|姓名[是为：:]|申请人[是为：:])[ \u3000]*({_HAN}{{2,4}})")
# After "我是" only a common surname makes it a name: "我是李四" but not "我是来办身份证的".
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤岑欧"
)
_COMPOUND_SURNAMES = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐|长孙|宇文|司徒|夏侯"
_I_AM_RE = re.compile(rf"我是((?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])[\u3400-\u4dbf\u4e00-\u9fff]{{1,2}})")


def _ascii(value: str) -> str:
    """Digits and X of a matched number, whatever width and separators it was typed with."""
    return re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", value).upper())


def mask_id_number(value: str) -> str:
    """520102199001011234 -> 520102********1234."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_optional_phone(value: str | None) -> str | None:
    return mask_phone(value) if value else value


def mask_name(value: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***."""
    if not value:
        return value
    return value[0] + "*" * max(len(value) - 1, 1)


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """Known names, and for names of 3+ characters the given name alone ("小明" of 李小明), longest first."""
    full = {name.strip() for name in names if len(name.strip()) >= 2}
    spellings = full | {name[1:] for name in full if len(name) >= 3}
    if not spellings:
        return None
    return re.compile("|".join(re.escape(n) for n in sorted(spellings, key=len, reverse=True)))


def mask_text(text: str, names: Iterable[str] = ()) -> str:
    """Mask every ID number and mobile number in free text, the given names wherever they appear, and names the
    citizen introduces ("我叫张三", "我是李四", "姓名：王五")."""
    text = _ID_RE.sub(lambda m: mask_id_number(_ascii(m.group())), text)
    text = _PHONE_RE.sub(lambda m: mask_phone(_ascii(m.group())[-11:]), text)
    if (known := _name_pattern(names)) is not None:
        text = known.sub(lambda m: mask_name(m.group()), text)
    for pattern in (_NAMED_RE, _I_AM_RE):
        text = pattern.sub(lambda m: m.group()[: m.start(1) - m.start()] + mask_name(m.group(1)), text)
    return text


# A date or number of 6+ digits in the message that answered the tracking question, not part of a tracking number
# (GZ20261126…): in any width, with the separators birth dates are typed with.
_DATE_LIKE_RE = re.compile(
    rf"(?<![0-9A-Za-z\uff10-\uff19]){_D}(?:[0-9\uff10-\uff19 \u3000./年月\-\uff0d\uff0e]*{_D})?日?"
)


def mask_birth_dates(text: str) -> str:
    """The verifier (birth date) in a message; always 8 stars, so its length says nothing."""
    return _DATE_LIKE_RE.sub(lambda m: "********" if len(_ascii(m.group())) >= 6 else m.group(), text)


_NAME_ENTITIES = {"name", "person", "person_name", "applicant_name", "citizen_name", "姓名"}
_ID_ENTITIES = {"id_number", "id_card", "身份证号"}
_PHONE_ENTITIES = {"phone", "mobile", "phone_number", "callback_phone", "手机号"}


def _mask_entity_value(kind: str, value: str) -> str | None:
    kind = kind.lower()
    if kind in _NAME_ENTITIES or kind.endswith("_name"):
        return mask_name(value)
    if kind in _ID_ENTITIES:
        return mask_id_number(value)
    if kind in _PHONE_ENTITIES or kind.endswith("_phone"):
        return mask_phone(value)
    return None


def mask_message(text: str, entities: list[Any] | None = None, names: Iterable[str] = ()) -> str:
    """What staff see of a message: entity values NLU extracted (names, ID and phone numbers) masked where they
    stand, then everything `mask_text` finds, with `names` (e.g. the conversation's applicants) known too."""
    for entity in entities or []:
        if not isinstance(entity, dict):
            continue
        value = entity.get("value")
        if not isinstance(value, str) or not value:
            continue
        masked = _mask_entity_value(str(entity.get("entity", "")), value)
        if masked is not None:
            text = text.replace(value, masked)
    return mask_text(text, names)


def mask_entities(entities: list[Any] | None) -> list[Any] | None:
    if not entities:
        return entities
    out: list[Any] = []
    for entity in entities:
        if isinstance(entity, dict) and isinstance(entity.get("value"), str):
            masked = _mask_entity_value(str(entity.get("entity", "")), entity["value"])
            entity = {**entity, "value": masked if masked is not None else mask_text(entity["value"])}
        out.append(entity)
    return out


class FormOutcome(StrEnum):
    """How a form of a service request (applying, tracking, cancelling) ended, sent by the actions in a bot message's
    ``custom[PERSONAL_DATA_KEY]``, so the gateway rewrites what Rasa's tracker store and the conversation kept of it
    (api/retention/tracker.py ``scrub_sender``)."""

    ABANDONED = "abandoned"  # the citizen was told "您填写的信息不会保存": the values are removed
    SUBMITTED = "submitted"  # the gateway stored the request: the values are masked, as everywhere else
    # A tracking or cancelling form used its verifier, the birth date: masked in this turn's message and in Rasa's
    # events, so no transcript shows it next to the tracking number.
    VERIFIED = "verified"


PERSONAL_DATA_KEY = "personal_data"
# The slots that hold personal data (bot/domain/service_request.yml) and how each is masked: the application form's,
# and the tracking and cancelling forms' verifier.
PERSONAL_SLOTS = {"sr_name": mask_name, "sr_id_number": mask_id_number, "sr_phone": mask_phone}
VERIFIER_SLOTS = {"sr_verifier": mask_birth_dates}
