"""The gateway's own session token for the mini-program: signed (HMAC-SHA256 with GOVCHAT_SECRET_KEY), expiring.

It carries the openid and nothing from WeChat's session_key, which the gateway never keeps or returns.
"""

import base64
import hashlib
import hmac
import json
import time

from api.channels.wechat.exceptions import InvalidSessionToken

_PURPOSE = b"govchat.wechat.session.v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), _PURPOSE + b"." + payload.encode(), hashlib.sha256).digest())


def issue(*, secret: str, openid: str, ttl_seconds: int, now: float | None = None) -> str:
    expires = int((time.time() if now is None else now) + ttl_seconds)
    payload = _b64(json.dumps({"o": openid, "e": expires}, separators=(",", ":")).encode())
    return f"{payload}.{_sign(secret, payload)}"


def verify(*, secret: str, token: str, now: float | None = None) -> str:
    """The openid in a valid, unexpired token."""
    payload, _, signature = token.partition(".")
    if not payload or not signature or not hmac.compare_digest(_sign(secret, payload), signature):
        raise InvalidSessionToken("登录状态无效，请重新进入小程序。")
    try:
        claims = json.loads(_unb64(payload))
        openid, expires = str(claims["o"]), int(claims["e"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidSessionToken("登录状态无效，请重新进入小程序。") from exc
    if expires < (time.time() if now is None else now):
        raise InvalidSessionToken("登录已过期，请重新进入小程序。")
    return openid


def session_id_for(*, secret: str, openid: str, kind: str) -> str:
    """A stable conversation id per openid that does not reveal the openid (kind: "mp" chat page, "kf" push)."""
    digest = hmac.new(secret.encode(), f"{kind}:{openid}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"wx{kind}-{digest}"
