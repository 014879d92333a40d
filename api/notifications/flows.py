"""Subscribe messages (订阅消息) about service requests, across the request store, WeChat and the grants.

The mini-program asks the citizen after a request is submitted (``offer``, ``record_answers``); each accepted
template allows one message. ``send_due`` runs on every gateway replica (api/notifications/scheduler.py) and sends
what is due: the newest staff status change, the day-before reminder of a window appointment and, opted in, that a
completed window request is ready to collect. Each message is claimed first by inserting its unique key and using
its grant in one transaction, then sent: never twice, whichever replica or restart gets there.
"""

import datetime as dt
import logging
from dataclasses import dataclass

import httpx
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.channels.wechat.client import WeChatApi
from api.channels.wechat.exceptions import WeChatApiError
from api.db import session_scope
from api.notifications.models import SubscribeGrant, SubscribeMessage
from api.notifications.schemas import OfferedTemplate, SubscribeAnswers, SubscribeOffer
from api.service_requests import service as requests_service
from api.service_requests.exceptions import RequestNotFound
from api.service_requests.models import HandlingMode, RequestStatus, ServiceRequest, StatusChange
from api.service_requests.schemas import STATUS_LABELS
from govchat import calendar
from govchat.settings import Settings, SubscribeTemplate
from govchat.subscribe import SubscribeKind, fit

logger = logging.getLogger(__name__)

# A tap on the message opens the chat, where "办到哪了" shows the whole record.
PAGE = "pages/chat/chat"
# The day-before reminder goes out from this local hour on the day before the appointment (or at once, for a
# booking made later than that).
REMINDER_HOUR = 9
# Grants (with the openid) of an ended request are kept this long, for a last status message, then deleted.
GRANT_DAYS_AFTER_END = 1

_NOTES = {
    SubscribeKind.STATUS: "点击查看办理详情",
    SubscribeKind.REMINDER: "请按时携带申请材料到窗口办理",
    SubscribeKind.READY: "已办结，请携带本人身份证件到窗口领取",
}


def templates(settings: Settings) -> dict[SubscribeKind, SubscribeTemplate]:
    """The notices this deployment offers: those with a template id."""
    configured = {
        SubscribeKind.STATUS: settings.wechat_subscribe_status,
        SubscribeKind.REMINDER: settings.wechat_subscribe_reminder,
        SubscribeKind.READY: settings.wechat_subscribe_ready,
    }
    return {kind: template for kind, template in configured.items() if template.id}


def _kinds_for(request: ServiceRequest) -> list[SubscribeKind]:
    """Status for every request; the reminder and the pick-up notice only for a window appointment, where the
    citizen comes to the office (and collects the document where they applied)."""
    if request.mode == HandlingMode.WINDOW:
        return [SubscribeKind.STATUS, SubscribeKind.REMINDER, SubscribeKind.READY]
    return [SubscribeKind.STATUS]


def _open_request(session: Session, session_id: str) -> ServiceRequest | None:
    return next(
        (r for r in requests_service.of_session(session=session, session_id=session_id)
         if r.status not in requests_service.FINAL_STATUSES),
        None,
    )


def offer(*, session: Session, settings: Settings, session_id: str) -> SubscribeOffer:
    """The newest open request of this mini-program conversation and the notices still worth asking for: not
    declined for it, and not allowed and still unused (asking again after a used one renews it)."""
    request = _open_request(session, session_id)
    if request is None:
        return SubscribeOffer()
    grants = session.scalars(select(SubscribeGrant).where(SubscribeGrant.request_id == request.id)).all()
    settled = {g.kind for g in grants if not g.accepted or g.used_at is None}
    enabled = templates(settings)
    return SubscribeOffer(
        tracking_no=request.tracking_no,
        templates=[
            OfferedTemplate(kind=kind, template_id=enabled[kind].id)
            for kind in _kinds_for(request) if kind in enabled and kind not in settled
        ],
    )


