"""One exception hierarchy, rendered in one place as application/problem+json (RFC 9457).

Services raise ``AppError`` subclasses with a stable ``code`` and a Chinese ``detail`` a citizen or staff member
can act on; they never raise HTTPException.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class AppError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "请求有误"

    def __init__(self, detail: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = "未找到"


class Conflict(AppError):
    status = 409
    code = "conflict"
    title = "状态冲突"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    title = "需要登录"


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    title = "没有权限"


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"
    title = "请求过于频繁"


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"
    title = "服务暂时不可用"


def problem(status: int, code: str, title: str, detail: str, **extra: object) -> JSONResponse:
    body = {"type": f"about:blank#{code}", "title": title, "status": status, "detail": detail, "code": code}
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


# Chinese wording for the validation failures a client can actually cause.
_VALIDATION_MESSAGES = {
    "missing": "缺少必填字段",
    "string_too_short": "内容不能为空",
    "string_too_long": "内容过长",
    "string_type": "应为文本",
    "model_attributes_type": "请求内容格式不正确",
    "dict_type": "请求内容格式不正确",
}


def _describe(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    message = _VALIDATION_MESSAGES.get(error.get("type", ""), "格式不正确")
    if error.get("type") == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        if limit:
            message = f"内容过长，最多 {limit} 个字"
    return f"{where}：{message}" if where else message


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.title, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return problem(400, "malformed_json", "请求格式错误", "请求内容不是有效的 JSON。")
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": _describe(e)}
            for e in exc.errors()
        ]
        detail = "；".join(e["message"] for e in errors) or "请求内容格式不正确"
        return problem(422, "invalid_request", "请求内容有误", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "未找到", 405: "不支持该请求方法", 401: "需要登录", 403: "没有权限"}
        title = titles.get(exc.status_code, "请求有误")
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code not in titles else title
        return problem(exc.status_code, f"http_{exc.status_code}", title, detail)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return problem(500, "internal_error", "系统内部错误", "系统出了点问题，请稍后再试。")
