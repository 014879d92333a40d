"""The request API the action server calls (service credential required, see dependencies)."""

import datetime as dt

from fastapi import APIRouter, Path, Query, Response, status

from api.bundle_requests.schemas import BundleRequestRead, SessionApplicationsPage
from api.db import SessionDep
from api.dependencies import SettingsDep
from api.ratelimit import LimiterDep
from api.service_requests import flows, service
from api.service_requests.dependencies import IdempotencyKey, limited_verification
from api.service_requests.exceptions import InvalidField
from api.service_requests.schemas import (
    CancelRequest,
    ServiceRequestCreate,
    ServiceRequestRead,
    SlotPage,
    SlotRead,
    Verification,
)
from govchat import calendar

router = APIRouter()


@router.post(
    "",
    response_model=ServiceRequestRead,
    status_code=status.HTTP_201_CREATED,
    summary="提交办事申请（同一 Idempotency-Key 只生成一件）",
    responses={200: {"description": "同一 Idempotency-Key 的重复提交：返回已有的申请"}},
)
def create_request(
    body: ServiceRequestCreate, key: IdempotencyKey, session: SessionDep, settings: SettingsDep, response: Response
) -> ServiceRequestRead:
    request, created = service.create(
        session=session, data=body, idempotency_key=key, guides_dir=settings.guides_dir
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    # SessionDep commits before this response is sent: the tracking number is only ever shown once durable.
    return ServiceRequestRead.from_model(request)


@router.get("/slots", response_model=SlotPage, summary="查询可预约的日期和时段")
def list_slots(
    session: SessionDep,
    settings: SettingsDep,
    office: str = Query(min_length=1, max_length=200),
    guide_id: str | None = Query(default=None, max_length=64),
) -> SlotPage:
    if guide_id is not None:
        guide = service.load_guide(guides_dir=settings.guides_dir, guide_id=guide_id)
        if office not in service.offices_of(guide):
            raise InvalidField("office", "请从列出的办理地点中选择一个。")
    slots = service.available_slots(session=session, office=office, at=calendar.now())
    return SlotPage(office=office, slots=[SlotRead(day=d, period=p, remaining=r) for d, p, r in slots])


@router.get("/days/{day}", response_model=calendar.BookingDay, summary="某天是否工作日、是否在可预约范围内")
def booking_day(day: dt.date, session: SessionDep) -> calendar.BookingDay:
    return service.booking_day(session=session, day=day, at=calendar.now())


@router.post(
    "/lookup", response_model=ServiceRequestRead | BundleRequestRead,
    summary="凭受理编号和申请人出生日期查询进度（单项申请或“一件事”一次申请）",
)
def lookup_request(
    body: Verification, session: SessionDep, limiter: LimiterDep
) -> ServiceRequestRead | BundleRequestRead:
    with limited_verification(limiter=limiter, tracking_no=body.tracking_no):
        return flows.lookup(session=session, tracking_no=body.tracking_no, verifier=body.verifier)


@router.get(
    "/by-session/{session_id}", response_model=SessionApplicationsPage,
    summary="本会话提交的办件和“一件事”一次申请（无需受理编号和验证信息）",
)
def session_requests(
    session: SessionDep,
    session_id: str = Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]+$"),
) -> SessionApplicationsPage:
    # The action server passes the Rasa sender id, which is the gateway's own session id: only the conversation that
    # made a request gets it back this way.
    return flows.session_requests(session=session, session_id=session_id)


@router.post("/{tracking_no}/cancel", response_model=ServiceRequestRead, summary="受理前取消申请")
def cancel_request(
    tracking_no: str, body: CancelRequest, session: SessionDep, limiter: LimiterDep
) -> ServiceRequestRead:
    with limited_verification(limiter=limiter, tracking_no=tracking_no):
        request = flows.cancel(session=session, tracking_no=tracking_no, verifier=body.verifier, reason=body.reason)
    return ServiceRequestRead.from_model(request)
