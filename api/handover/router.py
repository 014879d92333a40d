from fastapi import APIRouter, BackgroundTasks, Request

from api.db import SessionDep, utcnow
from api.dependencies import SettingsDep
from api.handover import flows, service
from api.handover.schemas import (
    AgentRead,
    CallbackAccepted,
    CallbackPhone,
    CallbackRequest,
    CannedReplyRead,
    CannedReplyWrite,
    GuideSection,
    Inbox,
    NoteCreate,
    NoteRead,
    OfficeHoursStatus,
    ReplyRequest,
    StaffMessage,
    TransferRequest,
)
from api.review import service as review_service
from api.review.schemas import Transcript
from api.staff.dependencies import CurrentStaff
from govchat import office_hours

# Staff (agents and admins): mounted with the role dependency in api/routes.py.
router = APIRouter()
# Admins: the canned replies agents use.
admin_router = APIRouter()
# Citizens: office hours and leaving a phone number for a call back.
public_router = APIRouter()


@router.get("/inbox", response_model=Inbox, summary="待人工处理的会话")
def get_inbox(session: SessionDep, settings: SettingsDep) -> Inbox:
    waiting, in_progress = service.inbox(session=session, thresholds=settings.handover_wait_seconds)
    office = service.hours(settings)
    return Inbox(office_open=office.is_open(utcnow()), office_hours=office.describe(),
                 alert_after_seconds=settings.handover_wait_seconds[1], waiting=waiting, in_progress=in_progress)


@router.get("/agents", response_model=list[AgentRead], summary="可转接的工作人员")
def list_agents(session: SessionDep) -> list[AgentRead]:
    return [AgentRead.model_validate(a) for a in service.agents(session=session)]


@router.get("/canned-replies", response_model=list[CannedReplyRead], summary="快捷回复")
def list_canned_replies(session: SessionDep) -> list[CannedReplyRead]:
    return [CannedReplyRead.model_validate(r) for r in service.canned_replies(session=session)]


@router.get("/guides/{guide_id}/sections", response_model=list[GuideSection], summary="办事指南各章节（含来源）")
def guide_sections(guide_id: str, settings: SettingsDep) -> list[GuideSection]:
    return service.guide_sections(guides_dir=settings.guides_dir, guide_id=guide_id)


@router.get("/{conversation_id}", response_model=Transcript, summary="会话历史（已脱敏）")
def history(session: SessionDep, conversation_id: int) -> Transcript:
    return review_service.transcript(session=session, conversation_id=conversation_id)


@router.post("/{conversation_id}/claim", response_model=Transcript, summary="接入会话")
def claim(conversation_id: int, staff: CurrentStaff, session: SessionDep) -> Transcript:
    return flows.claim(session=session, staff=staff, conversation_id=conversation_id)


@router.post("/{conversation_id}/reply", response_model=StaffMessage, status_code=201, summary="回复群众")
def reply(
    conversation_id: int, body: ReplyRequest, staff: CurrentStaff, session: SessionDep, request: Request,
    background: BackgroundTasks,
) -> StaffMessage:
    message = flows.reply(session=session, staff=staff, conversation_id=conversation_id, text=body.text,
                          background=background, request_state=request.app.state)
    return StaffMessage(id=message.id, text=message.text, created_at=message.created_at)


@router.post("/{conversation_id}/transfer", status_code=204, summary="转给其他工作人员")
def transfer(conversation_id: int, body: TransferRequest, staff: CurrentStaff, session: SessionDep) -> None:
    flows.transfer(session=session, staff=staff, conversation_id=conversation_id, to_staff_id=body.staff_id)


@router.post("/{conversation_id}/hand-back", status_code=204, summary="转回智能助手")
def hand_back(conversation_id: int, staff: CurrentStaff, session: SessionDep) -> None:
    flows.hand_back(session=session, staff=staff, conversation_id=conversation_id)


@router.post("/{conversation_id}/close", status_code=204, summary="结束会话")
def close(conversation_id: int, staff: CurrentStaff, session: SessionDep) -> None:
    flows.close(session=session, staff=staff, conversation_id=conversation_id)


@router.post("/{conversation_id}/callback-phone", response_model=CallbackPhone, summary="查看回拨电话（记入审计）")
def reveal_callback_phone(conversation_id: int, staff: CurrentStaff, session: SessionDep) -> CallbackPhone:
    return flows.reveal_callback_phone(session=session, staff=staff, conversation_id=conversation_id)


@router.get("/{conversation_id}/notes", response_model=list[NoteRead], summary="内部备注（群众看不到）")
def list_notes(conversation_id: int, session: SessionDep) -> list[NoteRead]:
    service.get(session=session, conversation_id=conversation_id)
    return service.notes(session=session, conversation_id=conversation_id)


@router.post("/{conversation_id}/notes", response_model=list[NoteRead], status_code=201, summary="添加内部备注")
def add_note(conversation_id: int, body: NoteCreate, staff: CurrentStaff, session: SessionDep) -> list[NoteRead]:
    return flows.add_note(session=session, staff=staff, conversation_id=conversation_id, text=body.text)


@admin_router.post("/canned-replies", response_model=CannedReplyRead, status_code=201, summary="新建快捷回复")
def create_canned_reply(body: CannedReplyWrite, staff: CurrentStaff, session: SessionDep) -> CannedReplyRead:
    return CannedReplyRead.model_validate(flows.save_canned(session=session, staff=staff, title=body.title,
                                                            text=body.text))


@admin_router.put("/canned-replies/{reply_id}", response_model=CannedReplyRead, summary="修改快捷回复")
def update_canned_reply(
    reply_id: int, body: CannedReplyWrite, staff: CurrentStaff, session: SessionDep
) -> CannedReplyRead:
    return CannedReplyRead.model_validate(flows.save_canned(session=session, staff=staff, title=body.title,
                                                            text=body.text, reply_id=reply_id))


@admin_router.delete("/canned-replies/{reply_id}", status_code=204, summary="删除快捷回复")
def delete_canned_reply(reply_id: int, staff: CurrentStaff, session: SessionDep) -> None:
    flows.delete_canned(session=session, staff=staff, reply_id=reply_id)


@public_router.get("/office-hours", response_model=OfficeHoursStatus, summary="人工服务时间")
def get_office_hours(settings: SettingsDep) -> OfficeHoursStatus:
    office = service.hours(settings)
    now = utcnow()
    is_open = office.is_open(now)
    return OfficeHoursStatus(open=is_open, office_hours=office.describe(), next_open=office.next_opening(now),
                             notice=None if is_open else office_hours.closed_notice(office, now))


@public_router.post("/callback", response_model=CallbackAccepted, status_code=201, summary="留下回拨电话")
def leave_callback(body: CallbackRequest, session: SessionDep, settings: SettingsDep) -> CallbackAccepted:
    return flows.leave_callback(session=session, settings=settings, session_id=body.session_id, phone=body.phone)
