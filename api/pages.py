"""The HTML pages (web chat, staff console) show times in the office's time zone, which the gateway writes into
``<html data-timezone>`` when it serves them: one setting, GOVCHAT_OFFICE_TIMEZONE, for the server and the browsers."""

from functools import lru_cache
from pathlib import Path

from fastapi.responses import HTMLResponse

from govchat.settings import Settings

_PLACEHOLDER = "__OFFICE_TIMEZONE__"


@lru_cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def html_page(path: Path, *, settings: Settings, headers: dict[str, str]) -> HTMLResponse:
    return HTMLResponse(_read(path).replace(_PLACEHOLDER, settings.office_timezone), headers=headers)
