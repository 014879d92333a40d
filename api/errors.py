"""One exception hierarchy, rendered in one place as application/problem+json (RFC 9457).

Services raise ``AppError`` subclasses with a stable ``code`` and a Chinese ``detail`` a citizen or staff member
can act on; they never raise HTTPException.
"""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from govchat.text import UnencodableText

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

    def __init__(self, detail: str, *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after  # seconds, sent as Retry-After


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"
    title = "服务暂时不可用"


class Problem(BaseModel):
    """Every error answer (RFC 9457), as ``application/problem+json``."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="稳定的错误代码，供程序判断")
    errors: list[dict[str, str]] | None = Field(
        default=None, description="请求内容有误时，逐个字段的说明（field、message）"
    )


_PROBLEM_SCHEMA = Problem.model_json_schema()
_STATUS_TEXT = {
    400: "请求格式错误", 401: "需要登录", 403: "没有权限", 404: "未找到", 405: "不支持该请求方法", 409: "状态冲突",
    410: "已不存在", 413: "请求内容过大", 422: "请求内容有误", 429: "请求过于频繁", 500: "系统内部错误",
    503: "服务暂时不可用",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem answers a route group can give (used by api/routes.py)."""
    entry = {"content": {PROBLEM_JSON: {"schema": _PROBLEM_SCHEMA}}}
    return {status: {"description": _STATUS_TEXT.get(status, "错误"), **entry} for status in statuses}


def problem(
    status: int, code: str, title: str, detail: str, headers: Mapping[str, str] | None = None, **extra: object
) -> JSONResponse:
    body = {"type": f"about:blank#{code}", "title": title, "status": status, "detail": detail, "code": code}
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


MALFORMED_BODY = "请求内容无法解析，请发送 UTF-8 编码的有效 JSON。"


# Chinese wording for the validation failures a client can actually cause.
_VALIDATION_MESSAGES = {
    "missing": "缺少必填字段",
    "string_too_long": "内容过长",
    "string_type": "应为文本",
    "model_attributes_type": "请求内容格式不正确",
    "dict_type": "请求内容格式不正确",
}


def _describe(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    message = _VALIDATION_MESSAGES.get(error.get("type", ""), "格式不正确")
    ctx = error.get("ctx") or {}
    if error.get("type") == "string_too_long" and ctx.get("max_length"):
        message = f"内容过长，最多 {ctx['max_length']} 个字"
    elif error.get("type") == "string_too_short":
        minimum = ctx.get("min_length", 1)
        message = "内容不能为空" if minimum <= 1 else f"内容过短，至少 {minimum} 个字符"
    return f"{where}：{message}" if where else message


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return problem(exc.status, exc.code, exc.title, exc.detail, headers)

    @app.exception_handler(UnencodableText)
    async def _unencodable_text(_: Request, exc: UnencodableText) -> JSONResponse:
        return problem(422, "invalid_characters", "内容有误", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return problem(400, "malformed_json", "请求格式错误", MALFORMED_BODY)
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": _describe(e)}
            for e in exc.errors()
        ]
        detail = "；".join(e["message"] for e in errors) or "请求内容格式不正确"
        return problem(422, "invalid_request", "请求内容有误", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        """The framework's own errors (unknown path, wrong method, a body it cannot parse), in Chinese: its
        English detail is never passed on."""
        if exc.status_code == 400:  # FastAPI: "There was an error parsing the body" (e.g. not UTF-8)
            return problem(400, "malformed_json", "请求格式错误", MALFORMED_BODY)
        if exc.status_code == 413:  # api/body_limit.py, which words its detail
            return problem(413, "body_too_large", _STATUS_TEXT[413], str(exc.detail))
        title = _STATUS_TEXT.get(exc.status_code, "请求有误")
        return problem(exc.status_code, f"http_{exc.status_code}", title, title, exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return problem(500, "internal_error", "系统内部错误", "系统出了点问题，请稍后再试。")
