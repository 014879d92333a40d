"""A fake WeChat API server that tests start on 127.0.0.1: login, stable token, customer-service and subscribe send.

It behaves like WeChat where the gateway depends on it: tokens expire and are checked, errors come as
``{"errcode", "errmsg"}`` with HTTP 200, and a per-minute quota answers 45011.
"""

import socket
import threading
import time
from collections import deque
from typing import Any

import uvicorn
from fastapi import FastAPI, Query, Request


class FakeWeChat:
    APPID = "wx0123456789abcdef"
    SECRET = "fake-app-secret"

    def __init__(self) -> None:
        self.app = FastAPI()
        self.lock = threading.Lock()
        self.sent: list[dict[str, Any]] = []
        self.subscribe_sent: list[dict[str, Any]] = []
        # What the citizen allowed: (openid, template id) -> messages left (wx.requestSubscribeMessage's "accept").
        self.allowances: dict[tuple[str, str], int] = {}
        self.token_requests = 0
        self.login_requests = 0
        self.valid_tokens: dict[str, float] = {}
        self.token_ttl = 7200
        self.token_delay = 0.0
        self.login_quota_per_minute = 1000
        self._login_times: deque[float] = deque()
        # errcodes to answer, in order, before behaving normally: {"login": [...], "token": [...], "send": [...]}
        self.fail: dict[str, list[int]] = {"login": [], "token": [], "send": [], "subscribe": []}
        self._counter = 0
        self._routes()
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None
        self.base_url = ""

    def _error(self, kind: str) -> dict[str, Any] | None:
        with self.lock:
            if self.fail[kind]:
                code = self.fail[kind].pop(0)
                return {"errcode": code, "errmsg": f"fake error {code}"}
        return None

    def _routes(self) -> None:
        app = self.app

        @app.get("/sns/jscode2session")
        def jscode2session(
            appid: str, secret: str, js_code: str, grant_type: str = Query(...)
        ) -> dict[str, Any]:
            with self.lock:
                self.login_requests += 1
                now = time.monotonic()
                while self._login_times and now - self._login_times[0] > 60:
                    self._login_times.popleft()
                if len(self._login_times) >= self.login_quota_per_minute:
                    return {"errcode": 45011, "errmsg": "api minute-quota reach limit"}
                self._login_times.append(now)
            if (error := self._error("login")) is not None:
                return error
            if appid != self.APPID or secret != self.SECRET or grant_type != "authorization_code":
                return {"errcode": 40013, "errmsg": "invalid appid"}
            if js_code == "used":
                return {"errcode": 40163, "errmsg": "code been used"}
            if not js_code.startswith("code-"):
                return {"errcode": 40029, "errmsg": "invalid code"}
            return {"openid": "o-" + js_code[5:], "session_key": "SECRET-SESSION-KEY", "unionid": "u-1"}

        @app.post("/cgi-bin/stable_token")
        async def stable_token(request: Request) -> dict[str, Any]:
            body = await request.json()
            if self.token_delay:
                time.sleep(self.token_delay)
            with self.lock:
                self.token_requests += 1
            if (error := self._error("token")) is not None:
                return error
            if body.get("appid") != self.APPID or body.get("secret") != self.SECRET:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            with self.lock:
                self._counter += 1
                token = f"TOKEN-{self._counter}"
                self.valid_tokens[token] = time.monotonic() + self.token_ttl
            return {"access_token": token, "expires_in": self.token_ttl}

        @app.post("/cgi-bin/message/custom/send")
        async def send(request: Request, access_token: str = "") -> dict[str, Any]:
            raw = await request.body()
            expires = self.valid_tokens.get(access_token)
            if expires is None:
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
            if expires < time.monotonic():
                return {"errcode": 42001, "errmsg": "access_token expired"}
            if (error := self._error("send")) is not None:
                return error
            import json

            with self.lock:
                self.sent.append({"raw": raw, **json.loads(raw)})
            return {"errcode": 0, "errmsg": "ok"}

        @app.post("/cgi-bin/message/subscribe/send")
        async def subscribe_send(request: Request, access_token: str = "") -> dict[str, Any]:
            body = await request.json()
            if access_token not in self.valid_tokens:
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
            if (error := self._error("subscribe")) is not None:
                return error
            for key, item in body["data"].items():
                value = item["value"]
                if key.startswith("thing") and len(value) > 20 or key.startswith("phrase") and len(value) > 5:
                    return {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value"}
            with self.lock:
                allowance = (body["touser"], body["template_id"])
                if self.allowances.get(allowance, 0) <= 0:
                    return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
                self.allowances[allowance] -= 1
                self.subscribe_sent.append(body)
            return {"errcode": 0, "errmsg": "ok"}

    def expire_all_tokens(self) -> None:
        with self.lock:
            self.valid_tokens.clear()

    def texts_to(self, openid: str) -> list[str]:
        return [m["text"]["content"] for m in self.sent if m["touser"] == openid]

    def start(self) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake WeChat did not start")
            time.sleep(0.02)
        self.base_url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=5)

    def reset(self) -> None:
        with self.lock:
            self.sent.clear()
            self.subscribe_sent.clear()
            self.allowances.clear()
            self.token_requests = self.login_requests = 0
            self.valid_tokens.clear()
            self.token_ttl = 7200
            self.token_delay = 0.0
            self.login_quota_per_minute = 1000
            self._login_times.clear()
            self.fail = {"login": [], "token": [], "send": [], "subscribe": []}
