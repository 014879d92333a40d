"""Work that spans domains: status changes made by staff reach the citizen in the chat they applied from.

Staff changes are posted into that conversation at once (``api.staff.flows``), where an open chat page receives
them through its event stream. Changes without a conversation to post to yet are picked up by
``take_status_notices``, which the chat flow calls inside the transaction that stores the reply, so a notice is
marked as delivered only if the reply carrying it is stored too.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.bundle_requests import service as bundles_service
from api.bundle_requests.models import BundleRequest
from api.bundle_requests.schemas import (
    BundleRequestRead,
    SessionApplicationsPage,
    SessionBundleItemRead,
    SessionBundleRead,
)
from api.db import utcnow
from api.feedback import service as feedback_service
from api.feedback.models import Rating
from api.service_requests import service as requests_service
from api.service_requests.exceptions import CannotCancel
from api.service_requests.models import RequestStatus, ServiceRequest, StatusChange
from api.service_requests.schemas import ServiceRequestRead, SessionRequestRead

_NOTICES: dict[str, str] = {
    RequestStatus.ACCEPTED: "您的“{title}”申请（受理编号 {no}）已受理，工作人员正在安排办理。",
    RequestStatus.IN_PROGRESS: "您的“{title}”申请（受理编号 {no}）正在办理中。",
    RequestStatus.COMPLETED: (
        "您的“{title}”申请（受理编号 {no}）已办结。欢迎您点击下方按钮对本次服务进行评价（好差评）。"
    ),
    RequestStatus.REJECTED: (
        "很抱歉，您的“{title}”申请（受理编号 {no}）未予受理，原因：{reason}。如有疑问，可拨打 12345 咨询。"
    ),
    RequestStatus.CANCELLED: "您的“{title}”申请（受理编号 {no}）已取消。{reason_sentence}",
}


# Under the notice that ends a bundle's last item: the bundle is rated as a whole too.
_BUNDLE_DONE = (
    "【办件进度】您的一次申请（编号 {no}）各事项都已办结。欢迎您点击下方按钮对这次一次申请整体评价（好差评）。"
)

RATING_LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")


@dataclass(frozen=True)
class Notice:
    text: str
    buttons: list[dict[str, str]] | None = None


def rating_buttons(tracking_no: str) -> list[dict[str, str]]:
    return [
        {
            "title": level,
            "payload": "/rate_request" + json.dumps({"rating_level": level, "sr_tracking_no": tracking_no},
                                                    ensure_ascii=False),
        }
        for level in RATING_LEVELS
    ]


def notice_text(change: StatusChange, request: ServiceRequest) -> str:
    template = _NOTICES.get(change.to_status, "您的“{title}”申请（受理编号 {no}）状态已更新。")
    reason = change.reason or "未说明"
    return "【办件进度】" + template.format(
        title=request.service_title, no=request.tracking_no, reason=reason,
        reason_sentence=f"说明：{change.reason}。" if change.reason else "",
    )


def notice_for(change: StatusChange, request: ServiceRequest, *, newest: bool = True) -> Notice:
    """The notice of one status change; rating buttons only under the newest notice of a finished request (one
    rating per request)."""
    ratable = change.to_status in feedback_service.RATABLE_STATUSES and newest
    return Notice(notice_text(change, request), rating_buttons(request.tracking_no) if ratable else None)


def bundle_done_notice(*, session: Session, request: ServiceRequest) -> Notice | None:
    """For an item of a bundle whose every item has now ended: the notice asking to rate the bundle, until it is."""
    if request.bundle_id is None:
        return None
    bundle = session.get(BundleRequest, request.bundle_id)
    if bundle is None or not feedback_service.bundle_ratable(bundle):
        return None
    if session.scalar(select(Rating.id).where(Rating.bundle_id == bundle.id).limit(1)) is not None:
        return None
    return Notice(_BUNDLE_DONE.format(no=bundle.tracking_no), rating_buttons(bundle.tracking_no))


def take_status_notices(*, session: Session, session_id: str) -> list[Notice]:
    """Notices for status changes not yet shown in this conversation, oldest first, then the rating of each bundle
    they ended; marks them shown."""
    rows = session.execute(
        select(StatusChange, ServiceRequest)
        .join(ServiceRequest, StatusChange.request_id == ServiceRequest.id)
        .where(ServiceRequest.session_id == session_id, StatusChange.notified_at.is_(None))
        .order_by(StatusChange.id)
    ).all()
    if not rows:
        return []
    ids = [change.id for change, _ in rows]
    session.execute(
        update(StatusChange)
        .where(StatusChange.id.in_(ids), StatusChange.notified_at.is_(None))
        .values(notified_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    notices = [
        notice_for(change, request, newest=not any(r.id == request.id for _, r in rows[n + 1 :]))
        for n, (change, request) in enumerate(rows)
    ]
    ended = {request.bundle_id: request for _, request in rows if request.bundle_id is not None}
    return notices + [n for request in ended.values() if (n := bundle_done_notice(session=session, request=request))]


def _ratable(*, session: Session, requests: Sequence[ServiceRequest]) -> set[int]:
    """Ids of the requests that can be rated now: finished, and no rating yet."""
    rated = set(session.scalars(
        select(Rating.request_id).where(Rating.request_id.in_([r.id for r in requests]))
    ))
    return {r.id for r in requests if r.status in feedback_service.RATABLE_STATUSES and r.id not in rated}


def session_requests(*, session: Session, session_id: str) -> SessionApplicationsPage:
    """This conversation's requests and bundles, newest first, each request and item with whether it can be rated
    now: the citizen who applied here asks "办到哪了" and rates without a tracking number or verifier."""
    requests = requests_service.of_session(session=session, session_id=session_id)
    bundles = bundles_service.of_session(session=session, session_id=session_id)
    ratable = _ratable(session=session, requests=[*requests, *(item for b in bundles for item in b.items)])
    rated_bundles = set(session.scalars(
        select(Rating.bundle_id).where(Rating.bundle_id.in_([b.id for b in bundles]))
    ))
    return SessionApplicationsPage(
        session_id=session_id,
        requests=[
            SessionRequestRead(**ServiceRequestRead.from_model(r).model_dump(), ratable=r.id in ratable)
            for r in requests
        ],
        bundles=[
            _session_bundle(b, ratable, whole=feedback_service.bundle_ratable(b) and b.id not in rated_bundles)
            for b in bundles
        ],
    )


def _session_bundle(bundle: BundleRequest, ratable: set[int], *, whole: bool) -> SessionBundleRead:
    read = BundleRequestRead.from_model(bundle)
    items = [
        SessionBundleItemRead(**item.model_dump(), ratable=model.id in ratable)
        for item, model in zip(read.items, bundle.items, strict=True)
    ]
    return SessionBundleRead(**{**read.model_dump(), "items": items}, ratable=whole)


def lookup(*, session: Session, tracking_no: str, verifier: str) -> ServiceRequestRead | BundleRequestRead:
    """A single request or a bundle, by its tracking number and the applicant's birth date: the one lookup of
    both kinds of number, so the chat asks once and the guessing limit counts both."""
    if bundles_service.get_by_tracking_no(session=session, tracking_no=tracking_no) is not None:
        return BundleRequestRead.from_model(
            bundles_service.lookup(session=session, tracking_no=tracking_no, verifier=verifier)
        )
    return ServiceRequestRead.from_model(
        requests_service.lookup(session=session, tracking_no=tracking_no, verifier=verifier)
    )


BUNDLE_CANNOT_CANCEL_TEXT = (
    "一次申请的各事项由各部门分别受理，不能在线整体取消；如需撤回，请联系“一件事”综合窗口或拨打 12345 政务服务热线。"
)


def cancel(*, session: Session, tracking_no: str, verifier: str, reason: str | None) -> ServiceRequest:
    """Cancel a single request; a bundle's number (once its applicant is verified) is told why it cannot be."""
    if bundles_service.get_by_tracking_no(session=session, tracking_no=tracking_no) is not None:
        bundles_service.lookup(session=session, tracking_no=tracking_no, verifier=verifier)
        raise CannotCancel(BUNDLE_CANNOT_CANCEL_TEXT)
    return requests_service.cancel(session=session, tracking_no=tracking_no, verifier=verifier, reason=reason)
