"""Validators for the 18-digit resident ID number (GB 11643-1999) and mainland mobile numbers.

Each validator returns the normalised value or raises ``IdentityError`` whose message, in Chinese, tells the
citizen exactly what is wrong, so a form can repeat it and ask again.
"""

import datetime as dt
import re
import unicodedata

# Weights and check characters of ISO 7064 MOD 11-2 as used by GB 11643-1999.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# Province-level codes (GB/T 2260): the first two digits of every resident ID number.
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)

# Three-digit number segments allocated to mobile operators (China Mobile, Unicom, Telecom, Broadnet, MVNOs).
_MOBILE_PREFIXES = frozenset(
    [f"13{d}" for d in range(10)]
    + ["145", "146", "147", "148", "149"]
    + ["150", "151", "152", "153", "155", "156", "157", "158", "159"]
    + ["162", "165", "166", "167"]
    + [f"17{d}" for d in range(9)]
    + [f"18{d}" for d in range(10)]
    + ["190", "191", "192", "193", "195", "196", "197", "198", "199"]
)

_SEPARATORS = re.compile(r"[\s\-－—_.·]+")


class IdentityError(ValueError):
    """An ID or mobile number that cannot be right; ``str(error)`` is the Chinese message for the citizen."""


def _clean(value: str) -> str:
    # NFKC turns full-width digits and letters (１２３Ｘ), common in Chinese input methods, into ASCII.
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or "")).upper()


def _ascii_digits(value: str) -> bool:
    # str.isdigit() also accepts other scripts' digits (Arabic-Indic ٠١٢, superscripts), which NFKC keeps.
    return value.isascii() and value.isdigit()


def check_digit(first17: str) -> str:
    """The 18th character of an ID number whose first 17 digits are given."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def validate_id_number(value: str, *, today: dt.date | None = None) -> str:
    """Return the normalised 18-character ID number or raise IdentityError saying what is wrong."""
    number = _clean(value)
    if not number:
        raise IdentityError("请输入18位居民身份证号码。")
    if len(number) != 18:
        raise IdentityError(f"居民身份证号码应为18位，您输入的是{len(number)}位，请核对后重新输入。")
    if not _ascii_digits(number[:17]) or not (_ascii_digits(number[17]) or number[17] == "X"):
        raise IdentityError("居民身份证号码前17位应为数字，最后一位为数字或字母X，请核对后重新输入。")
    if number[:2] not in _PROVINCES:
        raise IdentityError(f"居民身份证号码前两位“{number[:2]}”不是有效的省份代码，请核对后重新输入。")
    birth = number[6:14]
    try:
        born = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        raise IdentityError(
            f"居民身份证号码第7到14位是出生日期，“{birth}”不是一个真实的日期，请核对后重新输入。"
        ) from None
    today = today or dt.date.today()
    if born > today:
        raise IdentityError(f"居民身份证号码中的出生日期“{birth}”晚于今天，请核对后重新输入。")
    if born.year < 1900:
        raise IdentityError(f"居民身份证号码中的出生日期“{birth}”早于1900年，请核对后重新输入。")
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise IdentityError("居民身份证号码最后一位校验码不对，可能有数字输错或顺序颠倒，请逐位核对后重新输入。")
    return number


def validate_mobile(value: str) -> str:
    """Return the 11-digit mainland mobile number (without +86) or raise IdentityError saying what is wrong."""
    number = _clean(value).replace("(", "").replace(")", "").replace("（", "").replace("）", "")
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    if not number:
        raise IdentityError("请输入11位手机号码。")
    if not _ascii_digits(number):
        raise IdentityError("手机号码只能包含数字，请核对后重新输入。")
    if number[0] != "1":
        raise IdentityError("手机号码应以1开头；如果是固定电话，请改为提供手机号码。")
    if len(number) != 11:
        raise IdentityError(f"手机号码应为11位，您输入的是{len(number)}位，请核对后重新输入。")
    if number[:3] not in _MOBILE_PREFIXES:
        raise IdentityError(f"“{number[:3]}”不是有效的手机号段，请核对后重新输入。")
    return number


def birth_date(id_number: str) -> dt.date:
    """Birth date of an already validated ID number."""
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


_BIRTH_DATE_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:([0-9]{4})([0-9]{2})([0-9]{2})|([0-9]{4})[-./年]([0-9]{1,2})[-./月]([0-9]{1,2}))(?![0-9])"
)


def birth_date_verifier(value: str) -> str | None:
    """The tracking verifier: the applicant's birth date as on the ID card (digits 7-14), as YYYYMMDD. Citizens
    type 19900101, 1990-1-1, 1990.01.01 or 出生日期1990年1月1日, in any width; None when no date is there."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))
    m = _BIRTH_DATE_RE.search(text)
    if m is None:
        return None
    year, month, day = (int(part) for part in m.groups() if part is not None)
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return f"{year:04d}{month:02d}{day:02d}"


NAME_MAX_CHARS = 30
# Han characters (with extension A), letters, spaces and the middle dot of minority and foreign names.
_NAME_RE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fffA-Za-z][\u3400-\u4dbf\u4e00-\u9fffA-Za-z ·•．.]*$")
# Replies that are clearly not a name, given when the form asks for one.
_NOT_NAMES = frozenset("你好 您好 好的 好 是的 是 对 嗯 谢谢 不知道 不用了 不要 没有 可以 行 在吗 我 本人".split())


def validate_person_name(value: str) -> str:
    """An applicant's name as on the ID card: 2-30 Han characters or letters, middle dot allowed."""
    name = " ".join(unicodedata.normalize("NFKC", value or "").split()).replace("・", "·")
    if not name:
        raise IdentityError("请填写申请人姓名。")
    if len(name) > NAME_MAX_CHARS:
        raise IdentityError(f"姓名最多{NAME_MAX_CHARS}个字，您输入了{len(name)}个字，请填写身份证上的姓名。")
    if len(name) < 2 or not _NAME_RE.fullmatch(name):
        raise IdentityError("姓名只能包含汉字、字母和间隔号“·”，请按身份证上的姓名填写，不要输入数字或符号。")
    if name in _NOT_NAMES:
        raise IdentityError("请告诉我申请人的真实姓名（与身份证上一致）。")
    return name
