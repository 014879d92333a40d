"""govchat.text: what may be stored, exported and logged, and the log filter that uses it."""

import logging
import sys

import pytest

from govchat.logging import configure_logging
from govchat.text import UnencodableText, clean, one_line, printable


def test_clean_removes_control_characters_but_keeps_newline_and_tab() -> None:
    assert clean("a\x01b\x1b[31mc\x7f\x85d\r\ne\tf") == "ab[31mcd\ne\tf"
    assert clean("e\u0301") == "\u00e9"


def test_clean_refuses_lone_surrogates_and_printable_replaces_them() -> None:
    with pytest.raises(UnencodableText):
        clean("你好\ud800")
    assert printable("你好\ud800\x01") == "你好\ufffd"


def test_one_line_escapes_every_line_break() -> None:
    assert one_line("li\nINFO forged\r\u2028x\ud800") == "li\\nINFO forged\\r\\u2028x\\ud800"


def test_a_logged_value_cannot_forge_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("INFO")
        logging.getLogger("test").info("login failed for %s", "li\n2026-12-03 INFO api.staff admin logged in")
        sys.stderr.flush()
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].endswith("login failed for li\\n2026-12-03 INFO api.staff admin logged in")
