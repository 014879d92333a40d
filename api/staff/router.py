from fastapi import APIRouter, Query, Request, Response

from api.db import SessionDep, session_scope
from api.dependencies import SessionmakerDep, SettingsDep
from api.staff import service
from api.staff.dependencies import COOKIE_NAME, CurrentStaff, client_ip
from api.staff.exceptions import LoginFailed
from api.staff.schemas import AuditPage, AuditRead, LoginRequest, Me, StaffCreate, StaffRead, StaffUpdate

# Public: log in. Mounted without the auth dependency.
login_router = APIRouter()
# Any logged-in staff member: who am I, log out.
session_router = APIRouter()
# Admins: accounts and the audit log.
admin_router = APIRouter()


@login_router.post("/login", response_model=Me, summary="工作人员登录")
def login(body: LoginRequest, request: Request, response: Response, sessions: SessionmakerDep,
          settings: SettingsDep) -> Me:
    """Sets an HttpOnly, SameSite=Strict cookie; send the returned `csrf_token` as `X-CSRF-Token` on changes."""
    ip = client_ip(request)
    failure: LoginFailed | None = None
    # Its own unit of work: a failed attempt (counter, lock-out, audit) must be committed although we answer 401.
    with session_scope(sessions) as session:
        try:
            user = service.authenticate(
                session=session, username=body.username, password=body.password,
                max_attempts=settings.staff_lockout_attempts, lockout_minutes=settings.staff_lockout_minutes,
            )
        except LoginFailed as exc:
            failure = exc
            action = "login_locked" if exc.locked else "login_failed"
            service.record(session=session, actor=None, username=body.username[:64], action=action, ip=ip)
        else:
            token, login_session = service.start_session(
                session=session, user=user, minutes=settings.staff_session_minutes
            )
            service.record(session=session, actor=user, action="login", ip=ip)
            me = Me(staff=StaffRead.model_validate(user), csrf_token=login_session.csrf_token,
                    expires_at=login_session.expires_at)
    if failure is not None:
        raise failure
    response.set_cookie(
        COOKIE_NAME, token, max_age=settings.staff_session_minutes * 60, httponly=True, samesite="strict",
        secure=settings.environment == "production" or settings.public_url.startswith("https"), path="/",
    )
    return me


@session_router.get("/me", response_model=Me, summary="当前登录的工作人员")
def me(staff: CurrentStaff) -> Me:
    return Me(staff=StaffRead.model_validate(staff.user), csrf_token=staff.login.csrf_token,
              expires_at=staff.login.expires_at)


@session_router.post("/logout", status_code=204, summary="退出登录")
def logout(staff: CurrentStaff, session: SessionDep, response: Response) -> Response:
    service.end_session(session=session, login=staff.login)
    service.record(session=session, actor=staff.user, action="logout", ip=staff.ip)
    response.status_code = 204
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@admin_router.get("/accounts", response_model=list[StaffRead], summary="工作人员账号列表")
def list_accounts(session: SessionDep) -> list[StaffRead]:
    return [StaffRead.model_validate(u) for u in service.list_staff(session=session)]


@admin_router.get("/departments", response_model=list[str], summary="可选的部门（办事指南的实施部门）")
def list_departments(settings: SettingsDep) -> list[str]:
    return service.departments(settings.guides_dir)


@admin_router.post("/accounts", response_model=StaffRead, status_code=201, summary="新建工作人员账号")
def create_account(body: StaffCreate, staff: CurrentStaff, session: SessionDep, settings: SettingsDep) -> StaffRead:
    department = service.check_department(body.department, service.departments(settings.guides_dir))
    user = service.create(session=session, username=body.username, password=body.password, role=body.role,
                          display_name=body.display_name, department=department)
    service.record(session=session, actor=staff.user, action="staff_create", target_type="staff",
                   target_id=user.id, detail={"username": user.username, "role": user.role,
                                              "department": user.department}, ip=staff.ip)
    return StaffRead.model_validate(user)


@admin_router.patch("/accounts/{staff_id}", response_model=StaffRead, summary="修改工作人员账号")
def update_account(staff_id: int, body: StaffUpdate, staff: CurrentStaff, session: SessionDep,
                   settings: SettingsDep) -> StaffRead:
    user = service.get(session=session, staff_id=staff_id)
    if body.department:
        service.check_department(body.department, service.departments(settings.guides_dir))
    changed = service.update(session=session, user=user, display_name=body.display_name, role=body.role,
                             department=body.department, active=body.active, password=body.password,
                             unlock=body.unlock)
    if changed:
        detail: dict[str, object] = {"fields": changed}
        if "role" in changed:
            detail["role"] = user.role
        if "department" in changed:
            detail["department"] = user.department
        service.record(session=session, actor=staff.user, action="staff_update", target_type="staff",
                       target_id=user.id, detail=detail, ip=staff.ip)
    return StaffRead.model_validate(user)


@admin_router.get("/audit", response_model=AuditPage, summary="审计日志")
def audit_log(
    session: SessionDep, action: str | None = None, username: str | None = None,
    target_type: str | None = None, target_id: str | None = None,
    limit: int = Query(default=50, ge=1, le=500), offset: int = Query(default=0, ge=0),
) -> AuditPage:
    items, total = service.list_audit(session=session, action=action, username=username, target_type=target_type,
                                      target_id=target_id, limit=limit, offset=offset)
    return AuditPage(items=[AuditRead.model_validate(e) for e in items], total=total)
