from api.errors import AppError, Conflict, NotFound


class AlreadyRated(Conflict):
    code = "already_rated"
    title = "已经评价过了"


class NotRatable(Conflict):
    code = "not_ratable"
    title = "暂时不能评价"


class RatingTargetNotFound(NotFound):
    code = "rating_target_not_found"


class InvalidRating(AppError):
    status = 422
    code = "invalid_rating"
    title = "评价内容有误"
