from api.errors import AppError, Conflict, Forbidden, NotFound, Unauthorized


class LoginFailed(Unauthorized):
    code = "login_failed"
    title = "登录失败"


class AccountLocked(AppError):
    status = 423
    code = "account_locked"
    title = "账号已锁定"


class NotLoggedIn(Unauthorized):
    code = "not_logged_in"


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    title = "请求校验失败"


class RoleForbidden(Forbidden):
    code = "role_forbidden"


class StaffNotFound(NotFound):
    code = "staff_not_found"


class UsernameTaken(Conflict):
    code = "username_taken"


class WeakPassword(AppError):
    status = 422
    code = "weak_password"
    title = "密码不符合要求"


class LastAdmin(Conflict):
    code = "last_admin"
    title = "不能移除最后一名管理员"
