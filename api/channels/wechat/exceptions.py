from api.errors import AppError, Forbidden, ServiceUnavailable, TooManyRequests, Unauthorized


class WeChatNotConfigured(ServiceUnavailable):
    code = "wechat_not_configured"


class ForgedRequest(Forbidden):
    code = "wechat_signature_invalid"
    title = "签名校验失败"


class StaleRequest(Forbidden):
    code = "wechat_request_stale"
    title = "请求已过期"


class MalformedPush(AppError):
    status = 400
    code = "malformed_body"
    title = "请求格式错误"


class InvalidLoginCode(Unauthorized):
    code = "wechat_code_invalid"


class LoginRateLimited(TooManyRequests):
    code = "wechat_rate_limited"


class InvalidSessionToken(Unauthorized):
    code = "session_token_invalid"


class WeChatApiError(Exception):
    """WeChat answered with an errcode (or not at all)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class TransientWeChatError(WeChatApiError):
    """Worth retrying: system busy (-1), a network failure or a 5xx."""
