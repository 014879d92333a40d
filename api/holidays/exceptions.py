from api.errors import AppError, Conflict, NotFound


class InvalidHoliday(AppError):
    status = 422
    code = "invalid_holiday"
    title = "节假日填写有误"


class DayNotListed(NotFound):
    code = "day_not_listed"


class DayAlreadyListed(Conflict):
    code = "day_already_listed"
    title = "日期已在节假日表中"
