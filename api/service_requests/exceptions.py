from api.errors import AppError, Conflict, NotFound, TooManyRequests


class InvalidField(AppError):
    """A field a citizen typed that cannot be right; ``detail`` says what to fix."""

    status = 422
    code = "invalid_field"
    title = "填写内容有误"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


class UnknownService(InvalidField):
    code = "unknown_service"


class SlotUnavailable(Conflict):
    code = "slot_unavailable"
    title = "预约时段不可用"


class SlotFull(SlotUnavailable):
    code = "slot_full"
    title = "预约时段已约满"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    title = "重复的请求标识"


class RequestNotFound(NotFound):
    """Unknown tracking number and wrong verification look the same, so neither reveals anything."""

    code = "request_not_found"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ReasonRequired(AppError):
    status = 422
    code = "reason_required"
    title = "需要说明理由"


class CannotCancel(Conflict):
    code = "cannot_cancel"


class TooManyAttempts(TooManyRequests):
    """Too many wrong verifiers for one tracking number: refused even with the right one for a while."""

    code = "too_many_attempts"


class RequestAnonymised(AppError):
    """The request ended longer ago than the retention period and its personal data is gone, so the verifier (the
    birth date in the ID number) can no longer be checked: nothing about the request is shown."""

    status = 410
    code = "request_anonymised"
    title = "办件个人信息已过保存期限"
