"""Masking of personal data (PIPL): what staff see in logs and listings never shows full ID or phone numbers."""

import re

# 18-digit resident ID (last character may be X) and mainland mobile numbers, not inside longer digit runs.
_ID_RE = re.compile(r"(?<![0-9])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")
_PHONE_RE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")


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


def mask_name(value: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***."""
    if not value:
        return value
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number inside free text (citizen messages, log lines)."""
    text = _ID_RE.sub(lambda m: m.group(1) + "********" + m.group(2)[-4:], text)
    return _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
