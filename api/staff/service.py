"""Accounts, login sessions and the audit log. Callers own the transaction; these functions only flush."""

import hashlib
import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.staff.exceptions import (
    LastAdmin,
    LoginFailed,
    StaffNotFound,
    UnknownDepartment,
    UsernameTaken,
    WeakPassword,
)
from api.staff.models import AuditEvent, StaffRole, StaffSession, StaffUser
from knowledge.loader import load_guides

logger = logging.getLogger(__name__)

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
# Verified against when the username does not exist, so a wrong username costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("govchat-dummy-password")
MIN_PASSWORD_CHARS = 10
# The one answer to every failed login: wrong password, unknown or inactive name, locked account.
LOGIN_FAILED_TEXT = "用户名或密码错误，或多次失败后账号已暂时锁定。请稍后再试或联系管理员。"


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword(f"密码至少需要 {MIN_PASSWORD_CHARS} 个字符。")
    if password.isdigit() or password.isalpha():
        raise WeakPassword("密码需同时包含字母和数字或符号。")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_by_username(*, session: Session, username: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.username == username))


def get(*, session: Session, staff_id: int) -> StaffUser:
    user = session.get(StaffUser, staff_id)
    if user is None:
        raise StaffNotFound("没有找到这个工作人员账号。")
    return user


def list_staff(*, session: Session) -> Sequence[StaffUser]:
    return session.scalars(select(StaffUser).order_by(StaffUser.id)).all()


def departments(guides_dir: Path) -> list[str]:
    """The departments that handle requests: every guide's ``department``."""
    return sorted({g.department for g in load_guides(guides_dir) if g.department})


def check_department(department: str | None, known: list[str]) -> str | None:
    """The department as stored: ``None`` (or "") for every department, else one of ``known``."""
    if not department:
        return None
    if department not in known:
        raise UnknownDepartment(f"没有“{department}”这个部门，可选：{'、'.join(known)}；不填表示全部部门。")
    return department


