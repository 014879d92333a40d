"""The web chat: the page at ``/``, its static files, the embeddable widget and a server-sent event stream.

Plain HTML/CSS/JS served by the gateway: no build step and no CDN (many government networks are closed).
"""

from pathlib import Path

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse

from api.channels.web import service
from api.conversations import service as conversations
from api.dependencies import SessionmakerDep, SettingsDep
from api.errors import NotFound
from api.pages import html_page

STATIC = Path(__file__).parent / "static"
_STATIC_FILES = {"chat.css": "text/css; charset=utf-8", "chat.js": "text/javascript; charset=utf-8"}
# The page only talks to its own origin; nothing from the bot or staff can run as script.
_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors *; base-uri 'none'; form-action 'self'"
)

router = APIRouter()
events_router = APIRouter()


@router.get("/", include_in_schema=False)
def index(settings: SettingsDep) -> HTMLResponse:
    return html_page(STATIC / "index.html", settings=settings,
                     headers={"Content-Security-Policy": _PAGE_CSP, "Cache-Control": "no-cache"})


@router.get("/widget.js", include_in_schema=False)
def widget() -> FileResponse:
    """Drop-in for other government sites: ``<script src="https://gateway/widget.js" defer></script>``."""
    return FileResponse(
        STATIC / "widget.js", media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str) -> FileResponse:
    media_type = _STATIC_FILES.get(name)
    if media_type is None:
        raise NotFound("没有这个文件。")
    return FileResponse(STATIC / name, media_type=media_type, headers={"Cache-Control": "no-cache"})


@events_router.get(
    "/{session_id}/events",
    summary="新消息事件流（SSE）：人工客服回复等；不支持时改用 /messages 轮询",
    response_class=StreamingResponse,
)
async def events(
    request: Request,
    sessions: SessionmakerDep,
    session_id: str,
    after: int = Query(default=0, ge=0, le=conversations.MAX_MESSAGE_ID),
    last_event_id: str | None = Header(default=None),
) -> Response:
    """Each event's id is the message id, so a reconnecting browser (Last-Event-ID) gets nothing twice."""
    after = service.resume_after(after, last_event_id)
    if not await service.conversation_exists(sessions=sessions, session_id=session_id):
        raise NotFound("没有找到这个会话。")
    return StreamingResponse(
        service.event_stream(request=request, sessions=sessions, session_id=session_id, after_id=after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
