"""The handover queue. Callers own the transaction; these functions only flush.

Staff replies are stored as messages with role=staff, so the citizen's client gets them from
``GET /api/v1/chat/{session_id}/messages`` like any other message.
"""

import re
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.conversations import service as conversations
from api.conversations.models import Conversation, ConversationState, Message, Role
from api.db import utcnow
from api.handover.exceptions import ClaimedByOther, InvalidPhone, NotHolder, NotWaiting, StateChanged
from api.handover.schemas import InboxItem
from api.review.exceptions import ConversationNotFound
from api.staff.models import StaffUser
from api.staff.service import aware
from govchat import office_hours
from govchat.masking import mask_message, mask_optional_phone
from govchat.settings import Settings

CLAIMED_TEXT = "人工客服已接入，正在为您服务，请稍候。"
HANDED_BACK_TEXT = "人工客服已结束服务，接下来由智能助手继续为您解答。"
CLOSED_TEXT = "本次人工服务已结束，感谢您的咨询。如还有问题，欢迎随时再来咨询。"
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def hours(settings: Settings) -> office_hours.OfficeHours:
    return office_hours.from_settings(settings)


def get(*, session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise ConversationNotFound("没有找到这个会话。")
    return conversation


def inbox(*, session: Session, now: datetime | None = None) -> tuple[list[InboxItem], list[InboxItem]]:
    """(waiting, in progress); waiting oldest first, so the queue is served in order."""
    now = now or utcnow()
    open_conversations = session.scalars(
        select(Conversation)
        .where(Conversation.state.in_([ConversationState.WAITING, ConversationState.HUMAN]))
        .order_by(Conversation.handover_requested_at.asc(), Conversation.id.asc())
    ).all()
    ids = [c.id for c in open_conversations]
    counts = dict(
        session.execute(
            select(Message.conversation_id, func.count()).where(Message.conversation_id.in_(ids))
            .group_by(Message.conversation_id)
        ).all()
    ) if ids else {}
    last_citizen: dict[int, Message] = {}
    if ids:
        latest = (select(func.max(Message.id)).where(Message.conversation_id.in_(ids), Message.role == Role.CITIZEN)
                  .group_by(Message.conversation_id))
        for m in session.scalars(select(Message).where(Message.id.in_(latest))):
            last_citizen[m.conversation_id] = m
    staff_ids = {c.assigned_staff_id for c in open_conversations if c.assigned_staff_id}
    names = dict(session.execute(select(StaffUser.id, StaffUser.display_name)
                                 .where(StaffUser.id.in_(staff_ids))).all()) if staff_ids else {}
    waiting: list[InboxItem] = []
    in_progress: list[InboxItem] = []
    for c in open_conversations:
        last = last_citizen.get(c.id)
        requested = aware(c.handover_requested_at) if c.handover_requested_at else None
        item = InboxItem(
            id=c.id, channel=c.channel, state=c.state,
            handover_requested_at=requested,
            waiting_seconds=int((now - requested).total_seconds()) if requested else None,
            assigned_staff_id=c.assigned_staff_id, assigned_staff_name=names.get(c.assigned_staff_id or 0),
            callback_phone=mask_optional_phone(c.callback_phone),
            last_citizen_text=mask_message(last.text, last.entities)[:120] if last else "",
            message_count=counts.get(c.id, 0),
        )
        (waiting if c.state == ConversationState.WAITING else in_progress).append(item)
    return waiting, in_progress


def claim(*, session: Session, conversation: Conversation, staff: StaffUser) -> Conversation:
    if conversation.state == ConversationState.HUMAN and conversation.assigned_staff_id not in (None, staff.id):
        raise ClaimedByOther("该会话已由其他工作人员接入。")
    if conversation.state not in (ConversationState.WAITING, ConversationState.HUMAN):
        raise NotWaiting("该会话没有在等待人工服务。")
    if conversation.state == ConversationState.WAITING:
        # Compare and set: two agents may both have read "waiting"; only the UPDATE that still finds it wins.
        taken = session.scalar(
            update(Conversation)
            .where(Conversation.id == conversation.id, Conversation.state == ConversationState.WAITING)
            .values(state=ConversationState.HUMAN, assigned_staff_id=staff.id, updated_at=utcnow())
            .returning(Conversation.id)
            .execution_options(synchronize_session=False)
        )
        session.refresh(conversation)
        if taken is None:
            return claim(session=session, conversation=conversation, staff=staff)
        conversations.add_message(session=session, conversation=conversation, role=Role.SYSTEM, text=CLAIMED_TEXT)
    session.flush()
    return conversation


def _require_holder(conversation: Conversation, staff: StaffUser, *, admin: bool) -> None:
    if conversation.state != ConversationState.HUMAN:
        raise NotWaiting("请先接入该会话。")
    if conversation.assigned_staff_id != staff.id and not admin:
        raise NotHolder("该会话由其他工作人员处理，只有接入人可以回复或结束。")


def reply(*, session: Session, conversation: Conversation, staff: StaffUser, text: str, admin: bool) -> Message:
    _require_holder(conversation, staff, admin=admin)
    return conversations.add_message(
        session=session, conversation=conversation, role=Role.STAFF, text=text.strip(), staff_id=staff.id
    )


def hand_back(*, session: Session, conversation: Conversation, staff: StaffUser, admin: bool) -> None:
    if conversation.state == ConversationState.WAITING:
        pass  # nobody claimed it yet: an agent may still send it back to the assistant
    else:
        _require_holder(conversation, staff, admin=admin)
    _change(session, conversation, state=ConversationState.BOT, assigned_staff_id=None, handover_requested_at=None)
    conversations.add_message(session=session, conversation=conversation, role=Role.SYSTEM, text=HANDED_BACK_TEXT)


def close(*, session: Session, conversation: Conversation, staff: StaffUser, admin: bool) -> None:
    if conversation.state == ConversationState.CLOSED:
        raise NotWaiting("该会话已经结束。")
    if conversation.state == ConversationState.HUMAN:
        _require_holder(conversation, staff, admin=admin)
    _change(session, conversation, state=ConversationState.CLOSED)
    conversations.add_message(session=session, conversation=conversation, role=Role.SYSTEM, text=CLOSED_TEXT)


def _change(session: Session, conversation: Conversation, **values: Any) -> None:
    """Compare and set: applies `values` only while the state and holder are still the ones the checks saw (another
    agent may have claimed the conversation since it was read)."""
    holder = conversation.assigned_staff_id
    changed = session.scalar(
        update(Conversation)
        .where(Conversation.id == conversation.id, Conversation.state == conversation.state,
               Conversation.assigned_staff_id.is_(None) if holder is None else Conversation.assigned_staff_id == holder)
        .values(**values, updated_at=utcnow())
        .returning(Conversation.id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(conversation)
    if changed is None:
        raise StateChanged("该会话的状态刚被其他工作人员更改，请刷新后重试。")


def leave_callback(*, session: Session, session_id: str, phone: str) -> Conversation:
    phone = re.sub(r"[\s-]", "", phone)
    if not _MOBILE.match(phone):
        raise InvalidPhone("请填写 11 位手机号码。")
    conversation = conversations.get_by_session_id(session=session, session_id=session_id)
    if conversation is None:
        raise ConversationNotFound("没有找到这个会话。")
    conversation.callback_phone = phone
    conversation.identified = True  # personal data given: the longer retention for identified conversations
    if conversation.state in (ConversationState.BOT, ConversationState.CLOSED):
        conversation.state = ConversationState.WAITING
        conversation.handover_requested_at = utcnow()
    session.flush()
    return conversation
