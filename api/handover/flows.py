"""Handover work that spans domains: the queue (api.handover.service), the audit log (api.staff), transcripts
(api.review) and WeChat delivery (api.channels.wechat). The router calls these and only routes."""

from fastapi import BackgroundTasks
from sqlalchemy.orm import Session

from api.channels.wechat import service as wechat_service
from api.conversations import service as conversations
from api.conversations.models import ConversationState, Message, Role
from api.db import utcnow
from api.handover import service
from api.handover.exceptions import NotHolder
from api.handover.models import CannedReply
from api.handover.schemas import CallbackAccepted, CallbackPhone, NoteRead
from api.review import service as review_service
from api.review.schemas import Transcript
from api.staff import service as staff_service
from api.staff.dependencies import StaffContext
from govchat.masking import mask_optional_phone
from govchat.settings import Settings


def _audit(session: Session, staff: StaffContext, action: str, target_type: str, target_id: int,
           detail: dict[str, int] | None = None) -> None:
    staff_service.record(session=session, actor=staff.user, action=action, target_type=target_type,
                         target_id=target_id, detail=detail, ip=staff.ip)


def claim(*, session: Session, staff: StaffContext, conversation_id: int) -> Transcript:
    conversation = service.get(session=session, conversation_id=conversation_id)
    service.claim(session=session, conversation=conversation, staff=staff.user)
    _audit(session, staff, "handover_claim", "conversation", conversation.id)
    return review_service.transcript(session=session, conversation_id=conversation_id)


def reply(
    *, session: Session, staff: StaffContext, conversation_id: int, text: str, background: BackgroundTasks,
    request_state: object,
) -> Message:
    conversation = service.get(session=session, conversation_id=conversation_id)
    message = service.reply(session=session, conversation=conversation, staff=staff.user, text=text,
                            admin=staff.is_admin)
    _audit(session, staff, "handover_reply", "conversation", conversation.id, {"message_id": message.id})
    # Runs after the commit: WeChat citizens get the reply pushed, signed with the agent's name as the web chat
    # shows it; web and mini-program clients poll for it.
    background.add_task(
        wechat_service.deliver_staff_reply, request_state=request_state, session_id=conversation.session_id,
        openid=conversation.user_ref, text=f"{message.sender_name}：{message.text}",
    )
    return message


def transfer(*, session: Session, staff: StaffContext, conversation_id: int, to_staff_id: int) -> None:
    conversation = service.get(session=session, conversation_id=conversation_id)
    target = staff_service.get(session=session, staff_id=to_staff_id)
    previous = conversation.assigned_staff_id
    service.transfer(session=session, conversation=conversation, staff=staff.user, to=target, admin=staff.is_admin)
    _audit(session, staff, "handover_transfer", "conversation", conversation.id,
           {"from_staff_id": previous or 0, "to_staff_id": target.id})


def hand_back(*, session: Session, staff: StaffContext, conversation_id: int) -> None:
    conversation = service.get(session=session, conversation_id=conversation_id)
    service.hand_back(session=session, conversation=conversation, staff=staff.user, admin=staff.is_admin)
    _audit(session, staff, "handover_hand_back", "conversation", conversation.id)


def close(*, session: Session, staff: StaffContext, conversation_id: int) -> None:
    conversation = service.get(session=session, conversation_id=conversation_id)
    service.close(session=session, conversation=conversation, staff=staff.user, admin=staff.is_admin)
    _audit(session, staff, "handover_close", "conversation", conversation.id)


def reveal_callback_phone(*, session: Session, staff: StaffContext, conversation_id: int) -> CallbackPhone:
    """The citizen left this number to be called back; the agent holding the conversation (or an admin) may see
    it in full to make the call. Each look is audited."""
    conversation = service.get(session=session, conversation_id=conversation_id)
    holds = conversation.state == ConversationState.HUMAN and conversation.assigned_staff_id == staff.user.id
    if not staff.is_admin and not holds:  # close keeps assigned_staff_id: the former holder no longer holds it
        raise NotHolder("请先接入该会话，再查看回拨电话。")
    _audit(session, staff, "reveal_callback_phone", "conversation", conversation.id)
    return CallbackPhone(phone=conversation.callback_phone)


def add_note(*, session: Session, staff: StaffContext, conversation_id: int, text: str) -> list[NoteRead]:
    """Staff only: notes never enter the messages the citizen's clients read."""
    conversation = service.get(session=session, conversation_id=conversation_id)
    note = service.add_note(session=session, conversation=conversation, staff=staff.user, text=text)
    _audit(session, staff, "handover_note", "conversation", conversation.id, {"note_id": note.id})
    return service.notes(session=session, conversation_id=conversation.id)


def save_canned(
    *, session: Session, staff: StaffContext, title: str, text: str, reply_id: int | None = None
) -> CannedReply:
    reply = CannedReply() if reply_id is None else service.get_canned(session=session, reply_id=reply_id)
    saved = service.save_canned(session=session, reply=reply, title=title, text=text, staff=staff.user)
    _audit(session, staff, "canned_reply_create" if reply_id is None else "canned_reply_update", "canned_reply",
           saved.id)
    return saved


def delete_canned(*, session: Session, staff: StaffContext, reply_id: int) -> None:
    session.delete(service.get_canned(session=session, reply_id=reply_id))
    _audit(session, staff, "canned_reply_delete", "canned_reply", reply_id)


def leave_callback(*, session: Session, settings: Settings, session_id: str, phone: str) -> CallbackAccepted:
    conversation = service.leave_callback(session=session, session_id=session_id, phone=phone)
    masked = mask_optional_phone(conversation.callback_phone) or ""
    when = "工作人员会尽快" if service.hours(settings).is_open(utcnow()) else "工作人员将在工作时间"
    notice = f"已记录您的回拨电话 {masked}，{when}给您回电。"
    conversations.add_message(session=session, conversation=conversation, role=Role.SYSTEM, text=notice)
    return CallbackAccepted(phone=masked, notice=notice)
