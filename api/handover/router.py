from fastapi import APIRouter, BackgroundTasks, Request

from api.channels.wechat import service as wechat_service
from api.conversations import service as conversations
from api.conversations.models import ConversationState, Role
from api.db import SessionDep, utcnow
from api.dependencies import SettingsDep
from api.handover import service
from api.handover.exceptions import NotHolder
from api.handover.schemas import (
    CallbackAccepted,
    CallbackPhone,
    CallbackRequest,
    Inbox,
    OfficeHoursStatus,
    ReplyRequest,
    StaffMessage,
)
from api.review import service as review_service
from api.review.schemas import Transcript
from api.staff import service as staff_service
from api.staff.dependencies import CurrentStaff
from govchat import office_hours
from govchat.masking import mask_optional_phone

# Staff (agents and admins): mounted with the role dependency in api/routes.py.
router = APIRouter()
# Citizens: office hours and leaving a phone number for a call back.
public_router = APIRouter()


@router.get("/inbox", response_model=Inbox, summary="待人工处理的会话")
def get_inbox(session: SessionDep, settings: SettingsDep) -> Inbox:
    waiting, in_progress = service.inbox(session=session)
    office = service.hours(settings)
    return Inbox(office_open=office.is_open(utcnow()), office_hours=office.describe(), waiting=waiting,
                 in_progress=in_progress)


@router.get("/{conversation_id}", response_model=Transcript, summary="会话历史（已脱敏）")
def history(session: SessionDep, conversation_id: int) -> Transcript:
    return review_service.transcript(session=session, conversation_id=conversation_id)


@router.post("/{conversation_id}/claim", response_model=Transcript, summary="接入会话")
def claim(conversation_id: int, staff: CurrentStaff, session: SessionDep) -> Transcript:
    conversation = service.get(session=session, conversation_id=conversation_id)
    service.claim(session=session, conversation=conversation, staff=staff.user)
    staff_service.record(session=session, actor=staff.user, action="handover_claim", target_type="conversation",
                         target_id=conversation.id, ip=staff.ip)
    return review_service.transcript(session=session, conversation_id=conversation_id)


@router.post("/{conversation_id}/reply", response_model=StaffMessage, status_code=201, summary="回复群众")
def reply(
    conversation_id: int, body: ReplyRequest, staff: CurrentStaff, session: SessionDep, request: Request,
    background: BackgroundTasks,
) -> StaffMessage:
    conversation = service.get(session=session, conversation_id=conversation_id)
    message = service.reply(session=session, conversation=conversation, staff=staff.user, text=body.text,
                            admin=staff.is_admin)
    staff_service.record(session=session, actor=staff.user, action="handover_reply", target_type="conversation",
                         target_id=conversation.id, detail={"message_id": message.id}, ip=staff.ip)
    # Runs after the commit: WeChat citizens get the reply pushed; web and mini-program clients poll for it.
    background.add_task(
        wechat_service.deliver_staff_reply, request_state=request.app.state, session_id=conversation.session_id,
        openid=conversation.user_ref, text=message.text,
    )
    return StaffMessage(id=message.id, text=message.text, created_at=message.created_at)


@router.post("/{conversation_id}/hand-back", status_code=204, summary="转回智能助手")
def hand_back(conversation_id: int, staff: CurrentStaff, session: SessionDep) -> None:
    conversation = service.get(session=session, conversation_id=conversation_id)
    service.hand_back(session=session, conversation=conversation, staff=staff.user, admin=staff.is_admin)
    staff_service.record(session=session, actor=staff.user, action="handover_hand_back",
                         target_type="conversation", target_id=conversation.id, ip=staff.ip)


@router.post("/{conversation_id}/close", status_code=204, summary="结束会话")
def close(conversation_id: int, staff: CurrentStaff, session: SessionDep) -> None:
    conversation = service.get(session=session, conversation_id=conversation_id)
    service.close(session=session, conversation=conversation, staff=staff.user, admin=staff.is_admin)
    staff_service.record(session=session, actor=staff.user, action="handover_close", target_type="conversation",
                         target_id=conversation.id, ip=staff.ip)


@router.post("/{conversation_id}/callback-phone", response_model=CallbackPhone, summary="查看回拨电话（记入审计）")
def reveal_callback_phone(conversation_id: int, staff: CurrentStaff, session: SessionDep) -> CallbackPhone:
    """The citizen left this number to be called back; the agent holding the conversation (or an admin) may see
    it in full to make the call. Each look is audited."""
    conversation = service.get(session=session, conversation_id=conversation_id)
    holds = conversation.state == ConversationState.HUMAN and conversation.assigned_staff_id == staff.user.id
    if not staff.is_admin and not holds:  # close keeps assigned_staff_id: the former holder no longer holds it
        raise NotHolder("请先接入该会话，再查看回拨电话。")
    staff_service.record(session=session, actor=staff.user, action="reveal_callback_phone",
                         target_type="conversation", target_id=conversation.id, ip=staff.ip)
    return CallbackPhone(phone=conversation.callback_phone)


@public_router.get("/office-hours", response_model=OfficeHoursStatus, summary="人工服务时间")
def get_office_hours(settings: SettingsDep) -> OfficeHoursStatus:
    office = service.hours(settings)
    now = utcnow()
    is_open = office.is_open(now)
    return OfficeHoursStatus(open=is_open, office_hours=office.describe(), next_open=office.next_opening(now),
                             notice=None if is_open else office_hours.closed_notice(office, now))


@public_router.post("/callback", response_model=CallbackAccepted, status_code=201, summary="留下回拨电话")
def leave_callback(body: CallbackRequest, session: SessionDep, settings: SettingsDep) -> CallbackAccepted:
    conversation = service.leave_callback(session=session, session_id=body.session_id, phone=body.phone)
    masked = mask_optional_phone(conversation.callback_phone) or ""
    office = service.hours(settings)
    when = "工作人员会尽快" if office.is_open(utcnow()) else "工作人员将在工作时间"
    notice = f"已记录您的回拨电话 {masked}，{when}给您回电。"
    conversations.add_message(session=session, conversation=conversation, role=Role.SYSTEM, text=notice)
    return CallbackAccepted(phone=masked, notice=notice)
