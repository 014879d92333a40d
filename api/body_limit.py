"""The request body cap, answered like every other error: Chinese problem+json 413 (Starlette's own limit answers a
plain-text "Content Too Large")."""

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.detail = f"请求内容过大，最多 {max_bytes // 1024} KB。"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await problem(413, "body_too_large", "请求内容过大", self.detail)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            # A chunked body has no Content-Length: count it as it arrives. An HTTPException, because FastAPI turns
            # any other error while it reads the body into a 400; api/errors.py renders it.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self.detail)
            return message

        await self.app(scope, limited_receive, send)
