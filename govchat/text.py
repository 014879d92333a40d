"""The one rule for text from outside (citizens, staff, WeChat, Rasa): what may be stored, exported and logged.

JSON lets a client send a lone surrogate ("\\ud800"), which no UTF-8 database, spreadsheet or log file can hold:
such text is refused. Control characters other than newline and tab are removed: XML 1.0 forbids them (an XLSX
export of the message would fail) and escape sequences rewrite a terminal that shows a CSV. Text is NFC-normalised
so that text which looks the same is stored the same.
"""

import re
import unicodedata

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls and DEL, except tab (\x09) and newline (\x0a); \r is turned into \n first.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What could end a log line or fake one (terminals and log viewers also break at U+2028/U+2029).
_LOG_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


class UnencodableText(ValueError):
    """Text with a lone surrogate; rendered as 422 problem+json by api/errors.py."""


def strip_controls(text: str) -> str:
    """Line breaks as \\n, other control characters removed. Never raises: for text already stored or exported."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean(text: str) -> str:
    """Text as it may be stored: lone surrogates refused, control characters removed, NFC."""
    if _SURROGATE.search(text):
        raise UnencodableText("内容中含有无法识别的字符，请删除后重新输入。")
    return unicodedata.normalize("NFC", strip_controls(text))


def printable(text: str) -> str:
    """For spreadsheets and other output of stored text: never raises, whatever the text."""
    return strip_controls(_SURROGATE.sub("\ufffd", text))


def one_line(text: str) -> str:
    """For log lines: line breaks and control characters shown as escapes, so no value can forge a line."""
    return _LOG_UNSAFE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)
