from api.errors import AppError, Conflict, Forbidden, NotFound


class NotWaiting(Conflict):
    code = "not_waiting"


class ClaimedByOther(Conflict):
    code = "claimed_by_other"


class StateChanged(Conflict):
    code = "state_changed"


class NotHolder(Forbidden):
    code = "not_holder"


class InvalidPhone(AppError):
    status = 422
    code = "invalid_phone"
    title = "手机号码有误"


class InvalidTransferTarget(AppError):
    status = 422
    code = "invalid_transfer_target"
    title = "无法转接"


class CannedReplyNotFound(NotFound):
    code = "canned_reply_not_found"


class CannedTitleTaken(Conflict):
    code = "canned_title_taken"
