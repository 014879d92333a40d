"""Who is calling: the login cookie resolved to a staff member, CSRF checked on every unsafe method, roles."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.db import SessionDep
from api.staff import service
from api.staff.exceptions import CsrfFailed, NotLoggedIn, RoleForbidden
from api.staff.models import StaffRole, StaffSession, StaffUser

COOKIE_NAME = "govchat_staff"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
ROLE_NAMES = {StaffRole.ADMIN: "管理员", StaffRole.AGENT: "客服坐席", StaffRole.ANALYST: "数据分析员"}


@dataclass(frozen=True)
class StaffContext:
    user: StaffUser
    login: StaffSession
    ip: str | None

    @property
    def role(self) -> StaffRole:
        return StaffRole(self.user.role)

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_staff(request: Request, session: SessionDep) -> StaffContext:
    token = request.cookies.get(COOKIE_NAME)
    resolved = service.resolve_session(session=session, token=token) if token else None
    if resolved is None:
        raise NotLoggedIn("请先登录工作人员账号，或登录已过期，请重新登录。")
    login, user = resolved
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not secrets.compare_digest(sent, login.csrf_token):
            raise CsrfFailed("请求缺少有效的 CSRF 校验码，请刷新页面后重试。")
    return StaffContext(user=user, login=login, ip=client_ip(request))


CurrentStaff = Annotated[StaffContext, Depends(current_staff)]


def require_roles(*roles: StaffRole) -> Callable[[StaffContext], StaffContext]:
    allowed = set(roles)

    def check(staff: CurrentStaff) -> StaffContext:
        if staff.role not in allowed:
            names = "、".join(ROLE_NAMES[r] for r in roles)
            raise RoleForbidden(f"此功能仅限{names}使用。")
        return staff

    return check


ANY_STAFF = (StaffRole.ADMIN, StaffRole.AGENT, StaffRole.ANALYST)
AdminOnly = Annotated[StaffContext, Depends(require_roles(StaffRole.ADMIN))]
AgentOrAdmin = Annotated[StaffContext, Depends(require_roles(StaffRole.ADMIN, StaffRole.AGENT))]
