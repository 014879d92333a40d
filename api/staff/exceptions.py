from api.errors import AppError, Conflict, Forbidden, NotFound, Unauthorized


class LoginFailed(Unauthorized):
    """Every failed login, locked or not, answers alike; ``locked`` is only for the audit log."""

    code = "login_failed"
    title = "登录失败"

    def __init__(self, detail: str, *, locked: bool = False) -> None:
        super().__init__(detail)
        self.locked = locked


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


class OtherDepartment(Forbidden):
    code = "other_department"
    title = "不属于本部门"


class UnknownDepartment(AppError):
    status = 422
    code = "unknown_department"
    title = "部门不存在"
