"""Service-credential auth: only the action server (holding GOVCHAT_SERVICE_TOKEN) may call the request API."""

import hmac
from typing import Annotated

from fastapi import Header

from api.dependencies import SettingsDep
from api.errors import Unauthorized


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