def create(
    *, session: Session, username: str, password: str, role: StaffRole, display_name: str = "",
    department: str | None = None,
) -> StaffUser:
    if get_by_username(session=session, username=username) is not None:
        raise UsernameTaken(f"用户名 {username} 已存在。")
    check_password_policy(password)
    user = StaffUser(
        username=username, display_name=display_name or username, role=role, department=department,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def update(
    *,
    session: Session,
    user: StaffUser,
    display_name: str | None = None,
    role: StaffRole | None = None,
    department: str | None = None,  # "" for every department, None to leave it
    active: bool | None = None,
    password: str | None = None,
    unlock: bool = False,
) -> list[str]:
    """Returns the names of the fields that changed (for the audit log, never the values of secrets)."""
    still_admin = (role or user.role) == StaffRole.ADMIN and (user.active if active is None else active)
    if user.active and user.role == StaffRole.ADMIN and not still_admin:
        _keep_an_admin(session=session, leaving=user)
    changed: list[str] = []
    if display_name is not None and display_name != user.display_name:
        user.display_name = display_name
        changed.append("display_name")
    if role is not None and role != user.role:
        user.role = role
        changed.append("role")
    if department is not None and (department or None) != user.department:
        user.department = department or None
        changed.append("department")
    if active is not None and active != user.active:
        user.active = active
        changed.append("active")
    if password:
        check_password_policy(password)
        user.password_hash = hash_password(password)
        changed.append("password")
    if unlock and (user.locked_until or user.failed_logins):
        user.locked_until, user.failed_logins = None, 0
        changed.append("unlock")
    if "password" in changed or "active" in changed or "role" in changed:
        revoke_all_sessions(session=session, staff_id=user.id)
    session.flush()
    return changed


def _keep_an_admin(*, session: Session, leaving: StaffUser) -> None:
    """Refuse to deactivate or demote the last active admin: nobody could manage accounts any more.

    The active admins' rows are locked in id order (PostgreSQL; SQLite has one writer anyway), so two admins
    demoting each other at the same time are serialised and the second sees the first is gone."""
    admins = session.scalars(
        select(StaffUser.id).where(StaffUser.role == StaffRole.ADMIN, StaffUser.active.is_(True))
        .order_by(StaffUser.id).with_for_update()
    ).all()
    if not any(admin_id != leaving.id for admin_id in admins):
        raise LastAdmin("至少需要保留一名启用的管理员：请先为其他账号设置管理员角色，再停用或降级这个账号。")


def authenticate(
    *, session: Session, username: str, password: str, max_attempts: int, lockout_minutes: int
) -> StaffUser:
    """Checks the password; `max_attempts` failures in a row lock the account for a while.

    Unknown, inactive and locked accounts get the same answer as a wrong password, after the same hashing work, so
    nobody can tell which names exist. Failures are counted by one UPDATE ... RETURNING, so concurrent wrong
    passwords all count. The count is only reset by a successful login (or an admin), so once a lock-out ends the
    next wrong password locks the account again."""
    user = get_by_username(session=session, username=username)
    now = utcnow()
    if user is None or not user.active or (user.locked_until and aware(user.locked_until) > now):
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        raise LoginFailed(LOGIN_FAILED_TEXT, locked=user is not None and user.active)
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        failures = StaffUser.failed_logins + 1
        locked = session.scalar(
            sa.update(StaffUser)
            .where(StaffUser.id == user.id)
            .values(
                failed_logins=failures,
                locked_until=sa.case(
                    (failures >= max_attempts, now + timedelta(minutes=lockout_minutes)),
                    else_=StaffUser.locked_until,
                ),
            )
            .returning(StaffUser.failed_logins >= max_attempts)
            .execution_options(synchronize_session=False)
        )
        raise LoginFailed(LOGIN_FAILED_TEXT, locked=bool(locked)) from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    return user


def start_session(*, session: Session, user: StaffUser, minutes: int) -> tuple[str, StaffSession]:
    """Returns the cookie value (shown once) and the stored session."""
    token = secrets.token_urlsafe(32)
    login = StaffSession(
        token_hash=_token_hash(token),
        csrf_token=secrets.token_urlsafe(24),
        staff_id=user.id,
        expires_at=utcnow() + timedelta(minutes=minutes),
    )
    session.add(login)
    session.flush()
    return token, login


def resolve_session(*, session: Session, token: str) -> tuple[StaffSession, StaffUser] | None:
    login = session.scalar(select(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
    if login is None or login.revoked_at is not None or aware(login.expires_at) <= utcnow():
        return None
    user = session.get(StaffUser, login.staff_id)
    if user is None or not user.active:
        return None
    return login, user


def end_session(*, session: Session, login: StaffSession) -> None:
    login.revoked_at = utcnow()
    session.flush()


def revoke_all_sessions(*, session: Session, staff_id: int) -> None:
    now = utcnow()
    for login in session.scalars(
        select(StaffSession).where(StaffSession.staff_id == staff_id, StaffSession.revoked_at.is_(None))
    ):
        login.revoked_at = now
    session.flush()


def record(
    *,
    session: Session,
    actor: StaffUser | None,
    action: str,
    target_type: str | None = None,
    target_id: object = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
    username: str | None = None,
) -> AuditEvent:
    """Write one audit event in the same transaction as the change it describes."""
    event = AuditEvent(
        staff_id=actor.id if actor else None,
        username=actor.username if actor else (username or ""),
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        reason=reason,
        detail=detail,
        ip=ip,
    )
    session.add(event)
    session.flush()
    logger.info("audit %s by %s on %s/%s", action, event.username or "-", target_type or "-", event.target_id or "-")
    return event


def list_audit(
    *,
    session: Session,
    action: str | None = None,
    username: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[AuditEvent], int]:
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if username:
        query = query.where(AuditEvent.username == username)
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
    if target_id:
        query = query.where(AuditEvent.target_id == target_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)).all()
    return items, total
