from typing import Annotated

from fastapi import Depends, Header, Request

from api.channels.wechat import tokens
from api.channels.wechat.exceptions import InvalidSessionToken, WeChatNotConfigured
from api.channels.wechat.service import WeChatContext
from api.ratelimit import RateLimiter, get_limiter


def get_wechat(request: Request) -> WeChatContext:
    context: WeChatContext | None = getattr(request.app.state, "wechat", None)
    if context is None:
        raise WeChatNotConfigured("微信渠道尚未启用。")
    return context


def get_rate_limiter(request: Request) -> RateLimiter:
    return get_limiter(request.app)


WeChatDep = Annotated[WeChatContext, Depends(get_wechat)]
LimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]


def current_openid(
    request: Request, context: WeChatDep, authorization: Annotated[str | None, Header()] = None
) -> str:
    """The mini-program sends the gateway's token as ``Authorization: Bearer <token>``.

    The per-openid limit counts what the citizen sends (POST), as the web chat's per-session limit does: the page
    polls every 3 s while staff hold the conversation, which alone would use up 20/minute. Polls are limited per IP.
    """
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidSessionToken("请先登录小程序。")
    openid = tokens.verify(secret=context.settings.secret_key.get_secret_value(), token=token.strip())
    if request.method == "POST":
        get_limiter(request.app).check("openid", openid)
    return openid


OpenidDep = Annotated[str, Depends(current_openid)]
