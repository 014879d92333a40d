"""Service-credential auth: only the action server (holding GOVCHAT_SERVICE_TOKEN) may call the request API."""

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Header

from api.dependencies import SettingsDep
from api.errors import Unauthorized
from api.ratelimit import RateLimiter
from api.service_requests.exceptions import RequestNotFound, TooManyAttempts
from api.service_requests.service import normalize_tracking_no


def require_service_token(
    settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    scheme, _, token = (authorization or "").partition(" ")
    expected = settings.service_token.get_secret_value()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise Unauthorized("需要有效的服务凭证。")


IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key", min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]+$",
        description="同一次确认的重复提交使用同一个值，只会生成一件申请。",
    ),
]


@contextmanager
def limited_verification(*, limiter: RateLimiter, tracking_no: str) -> Iterator[None]:
    """Count wrong tracking number + verifier pairs per tracking number and refuse more once they are used up,
    whoever asks (the chat opens a new session per guess as easily as it asks again)."""
    key = normalize_tracking_no(tracking_no)[:40]
    if limiter.used_up("verify", key):
        raise TooManyAttempts(
            "这个受理编号的验证信息已输错多次，为保护申请人的信息，请1小时后再试，或拨打 12345 政务服务热线查询。",
            retry_after=limiter.retry_after("verify", key),
        )
    try:
        yield
    except RequestNotFound:
        limiter.allow("verify", key)
        raise