def record_answers(
    *, session: Session, settings: Settings, session_id: str, openid: str, answers: SubscribeAnswers
) -> list[SubscribeKind]:
    """Stores the citizen's answer for each offered template of this conversation's request; the accepted kinds."""
    offered = offer(session=session, settings=settings, session_id=session_id)
    if offered.tracking_no is None or offered.tracking_no != requests_service.normalize_tracking_no(
        answers.tracking_no
    ):
        raise RequestNotFound("没有找到本对话中可订阅通知的办件。")
    request = requests_service.get_by_tracking_no(session=session, tracking_no=offered.tracking_no)
    assert request is not None  # offered from this conversation just now
    accepted = []
    for template in offered.templates:
        result = answers.results.get(template.template_id)
        if result is None:
            continue
        session.add(SubscribeGrant(
            request_id=request.id, kind=template.kind, template_id=template.template_id, openid=openid,
            accepted=result == "accept",
        ))
        if result == "accept":
            accepted.append(template.kind)
    session.flush()
    logger.info("subscribe answers for %s: %s accepted", request.tracking_no, ",".join(accepted) or "none")
    return accepted


# --- sending ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One message to send, read while the session was open (the rows are gone when it is sent)."""

    key: str
    grant_id: int
    request_id: int
    kind: SubscribeKind
    openid: str
    template_id: str
    values: dict[str, str | dt.datetime | dt.date]

    @classmethod
    def of(cls, key: str, grant: SubscribeGrant, values: dict[str, str | dt.datetime | dt.date]) -> "Due":
        return cls(key, grant.id, grant.request_id, SubscribeKind(grant.kind), grant.openid, grant.template_id,
                   values)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0  # refused by WeChat (recorded with its errcode) or perhaps delivered: not tried again
    deferred: int = 0  # surely not delivered: claim undone, tried again next pass


def _unused(session: Session, kind: SubscribeKind) -> list[tuple[SubscribeGrant, ServiceRequest]]:
    rows = session.execute(
        select(SubscribeGrant, ServiceRequest)
        .join(ServiceRequest, SubscribeGrant.request_id == ServiceRequest.id)
        .where(SubscribeGrant.kind == kind, SubscribeGrant.accepted.is_(True), SubscribeGrant.used_at.is_(None),
               ServiceRequest.anonymised_at.is_(None))
        .order_by(SubscribeGrant.id)
    ).all()
    return [(grant, request) for grant, request in rows]


def _values(request: ServiceRequest, kind: SubscribeKind) -> dict[str, str | dt.datetime | dt.date]:
    values: dict[str, str | dt.datetime | dt.date] = {
        "tracking_no": request.tracking_no, "service": request.service_title,
        "status": STATUS_LABELS[request.status], "changed_at": request.updated_at.astimezone(calendar.TZ),
        "office": request.slot.office if request.slot else "", "note": _NOTES[kind],
    }
    if request.slot is not None:
        values["appointment"] = _appointment_start(request)
    return values


def _appointment_start(request: ServiceRequest) -> dt.datetime:
    assert request.slot is not None
    start = dt.time.fromisoformat(request.slot.period.split("-")[0])
    return dt.datetime.combine(request.slot.day, start, tzinfo=calendar.TZ)


def _due_ready(session: Session) -> list[Due]:
    return [
        Due.of(f"ready:{request.id}", grant, _values(request, SubscribeKind.READY))
        for grant, request in _unused(session, SubscribeKind.READY)
        if request.status == RequestStatus.COMPLETED and request.mode == HandlingMode.WINDOW
    ]


def _due_status(session: Session) -> list[Due]:
    """The newest change staff made after the citizen allowed the message (one message says the current status)."""
    due = []
    for grant, request in _unused(session, SubscribeKind.STATUS):
        change = session.scalar(
            select(StatusChange)
            .where(StatusChange.request_id == request.id, StatusChange.actor != "citizen",
                   StatusChange.created_at >= grant.created_at)
            .order_by(StatusChange.id.desc()).limit(1)
        )
        if change is None:
            continue
        if change.to_status == RequestStatus.COMPLETED and session.scalar(
            select(SubscribeMessage.id).where(SubscribeMessage.key == f"ready:{request.id}")
        ):
            continue  # the pick-up notice said it already
        values = _values(request, SubscribeKind.STATUS)
        values.update(status=STATUS_LABELS[change.to_status], changed_at=change.created_at.astimezone(calendar.TZ))
        if change.reason:
            values["note"] = change.reason
        due.append(Due.of(f"status:{change.id}", grant, values))
    return due


