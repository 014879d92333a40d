"""The request body cap, answered like every other error: Chinese problem+json 413 (Starlette's own limit answers a
plain-text "Content Too Large")."""

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import BodyTooLarge, problem

_DETAIL = "请求内容过大，最多 {limit} KB。"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.detail = _DETAIL.format(limit=max_bytes // 1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response = problem(BodyTooLarge.status, BodyTooLarge.code, BodyTooLarge.title, self.detail)
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            # A chunked body has no Content-Length: count it as it arrives; the error handler renders the 413.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.detail)
            return message

        await self.app(scope, limited_receive, send)
