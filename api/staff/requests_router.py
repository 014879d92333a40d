"""Staff routes for service requests and poor-rating follow-ups (agents and admins)."""

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.bundle_requests import service as bundles_service
from api.bundle_requests.schemas import BundleRequestRead
from api.db import SessionDep
from api.feedback.models import Rating
from api.service_requests.exceptions import InvalidTransition
from api.service_requests.models import RequestStatus
from api.service_requests.schemas import ServiceRequestRead
from api.staff import flows
from api.staff.dependencies import CurrentStaff
from govchat.masking import mask_message

router = APIRouter()

# What staff may set; cancelling is the citizen's own action.
STAFF_TARGETS = (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS, RequestStatus.COMPLETED, RequestStatus.REJECTED)


class RequestPage(BaseModel):
    items: list[ServiceRequestRead]
    total: int


class EventChoice(BaseModel):
    id: str
    title: str


class BundlePage(BaseModel):
    items: list[BundleRequestRead]
    total: int
    events: list[EventChoice]  # the life events that have applications, for the page's filter


class StatusChangeRequest(BaseModel):
    to: RequestStatus
    reason: str | None = Field(default=None, max_length=500)


class FollowUpRead(BaseModel):
    id: int
    level: str
    comment: str | None
    conversation_id: int | None
    request_id: int | None
    bundle_id: int | None = None
    created_at: datetime
    followed_up_at: datetime | None
    followed_up_by: str | None
    follow_up_note: str | None


class FollowUpDone(BaseModel):
    note: str | None = Field(default=None, max_length=1000)


def _follow_up(rating: Rating) -> FollowUpRead:
    return FollowUpRead(
        id=rating.id, level=rating.level, comment=mask_message(rating.comment) if rating.comment else None,
        conversation_id=rating.conversation_id, request_id=rating.request_id, bundle_id=rating.bundle_id,
        created_at=rating.created_at,
        followed_up_at=rating.followed_up_at, followed_up_by=rating.followed_up_by,
        follow_up_note=rating.follow_up_note,
    )


@router.get("/requests", response_model=RequestPage, summary="办件列表（已脱敏）")
def list_requests(session: SessionDep, status: RequestStatus | None = None,
                  q: str | None = Query(default=None, max_length=60), limit: int = Query(default=50, ge=1, le=200),
                  offset: int = Query(default=0, ge=0)) -> RequestPage:
    items, total = flows.list_requests(session=session, status=status, q=q, limit=limit, offset=offset)
    return RequestPage(items=[ServiceRequestRead.from_model(r) for r in items], total=total)


@router.get("/requests/{tracking_no}", response_model=ServiceRequestRead, summary="办件详情与流转记录")
def get_request(session: SessionDep, tracking_no: str) -> ServiceRequestRead:
    return ServiceRequestRead.from_model(flows.get_request(session=session, tracking_no=tracking_no))


@router.post("/requests/{tracking_no}/status", response_model=ServiceRequestRead, summary="变更办件状态")
def change_status(tracking_no: str, body: StatusChangeRequest, staff: CurrentStaff,
                  session: SessionDep) -> ServiceRequestRead:
    if body.to not in STAFF_TARGETS:
        raise InvalidTransition("工作人员只能将办件设为已受理、办理中、已办结或不予受理。")
    request = flows.change_request_status(session=session, staff=staff.user, tracking_no=tracking_no, to=body.to,
                                          reason=body.reason, ip=staff.ip)
    return ServiceRequestRead.from_model(request)


@router.get("/bundles", response_model=BundlePage, summary="“一件事”一次申请列表（已脱敏，各事项分别办理）")
def list_bundles(session: SessionDep, life_event_id: str | None = Query(default=None, max_length=64),
                 limit: int = Query(default=50, ge=1, le=200), offset: int = Query(default=0, ge=0)) -> BundlePage:
    # Each item is an ordinary request: staff change its status with POST /staff/requests/{item number}/status.
    bundles, total = bundles_service.list_bundles(session=session, life_event_id=life_event_id, limit=limit,
                                                  offset=offset)
    events = [EventChoice(id=i, title=t) for i, t in bundles_service.applied_events(session=session)]
    return BundlePage(items=[BundleRequestRead.from_model(b) for b in bundles], total=total, events=events)


@router.get("/follow-ups", response_model=list[FollowUpRead], summary="差评回访任务")
def follow_ups(session: SessionDep, include_done: bool = False) -> list[FollowUpRead]:
    return [_follow_up(r) for r in flows.follow_ups(session=session, include_done=include_done)]


@router.post("/follow-ups/{rating_id}/done", response_model=FollowUpRead, summary="记录已回访")
def follow_up_done(rating_id: int, body: FollowUpDone, staff: CurrentStaff, session: SessionDep) -> FollowUpRead:
    return _follow_up(flows.mark_followed_up(session=session, staff=staff.user, rating_id=rating_id,
                                             note=body.note, ip=staff.ip))