def _due_reminders(session: Session, at: dt.datetime) -> list[Due]:
    due = []
    for grant, request in _unused(session, SubscribeKind.REMINDER):
        if request.slot is None or request.status in requests_service.FINAL_STATUSES:
            continue
        start = _appointment_start(request)
        from_ = dt.datetime.combine(request.slot.day - dt.timedelta(days=1), dt.time(REMINDER_HOUR),
                                    tzinfo=calendar.TZ)
        if from_ <= at < start:
            due.append(Due.of(f"reminder:{request.id}:{request.slot.day.isoformat()}", grant,
                              _values(request, SubscribeKind.REMINDER)))
    return due


def _claim(sessions: sessionmaker[Session], due: Due, at: dt.datetime) -> bool:
    """Uses the grant and inserts the message's unique key in one transaction: only one caller ever gets True."""
    try:
        with session_scope(sessions) as session:
            used = session.execute(
                update(SubscribeGrant)
                .where(SubscribeGrant.id == due.grant_id, SubscribeGrant.used_at.is_(None))
                .values(used_at=at)
            )
            if used.rowcount != 1:  # type: ignore[attr-defined]
                return False
            session.add(SubscribeMessage(key=due.key, request_id=due.request_id, kind=due.kind, created_at=at))
            session.flush()
    except IntegrityError:
        return False  # the key is taken: sent (or being sent) already; the grant stays for the next one
    return True


def _finish(sessions: sessionmaker[Session], key: str, at: dt.datetime, errcode: int | None, ok: bool) -> None:
    with session_scope(sessions) as session:
        session.execute(
            update(SubscribeMessage).where(SubscribeMessage.key == key)
            .values(state="sent" if ok else "failed", errcode=errcode, sent_at=at if ok else None)
        )


def _not_delivered(exc: WeChatApiError) -> bool:
    """WeChat surely did not deliver: it answered busy (-1), or no connection was made. A timeout or a 5xx after the
    request went out may have delivered, so only these are tried again."""
    return exc.errcode == -1 or isinstance(exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout))


def _release(sessions: sessionmaker[Session], due: Due) -> None:
    """Undoes a claim whose message surely did not go out, so the next pass (on any replica) tries again."""
    with session_scope(sessions) as session:
        session.execute(delete(SubscribeMessage).where(SubscribeMessage.key == due.key))
        session.execute(update(SubscribeGrant).where(SubscribeGrant.id == due.grant_id).values(used_at=None))


def send_due(*, sessions: sessionmaker[Session], api: WeChatApi, settings: Settings, at: dt.datetime) -> SendReport:
    """Sends every message due at `at`; safe to run on several replicas at once and again after a restart."""
    report = SendReport()
    enabled = templates(settings)
    try:
        api.access_token()  # without one nothing could be sent: claim nothing, try again next pass
    except WeChatApiError as exc:
        logger.warning("subscribe messages wait: no access token (errcode %d)", exc.errcode)
        return report
    for collect in (_due_ready, _due_status, lambda s: _due_reminders(s, at)):
        with session_scope(sessions) as session:
            due_now = collect(session)
        for due in due_now:
            template = enabled.get(due.kind)
            if template is None or not _claim(sessions, due, at):
                continue
            data = {key: fit(key, due.values.get(value, "")) for key, value in template.fields.items()}
            try:
                api.send_subscribe(due.openid, template_id=due.template_id, data=data, page=PAGE,
                                   state=settings.wechat_miniprogram_state)
            except WeChatApiError as exc:
                if _not_delivered(exc):
                    logger.warning("subscribe message %s not delivered (errcode %d); next pass", due.key, exc.errcode)
                    _release(sessions, due)
                    report.deferred += 1
                    continue
                logger.warning("subscribe message %s not sent (errcode %d)", due.key, exc.errcode)
                _finish(sessions, due.key, at, exc.errcode, ok=False)
                report.failed += 1
                continue
            _finish(sessions, due.key, at, None, ok=True)
            logger.info("subscribe message %s sent", due.key)
            report.sent += 1
    with session_scope(sessions) as session:
        _purge_grants(session, at)
    return report


def _purge_grants(session: Session, at: dt.datetime) -> None:
    """The openids of ended requests go: nothing more will be sent about them."""
    ended = select(ServiceRequest.id).where(
        ServiceRequest.status.in_(requests_service.FINAL_STATUSES),
        ServiceRequest.updated_at < at - dt.timedelta(days=GRANT_DAYS_AFTER_END),
    )
    session.execute(delete(SubscribeGrant).where(SubscribeGrant.request_id.in_(ended)))
