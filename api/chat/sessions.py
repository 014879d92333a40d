"""Web chat session ids: issued by the gateway, never chosen by the client.

A session id is the citizen's only credential for their conversation (``GET /chat/{session_id}/messages`` shows
the applicant's name and tracking number), so a client-chosen one ("1") could be guessed. An issued id is 128
random bits and an HMAC of them under GOVCHAT_SECRET_KEY, so every replica recognises the ids any of them issued
without storing them. WeChat conversations are keyed by the openid on the server (api/channels/wechat/tokens.py).
"""

import base64
import hashlib
import hmac
import secrets

_VERSION = "w1"


def _sign(secret: str, nonce: str) -> str:
    digest = hmac.new(secret.encode(), f"web-session:{nonce}".encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(secret: str) -> str:
    nonce = secrets.token_urlsafe(16)
    return f"{_VERSION}.{nonce}.{_sign(secret, nonce)}"


def is_issued(secret: str, session_id: str) -> bool:
    version, _, rest = session_id.partition(".")
    nonce, _, signature = rest.partition(".")
    return version == _VERSION and bool(nonce) and hmac.compare_digest(signature, _sign(secret, nonce))
