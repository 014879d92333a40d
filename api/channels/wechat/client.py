"""WeChat server API: jscode2session, the access token, customer-service and subscribe messages, over httpx with
timeouts.

The access token comes from ``/cgi-bin/stable_token`` (several gateway replicas get the same token instead of
invalidating each other's), is cached and refreshed a few minutes before it expires, one refresh at a time.
Calls are retried on WeChat's "system busy" (-1), network failures and 5xx; an invalid or expired token is
refreshed once and the call repeated.
"""

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from api.channels.wechat.exceptions import TransientWeChatError, WeChatApiError
from govchat.settings import Settings

logger = logging.getLogger(__name__)

TRANSIENT_CODES = frozenset({-1})  # 系统繁忙，此时请开发者稍候再试
TOKEN_CODES = frozenset({40001, 40014, 42001})  # invalid credential / invalid token / token expired
REFRESH_MARGIN_SECONDS = 300
TEXT_LIMIT_BYTES = 2000  # customer-service text messages are capped at 2048 bytes


@dataclass(frozen=True)
class WxSession:
    openid: str
    unionid: str | None = None


def truncate_utf8(text: str, limit: int = TEXT_LIMIT_BYTES) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


class WeChatApi:
    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        retry_wait: float = 0.2,
    ) -> None:
        self._appid = settings.wechat_appid
        self._secret = settings.wechat_secret.get_secret_value()
        self._client = httpx.Client(
            base_url=settings.wechat_api_base_url,
            timeout=httpx.Timeout(settings.wechat_timeout_seconds, connect=3.0),
            transport=transport,
        )
        self._clock = clock
        self._retry_wait = retry_wait
        self._token: str | None = None
        self._expires_at = 0.0
        self._refresh_lock = threading.Lock()
        self.token_fetches = 0  # observable in tests and metrics

    @property
    def configured(self) -> bool:
        return bool(self._appid and self._secret)

    def close(self) -> None:
        self._client.close()

    # ---- plumbing ----

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        for attempt in Retrying(
            stop=stop_after_attempt(3),
            wait=wait_exponential(multiplier=self._retry_wait, max=2.0),
            retry=retry_if_exception_type(TransientWeChatError),
            reraise=True,
        ):
            with attempt:
                return self._request_once(method, path, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    def _request_once(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            logger.warning("wechat %s failed: %s", path, type(exc).__name__)
            raise TransientWeChatError(-2, type(exc).__name__) from exc
        if response.status_code >= 500:
            raise TransientWeChatError(-3, f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise WeChatApiError(-4, "response is not JSON") from exc
        if not isinstance(body, dict):
            raise WeChatApiError(-4, "response is not an object")
        errcode = int(body.get("errcode") or 0)
        if errcode:
            errmsg = str(body.get("errmsg", ""))
            logger.warning("wechat %s answered errcode %d", path, errcode)
            if errcode in TRANSIENT_CODES:
                raise TransientWeChatError(errcode, errmsg)
            raise WeChatApiError(errcode, errmsg)
        return body

    # ---- login ----

    def code_to_session(self, code: str) -> WxSession:
        """Exchange wx.login's code for the openid. The session_key is dropped here and never leaves."""
        body = self._request(
            "GET", "/sns/jscode2session",
            params={"appid": self._appid, "secret": self._secret, "js_code": code,
                    "grant_type": "authorization_code"},
        )
        openid = body.get("openid")
        if not isinstance(openid, str) or not openid:
            raise WeChatApiError(-4, "jscode2session returned no openid")
        unionid = body.get("unionid")
        return WxSession(openid=openid, unionid=unionid if isinstance(unionid, str) else None)

    # ---- access token ----

    def access_token(self) -> str:
        token = self._token
        if token and self._clock() < self._expires_at:
            return token
        with self._refresh_lock:  # one refresh at a time; the others wait and reuse its result
            if self._token and self._clock() < self._expires_at:
                return self._token
            return self._refresh()

    def _refresh(self) -> str:
        body = self._request(
            "POST", "/cgi-bin/stable_token",
            json={"grant_type": "client_credential", "appid": self._appid, "secret": self._secret,
                  "force_refresh": False},
        )
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise WeChatApiError(-4, "stable_token returned no access_token")
        expires_in = int(body.get("expires_in") or 7200)
        margin = min(REFRESH_MARGIN_SECONDS, expires_in // 5)
        self._token = token
        self._expires_at = self._clock() + expires_in - margin
        self.token_fetches += 1
        logger.info("wechat access token refreshed; valid for %d s", expires_in)
        return token

    def invalidate_token(self, token: str) -> None:
        with self._refresh_lock:
            if self._token == token:
                self._token = None
                self._expires_at = 0.0

    def _with_token(self, method: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        content = json.dumps(payload, ensure_ascii=False).encode("utf-8")  # WeChat wants raw UTF-8, not \\u
        headers = {"Content-Type": "application/json; charset=utf-8"}
        for attempt in range(2):
            token = self.access_token()
            try:
                return self._request(method, path, params={"access_token": token}, content=content,
                                     headers=headers)
            except WeChatApiError as exc:
                if exc.errcode in TOKEN_CODES and attempt == 0:
                    self.invalidate_token(token)
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    # ---- customer-service messages ----

    def send_text(self, openid: str, text: str) -> None:
        self._with_token(
            "POST", "/cgi-bin/message/custom/send",
            {"touser": openid, "msgtype": "text", "text": {"content": truncate_utf8(text)}},
        )

    # ---- subscribe messages (订阅消息) ----

    def send_subscribe(
        self, openid: str, *, template_id: str, data: dict[str, str], page: str, state: str
    ) -> None:
        """One message the citizen allowed with wx.requestSubscribeMessage; 43101 means no allowance is left."""
        self._with_token(
            "POST", "/cgi-bin/message/subscribe/send",
            {"touser": openid, "template_id": template_id, "page": page, "miniprogram_state": state,
             "lang": "zh_CN", "data": {key: {"value": value} for key, value in data.items()}},
        )
