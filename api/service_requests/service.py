"""Creating, booking, looking up and moving service requests through their lifecycle.

Functions flush and leave the commit to the caller (the request boundary or session_scope), except that
``create`` works inside a savepoint so a concurrent duplicate can be answered with the request that won.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from api.db import utcnow
from api.holidays import service as holidays_service
from api.service_requests.exceptions import (
    CannotCancel,
    IdempotencyKeyReused,
    InvalidField,
    InvalidTransition,
    ReasonRequired,
    RequestAnonymised,
    RequestNotFound,
    SlotFull,
    SlotUnavailable,
    UnknownService,
)
from api.service_requests.models import (
    AppointmentSlot,
    HandlingMode,
    RequestStatus,
    ServiceRequest,
    StatusChange,
)
from api.service_requests.schemas import ServiceRequestCreate
from govchat import calendar
from govchat.identity import (
    IdentityError,
    birth_date_verifier,
    validate_id_number,
    validate_mobile,
    validate_person_name,
)
from govchat.masking import mask_name, mask_text
from knowledge.loader import read_guide_file
from knowledge.schema import Guide

logger = logging.getLogger(__name__)

# Crockford-like base32 without 0/O/1/I: easy to read aloud and type, 40 random bits per number.
_TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

NOT_FOUND_TEXT = "没有找到与这个受理编号和验证信息相符的办件，请核对受理编号和申请人的出生日期（如19900101）后再试。"
ANONYMISED_TEXT = (
    "这件申请办结已超过保存期限，申请人的姓名、身份证号和手机号已按个人信息保护规定删除，"
    "无法再核验申请人身份，因此不能在线查询、取消或评价。"
    "如需办理结果证明，请携带本人有效身份证件到办理窗口，或拨打 12345 政务服务热线咨询。"
)
# A conversation's own requests shown at once; more than a few in one chat is unusual.
SESSION_REQUESTS_LIMIT = 5
# What an anonymised request keeps instead of its idempotency key (unique, and never one the actions send).
ANONYMISED_KEY_PREFIX = "anonymised-"

# The lifecycle: submitted → accepted → in_progress → completed, or rejected, or cancelled.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.SUBMITTED: frozenset({RequestStatus.ACCEPTED, RequestStatus.REJECTED, RequestStatus.CANCELLED}),
    RequestStatus.ACCEPTED: frozenset({RequestStatus.IN_PROGRESS, RequestStatus.COMPLETED, RequestStatus.REJECTED}),
    RequestStatus.IN_PROGRESS: frozenset({RequestStatus.COMPLETED, RequestStatus.REJECTED}),
    RequestStatus.COMPLETED: frozenset(),
    RequestStatus.REJECTED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
}
# Ends that give the appointment place back.
_RELEASES_SLOT = frozenset({RequestStatus.REJECTED, RequestStatus.CANCELLED})
# Ends: no transition leaves them, and the retention period counts from reaching one.
FINAL_STATUSES = frozenset(status for status, targets in TRANSITIONS.items() if not targets)


# --- guides -------------------------------------------------------------------------------------------------


def load_guide(*, guides_dir: Path, guide_id: str) -> Guide:
    path = guides_dir / f"{guide_id}.yaml"
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", guide_id) or not path.is_file():
        raise UnknownService("guide_id", "没有找到这个办事事项，请先告诉我您要办理的是哪项业务。")
    guide, errors = read_guide_file(path)
    if guide is None:
        logger.error("guide %s cannot be read: %s", guide_id, "; ".join(str(e) for e in errors))
        raise UnknownService("guide_id", "这个办事事项的指南暂时无法读取，请稍后再试或拨打 12345 咨询。")
    return guide


def offices_of(guide: Guide) -> list[str]:
    return [location.name for location in guide.locations]


# --- field checks -------------------------------------------------------------------------------------------


def _identity(field: str, check: object, value: str) -> str:
    try:
        return check(value)  # type: ignore[operator,no-any-return]
    except IdentityError as exc:
        raise InvalidField(field, str(exc)) from None


class Applicant(Protocol):
    """What a single request and a bundle request both collect about the applicant."""

    applicant_name: str
    id_number: str
    phone: str
    consent: bool
    materials_confirmed: bool


def checked_applicant(data: Applicant) -> tuple[str, str, str]:
    """Normalised name, ID number and mobile, once consent and materials are confirmed; InvalidField otherwise."""
    name = _identity("applicant_name", validate_person_name, data.applicant_name)
    id_number = _identity("id_number", validate_id_number, data.id_number)
    phone = _identity("phone", validate_mobile, data.phone)
    if not data.consent:
        raise InvalidField("consent", "需要您同意个人信息使用告知后才能提交申请。")
    if not data.materials_confirmed:
        raise InvalidField("materials_confirmed", "请先确认已备齐所需材料，再提交申请。")
    return name, id_number, phone


def fingerprint(data: BaseModel) -> str:
    canonical = json.dumps(data.model_dump(mode="json", exclude={"session_id"}), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def new_tracking_no(at: dt.datetime) -> str:
    """GZ + date + 8 random base32 characters from `secrets`: unique in practice and not guessable in sequence."""
    suffix = "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(8))
    return f"GZ{at.astimezone(calendar.TZ):%Y%m%d}{suffix}"


def normalize_tracking_no(value: str) -> str:
    return re.sub(r"[\s\-－_]", "", value).upper()


# --- appointment slots --------------------------------------------------------------------------------------


def _ensure_slot_row(*, session: Session, office: str, day: dt.date, period: str) -> None:
    """INSERT ... ON CONFLICT DO NOTHING, in the dialect at hand (SQLite or PostgreSQL)."""
    values = {"office": office, "day": day, "period": period, "capacity": calendar.DEFAULT_CAPACITY, "booked": 0}
    keys = ["office", "day", "period"]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(AppointmentSlot).values(**values).on_conflict_do_nothing(index_elements=keys))
    else:
        session.execute(sqlite.insert(AppointmentSlot).values(**values).on_conflict_do_nothing(index_elements=keys))


def check_slot_choice(*, session: Session, office: str, day: dt.date, period: str, at: dt.datetime) -> None:
    if period not in calendar.PERIODS:
        raise InvalidField("period", "请选择工作时间内的时段：上午9:00-12:00或下午13:00-17:00。")
    if day <= at.astimezone(calendar.TZ).date():
        raise SlotUnavailable("只能预约明天及以后的日期，请重新选择日期。")
    checked = booking_day(session=session, day=day, at=at)
    if not checked.working:
        raise SlotUnavailable(f"{day:%m月%d日}不是工作日，窗口不办公，请选择工作日。")
    if not checked.bookable:
        raise SlotUnavailable(f"目前只能预约{calendar.BOOKING_DAYS_AHEAD}天内的工作日，请重新选择日期。")


def booking_day(*, session: Session, day: dt.date, at: dt.datetime) -> calendar.BookingDay:
    table = holidays_service.table(session=session)
    working = calendar.is_working_day(day, table)
    return calendar.BookingDay(day=day, working=working, bookable=working and day in calendar.booking_window(at=at))


def book_slot(*, session: Session, office: str, day: dt.date, period: str) -> AppointmentSlot:
    """Take one place, or raise SlotFull. The first statement is a write, so on SQLite the transaction holds
    the write lock before it reads anything; the conditional UPDATE keeps ``booked <= capacity`` on
    PostgreSQL too, where a second UPDATE of the row waits and re-checks the condition. The caller checks the
    choice (check_slot_choice) before: its read of the holiday table would otherwise open the transaction."""
    _ensure_slot_row(session=session, office=office, day=day, period=period)
    taken = session.execute(
        update(AppointmentSlot)
        .where(
            AppointmentSlot.office == office,
            AppointmentSlot.day == day,
            AppointmentSlot.period == period,
            AppointmentSlot.booked < AppointmentSlot.capacity,
        )
        .values(booked=AppointmentSlot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise SlotFull(f"{day:%m月%d日} {period} 这个时段已经约满了，请换一个时段。")
    return session.scalars(
        select(AppointmentSlot)
        .where(AppointmentSlot.office == office, AppointmentSlot.day == day, AppointmentSlot.period == period)
        .execution_options(populate_existing=True)
    ).one()


def release_slot(*, session: Session, slot_id: int) -> None:
    session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == slot_id, AppointmentSlot.booked > 0)
        .values(booked=AppointmentSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )


def available_slots(*, session: Session, office: str, at: dt.datetime) -> list[tuple[dt.date, str, int]]:
    """(day, period, remaining places) of every bookable period with a free place."""
    days = calendar.bookable_days(at=at, table=holidays_service.table(session=session))
    if not days:
        return []
    rows = session.scalars(
        select(AppointmentSlot).where(AppointmentSlot.office == office, AppointmentSlot.day.in_(days))
    ).all()
    taken = {(row.day, row.period): row.capacity - row.booked for row in rows}
    result = []
    for day in days:
        for period in calendar.PERIODS:
            remaining = taken.get((day, period), calendar.DEFAULT_CAPACITY)
            if remaining > 0:
                result.append((day, period, remaining))
    return result


# --- requests -----------------------------------------------------------------------------------------------


def get_by_idempotency_key(*, session: Session, key: str) -> ServiceRequest | None:
    return session.scalar(
        select(ServiceRequest)
        .where(ServiceRequest.idempotency_key == key)
        .options(selectinload(ServiceRequest.history))
        .execution_options(populate_existing=True)
    )


def get_by_tracking_no(*, session: Session, tracking_no: str) -> ServiceRequest | None:
    return session.scalar(
        select(ServiceRequest)
        .where(ServiceRequest.tracking_no == normalize_tracking_no(tracking_no))
        .options(selectinload(ServiceRequest.history))
    )


def _replay(existing: ServiceRequest, fp: str) -> ServiceRequest:
    if not hmac.compare_digest(existing.fingerprint, fp):
        raise IdempotencyKeyReused("这个请求标识已用于另一份内容不同的申请，请重新确认后提交。")
    return existing


def create(
    *,
    session: Session,
    data: ServiceRequestCreate,
    idempotency_key: str,
    guides_dir: Path,
    at: dt.datetime | None = None,
) -> tuple[ServiceRequest, bool]:
    """Store a request (and book its slot) or return the one an earlier call with the same key stored.

    Returns (request, created). Every check happens before anything is written, so an invalid field, a
    full slot or a missing consent leaves nothing behind.
    """
    at = at or calendar.now()
    fp = fingerprint(data)
    existing = get_by_idempotency_key(session=session, key=idempotency_key)
    if existing is not None:
        return _replay(existing, fp), False

    guide = load_guide(guides_dir=guides_dir, guide_id=data.guide_id)
    name, id_number, phone = checked_applicant(data)
    mode = HandlingMode(data.mode)
    if mode == HandlingMode.ONLINE and not guide.online.available:
        raise InvalidField("mode", f"“{guide.title}”暂不支持网上办理，请选择窗口办理。")
    if mode == HandlingMode.WINDOW:
        if not guide.appointment:
            raise InvalidField("mode", f"“{guide.title}”暂不支持预约窗口办理，请选择网上办理。")
        if not data.office or data.day is None or not data.period:
            raise InvalidField("office", "窗口办理需要选择办理地点、日期和时段。")
        if data.office not in offices_of(guide):
            raise InvalidField("office", "请从列出的办理地点中选择一个。")
        check_slot_choice(session=session, office=data.office, day=data.day, period=data.period, at=at)

    try:
        with session.begin_nested():
            slot = None
            if mode == HandlingMode.WINDOW:
                assert data.office and data.day and data.period  # checked above
                slot = book_slot(session=session, office=data.office, day=data.day, period=data.period)
            request = ServiceRequest(
                tracking_no=new_tracking_no(at),
                idempotency_key=idempotency_key,
                fingerprint=fp,
                session_id=data.session_id,
                guide_id=guide.id,
                service_title=guide.title,
                department=guide.department,
                applicant_name=name,
                id_number=id_number,
                phone=phone,
                mode=mode,
                slot=slot,
                materials_confirmed=True,
                consent_at=utcnow(),
                status=RequestStatus.SUBMITTED,
            )
            request.history.append(
                StatusChange(to_status=RequestStatus.SUBMITTED, actor="citizen", notified_at=utcnow())
            )
            session.add(request)
            session.flush()
    except IntegrityError:
        # A concurrent call with the same key committed first: answer with its request.
        existing = get_by_idempotency_key(session=session, key=idempotency_key)
        if existing is None:
            raise
        return _replay(existing, fp), False
    logger.info(
        "service request %s created for %s (%s, %s)", request.tracking_no, mask_name(name), guide.id, mode.value
    )
    return request, True


def has_open_request(*, session: Session, session_id: str) -> bool:
    """Whether a request made in this conversation can still change status (and so send it a notice)."""
    return session.scalar(
        select(ServiceRequest.id)
        .where(ServiceRequest.session_id == session_id, ServiceRequest.status.not_in(FINAL_STATUSES))
        .limit(1)
    ) is not None


def of_session(*, session: Session, session_id: str) -> Sequence[ServiceRequest]:
    """The requests made in this conversation, newest first: the conversation itself is the proof of who asks, so
    the citizen who applied here needs no tracking number or verifier (anonymised requests have no session)."""
    return session.scalars(
        select(ServiceRequest)
        # The items of a bundle are shown with their bundle (api.bundle_requests.service.of_session).
        .where(ServiceRequest.session_id == session_id, ServiceRequest.bundle_id.is_(None))
        .options(selectinload(ServiceRequest.history))
        .order_by(ServiceRequest.id.desc())
        .limit(SESSION_REQUESTS_LIMIT)
    ).all()


def lookup(*, session: Session, tracking_no: str, verifier: str) -> ServiceRequest:
    """The request, if the verifier is the applicant's birth date (digits 7-14 of the ID number, which no mask
    shows); otherwise the same RequestNotFound as for an unknown number, so a wrong pair reveals nothing."""
    request = get_by_tracking_no(session=session, tracking_no=tracking_no)
    if request is not None and request.anonymised_at is not None:
        # Its ID number is gone, so no verifier can be checked; nothing about the request is shown.
        raise RequestAnonymised(ANONYMISED_TEXT)
    given = (birth_date_verifier(verifier) or "").encode()
    expected = (request.id_number[6:14] if request else "????????").encode()
    # Compared in constant time, whether the number exists or not.
    matches = hmac.compare_digest(given, expected)
    if request is None or not matches:
        raise RequestNotFound(NOT_FOUND_TEXT)
    return request


def change_status(
    *,
    session: Session,
    tracking_no: str,
    to: RequestStatus | str,
    actor: str,
    reason: str | None = None,
) -> ServiceRequest:
    """Move a request along its lifecycle, recording time, actor and reason.

    Staff pass actor="staff:<id>"; the citizen's own cancellation passes "citizen". The UPDATE is conditional
    on the status read, so two people changing the same request at once cannot both succeed.
    """
    to = RequestStatus(to)
    reason = (reason or "").strip() or None
    request = get_by_tracking_no(session=session, tracking_no=tracking_no)
    if request is None:
        raise RequestNotFound(NOT_FOUND_TEXT)
    current = RequestStatus(request.status)
    if to not in TRANSITIONS[current]:
        raise InvalidTransition(f"办件当前状态为“{current.value}”，不能变更为“{to.value}”。")
    if to == RequestStatus.REJECTED and not reason:
        raise ReasonRequired("不予受理时必须填写理由，申请人会看到这个理由。")
    now = utcnow()
    changed = session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == request.id, ServiceRequest.status == current)
        .values(status=to, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidTransition("这个办件的状态刚刚被其他人更新了，请刷新后再操作。")
    still_needed = _slot_still_needed(session=session, request=request)
    if to in _RELEASES_SLOT and request.slot_id is not None and not still_needed:
        release_slot(session=session, slot_id=request.slot_id)
    session.add(
        StatusChange(
            request_id=request.id, from_status=current, to_status=to, actor=actor[:64], reason=reason,
            created_at=now, notified_at=now if actor == "citizen" else None,
        )
    )
    session.flush()
    session.refresh(request)
    logger.info("service request %s: %s -> %s by %s", request.tracking_no, current.value, to.value, actor)
    return request


def _slot_still_needed(*, session: Session, request: ServiceRequest) -> bool:
    """The items of a bundle share one appointment: it is given back only when the last of them that needs it
    ends without being done (the status of ``request`` itself is already updated in the database)."""
    if request.bundle_id is None:
        return False
    return session.scalar(
        select(ServiceRequest.id).where(
            ServiceRequest.bundle_id == request.bundle_id,
            ServiceRequest.slot_id == request.slot_id,
            ServiceRequest.status.not_in(_RELEASES_SLOT),
        ).limit(1)
    ) is not None


def cancel(*, session: Session, tracking_no: str, verifier: str, reason: str | None = None) -> ServiceRequest:
    request = lookup(session=session, tracking_no=tracking_no, verifier=verifier)
    if request.status != RequestStatus.SUBMITTED:
        raise CannotCancel("您的申请已经受理或已结束，不能在线取消；如需撤回，请联系办理窗口或拨打 12345。")
    try:
        return change_status(
            session=session, tracking_no=request.tracking_no, to=RequestStatus.CANCELLED, actor="citizen",
            reason=reason or "申请人在线取消",
        )
    except InvalidTransition:
        raise CannotCancel("您的申请刚刚已被受理，不能在线取消；如需撤回，请联系办理窗口。") from None


def list_requests(
    *, session: Session, status: RequestStatus | None = None, limit: int = 50, offset: int = 0
) -> Sequence[ServiceRequest]:
    """Newest first, for the staff console (render with ServiceRequestRead, which masks personal data)."""
    query = select(ServiceRequest).options(selectinload(ServiceRequest.history))
    if status is not None:
        query = query.where(ServiceRequest.status == status)
    return session.scalars(query.order_by(ServiceRequest.id.desc()).limit(limit).offset(offset)).all()


# --- retention (called by api/retention) -------------------------------------------------------------------


def ended_at() -> ColumnElement[dt.datetime]:
    """When a request reached its final status: the time of that change in its history (the record the staff and
    the citizen saw), or updated_at for a row without one."""
    ended = (
        select(func.max(StatusChange.created_at))
        .where(StatusChange.request_id == ServiceRequest.id, StatusChange.to_status.in_(FINAL_STATUSES))
        .correlate(ServiceRequest)
        .scalar_subquery()
    )
    return func.coalesce(ended, ServiceRequest.updated_at)


def _due(ended_before: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        ServiceRequest.status.in_(FINAL_STATUSES),
        ServiceRequest.anonymised_at.is_(None),
        ended_at() < ended_before,
    )


def due_for_anonymisation(*, session: Session, ended_before: dt.datetime) -> tuple[list[int], dt.datetime | None]:
    """Ids of the ended, not yet anonymised requests that ended before `ended_before`, and the earliest such end."""
    ids = session.scalars(select(ServiceRequest.id).where(*_due(ended_before)).order_by(ServiceRequest.id)).all()
    oldest = session.scalar(select(func.min(ended_at())).where(*_due(ended_before))) if ids else None
    return list(ids), oldest


def count_open_submitted_before(*, session: Session, before: dt.datetime) -> int:
    """Requests still open that were submitted before `before`: never anonymised while open, but worth a look."""
    return session.scalar(
        select(func.count()).select_from(ServiceRequest).where(
            ServiceRequest.status.not_in(FINAL_STATUSES), ServiceRequest.created_at < before
        )
    ) or 0


def applicant_names(*, session: Session, session_ids: Collection[str]) -> dict[str, list[str]]:
    """Session id -> the applicant names of the requests made in that chat: known names, masked in the
    conversation's texts wherever they appear, not only where the citizen introduced themselves."""
    names: dict[str, list[str]] = {}
    for session_id, name in session.execute(
        select(ServiceRequest.session_id, ServiceRequest.applicant_name).where(
            ServiceRequest.session_id.in_(list(session_ids)), ServiceRequest.anonymised_at.is_(None)
        )
    ):
        names.setdefault(session_id or "", []).append(name)
    return names


