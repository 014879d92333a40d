"""Staff work on service requests and ratings: spans requests, conversations, feedback and the audit log."""

from collections.abc import Sequence

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from api.conversations import service as conversations
from api.conversations.models import Role
from api.db import utcnow
from api.feedback import service as feedback_service
from api.feedback.models import Rating
from api.service_requests import flows as service_request_flows
from api.service_requests import service as requests_service
from api.service_requests.exceptions import RequestNotFound
from api.service_requests.models import RequestStatus, ServiceRequest, StatusChange
from api.staff import service as staff_service
from api.staff.exceptions import OtherDepartment
from api.staff.models import StaffRole, StaffUser


def list_requests(
    *, session: Session, status: str | None, q: str | None, limit: int, offset: int
) -> tuple[Sequence[ServiceRequest], int]:
    query = select(ServiceRequest).options(selectinload(ServiceRequest.history))
    if status:
        query = query.where(ServiceRequest.status == status)
    if q and q.strip():
        term = q.strip()
        query = query.where(or_(
            ServiceRequest.tracking_no.contains(term.upper(), autoescape=True),
            ServiceRequest.service_title.contains(term, autoescape=True),
        ))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = session.scalars(query.order_by(ServiceRequest.id.desc()).limit(limit).offset(offset)).all()
    return items, total


def get_request(*, session: Session, tracking_no: str) -> ServiceRequest:
    request = requests_service.get_by_tracking_no(session=session, tracking_no=tracking_no)
    if request is None:
        raise RequestNotFound("没有找到这个办件。")
    return request


def change_request_status(
    *, session: Session, staff: StaffUser, tracking_no: str, to: RequestStatus, reason: str | None, ip: str | None
) -> ServiceRequest:
    """Change the status, tell the citizen in the chat that created the request, and audit it, in one transaction.

    An agent of a department changes only its department's requests (each item of a bundle has its own); an agent
    without one (the one window) and admins change any."""
    request = get_request(session=session, tracking_no=tracking_no)
    if staff.department and staff.role != StaffRole.ADMIN and request.department not in (None, staff.department):
        raise OtherDepartment(f"这件由{request.department}办理，请由{request.department}的工作人员变更状态。")
    before = request.status
    request = requests_service.change_status(
        session=session, tracking_no=request.tracking_no, to=to, actor=f"staff:{staff.id}", reason=reason
    )
    change = session.scalar(
        select(StatusChange).where(StatusChange.request_id == request.id).order_by(StatusChange.id.desc()).limit(1)
    )
    conversation = (
        conversations.get_by_session_id(session=session, session_id=request.session_id) if request.session_id else None
    )
    if conversation is not None and change is not None:
        notices = [service_request_flows.notice_for(change, request)]
        if (bundle_done := service_request_flows.bundle_done_notice(session=session, request=request)) is not None:
            notices.append(bundle_done)
        for notice in notices:
            conversations.add_message(session=session, conversation=conversation, role=Role.SYSTEM,
                                      text=notice.text, buttons=notice.buttons)
        change.notified_at = utcnow()
    staff_service.record(
        session=session, actor=staff, action="request_status", target_type="service_request",
        target_id=request.tracking_no, reason=reason,
        detail={"from": before, "to": request.status, "notified_in_chat": conversation is not None}, ip=ip,
    )
    session.flush()
    return request


FOLLOW_UP_LIMIT = 200


def follow_ups(*, session: Session, include_done: bool, limit: int = FOLLOW_UP_LIMIT) -> Sequence[Rating]:
    """Poor ratings to call back: open ones first, oldest first (first in, first followed up), then, with
    ``include_done``, finished ones by age. Open tasks first so that old finished ones never push them past the
    limit."""
    query = select(Rating).where(Rating.needs_follow_up.is_(True))
    if not include_done:
        query = query.where(Rating.followed_up_at.is_(None))
    open_first = case((Rating.followed_up_at.is_(None), 0), else_=1)
    return session.scalars(query.order_by(open_first, Rating.created_at, Rating.id).limit(limit)).all()


def mark_followed_up(*, session: Session, staff: StaffUser, rating_id: int, note: str | None,
                     ip: str | None) -> Rating:
    rating = feedback_service.mark_followed_up(session=session, rating_id=rating_id, actor=f"staff:{staff.id}",
                                               note=note)
    staff_service.record(session=session, actor=staff, action="rating_follow_up", target_type="rating",
                         target_id=rating.id, reason=note, ip=ip)
    return rating
