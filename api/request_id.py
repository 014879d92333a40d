"""Every HTTP request gets an id, in each of its log lines and in the response's X-Request-ID header.

The caller's (nginx's) X-Request-ID is kept when it looks like an id, so one id follows a request through the
proxy's and the gateway's logs; anything else (or nothing) gets a fresh one. A plain ASGI middleware: Starlette's
BaseHTTPMiddleware would run every request in an extra task behind memory streams.
"""

import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govchat.logging import request_id_var

_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        rid = given if _ACCEPTED.fullmatch(given) else uuid.uuid4().hex[:16]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["x-request-id"] = rid
            await send(message)

        token = request_id_var.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