def personal_text_masker(request: ServiceRequest) -> Callable[[str], str]:
    """Masks this applicant's name, ID number and phone in free text (a rejection or cancellation reason, a rating
    comment or follow-up note): the exact values wherever they appear, then any other ID or mobile number by
    pattern (govchat.masking.mask_text). Other spellings of the name (the given name alone) are not detected."""
    replacements = [
        (re.compile(re.escape(request.id_number), re.IGNORECASE), anonymised_id_number(request.id_number)),
        (re.compile(re.escape(request.phone)), anonymised_phone(request.phone)),
    ]
    if len(request.applicant_name) >= 2:
        replacements.append((re.compile(re.escape(request.applicant_name)), mask_name(request.applicant_name)))

    def mask(text: str) -> str:
        for pattern, masked in replacements:
            text = pattern.sub(masked, text)
        return mask_text(text)

    return mask


def anonymised_id_number(value: str) -> str:
    """All stars: nothing of it is needed once the request has ended and its period has passed."""
    return "*" * len(value)


def anonymised_phone(value: str) -> str:
    return "*" * len(value)


def anonymise(*, session: Session, request: ServiceRequest, at: dt.datetime) -> bool:
    """Removes the applicant's personal data from an ended request for good; False if it was anonymised already.

    Kept for statistics and the record: tracking number, service, mode, appointment, status, every date and the
    history (its reasons masked). Gone: name (surname kept, as govchat.masking.mask_name), ID number, phone, the chat
    session, a bundle item's own facts (a child's name, an address), and the idempotency key and fingerprint, which
    are hashes of those very contents and would let anyone holding a guess confirm it. updated_at is left as it was:
    it is the time of the last status change.
    """
    if request.status not in FINAL_STATUSES:
        raise ValueError(f"request {request.tracking_no} is still open")
    if request.anonymised_at is not None:
        return False
    mask = personal_text_masker(request)
    for change in request.history:
        if change.reason:
            change.reason = mask(change.reason)
    session.flush()
    changed = session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == request.id, ServiceRequest.anonymised_at.is_(None))
        .values(
            applicant_name=mask_name(request.applicant_name),
            id_number=anonymised_id_number(request.id_number),
            phone=anonymised_phone(request.phone),
            session_id=None,
            facts=None,
            idempotency_key=f"{ANONYMISED_KEY_PREFIX}{request.id}",
            fingerprint="",
            anonymised_at=at,
            updated_at=ServiceRequest.updated_at,  # named, so onupdate does not replace it
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(request)
    return changed.rowcount == 1  # type: ignore[attr-defined]
