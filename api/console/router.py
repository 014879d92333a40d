from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from api.dependencies import SettingsDep
from api.errors import NotFound
from api.pages import html_page

STATIC = Path(__file__).parent / "static"
_HTML = "text/html; charset=utf-8"
# The pages hold no data; the API behind them checks the login and role on every call.
_HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'"}

router = APIRouter(include_in_schema=False)


@router.get("")
def root() -> RedirectResponse:
    return RedirectResponse("/console/")


@router.get("/")
def index(settings: SettingsDep) -> HTMLResponse:
    return html_page(STATIC / "index.html", settings=settings, headers=_HEADERS)


@router.get("/login")
def login_page() -> FileResponse:
    return FileResponse(STATIC / "login.html", media_type=_HTML, headers=_HEADERS)


_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    path = STATIC / name
    if "/" in name or name.startswith(".") or path.suffix not in _TYPES or not path.is_file():
        raise NotFound("没有这个文件。")
    return FileResponse(path, media_type=_TYPES[path.suffix], headers={"Cache-Control": "no-cache"})
