"""The handover queue. Callers own the transaction; these functions only flush.

Staff replies are stored as messages with role=staff, so the citizen's client gets them from
``GET /api/v1/chat/{session_id}/messages`` like any other message.
"""

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from actions import guide_answers
from api.conversations import service as conversations
from api.conversations.models import Conversation, ConversationState, Message, Role
from api.db import utcnow
from api.handover.exceptions import (
    CannedReplyNotFound,
    CannedTitleTaken,
    ClaimedByOther,
    InvalidPhone,
    InvalidTransferTarget,
    NotHolder,
    NotWaiting,
    StateChanged,
)
from api.handover.models import CannedReply, ConversationNote
from api.handover.schemas import GuideSection, InboxItem, NoteRead, WaitLevel
from api.review.exceptions import ConversationNotFound
from api.service_requests import service as requests_service
from api.staff.models import StaffRole, StaffUser
from api.staff.service import aware
from govchat import office_hours
from govchat.masking import mask_message, mask_optional_phone, mask_text
from govchat.settings import Settings
from knowledge.aspects import SECTION_TITLES
from knowledge.schema import ASPECTS

# {name}: the agent's display name (or 工号), so the citizen knows who answers.
CLAIMED_TEXT = "工作人员 {name} 已接入，正在为您服务，请稍候。"
TRANSFERRED_TEXT = "已为您转接工作人员 {name}，请稍候。"
WAITING_ACK_TEXT = "已收到，工作人员接入后会看到您的消息。"
# Citizen messages that ask for a person rather than ask the question (besides the one the assistant answered by
# handing over, whatever its intent).
HANDOVER_INTENTS = frozenset({"request_human"})
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


def wait_level(seconds: int, thresholds: tuple[int, int]) -> WaitLevel:
    amber, red = thresholds
    return "red" if seconds >= red else "amber" if seconds >= amber else "green"


def _questions(session: Session, ids: Sequence[int]) -> dict[int, Message]:
    """Per conversation, the citizen's latest message that is not a request for a person: the inbox shows what the
    citizen wants, not "转人工". A message is a request for a person when its intent says so or the assistant's
    reply to it handed over. Only ids and flags are scanned; the texts of the chosen messages are read after."""
    rows = session.execute(
        select(Message.id, Message.conversation_id, Message.role, Message.intent)
        .where(Message.conversation_id.in_(ids),
               or_(Message.role == Role.CITIZEN, and_(Message.role == Role.BOT, Message.handed_over.is_(True))))
        .order_by(Message.id)
    )
    kept: dict[int, list[int]] = defaultdict(list)
    unanswered: dict[int, int] = {}  # the latest citizen message no handing-over reply has claimed yet
    for message_id, conversation_id, role, intent in rows:
        if role == Role.CITIZEN:
            unanswered[conversation_id] = message_id
            if intent not in HANDOVER_INTENTS:
                kept[conversation_id].append(message_id)
        elif (asked := unanswered.pop(conversation_id, None)) is not None:
            if kept[conversation_id] and kept[conversation_id][-1] == asked:
                kept[conversation_id].pop()
    latest = [messages[-1] for messages in kept.values() if messages]
    return {m.conversation_id: m for m in session.scalars(select(Message).where(Message.id.in_(latest)))}


def inbox(
    *, session: Session, thresholds: tuple[int, int], now: datetime | None = None
) -> tuple[list[InboxItem], list[InboxItem]]:
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
    questions = _questions(session, ids) if ids else {}
    staff_ids = {c.assigned_staff_id for c in open_conversations if c.assigned_staff_id}
    names = dict(session.execute(select(StaffUser.id, StaffUser.display_name)
                                 .where(StaffUser.id.in_(staff_ids))).all()) if staff_ids else {}
    waiting: list[InboxItem] = []
    in_progress: list[InboxItem] = []
    for c in open_conversations:
        question = questions.get(c.id)
        requested = aware(c.handover_requested_at) if c.handover_requested_at else None
        waited = int((now - requested).total_seconds()) if requested else None
        item = InboxItem(
            id=c.id, channel=c.channel, state=c.state,
            handover_requested_at=requested, waiting_seconds=waited,
            wait_level=wait_level(waited, thresholds)
            if waited is not None and c.state == ConversationState.WAITING else None,
            assigned_staff_id=c.assigned_staff_id, assigned_staff_name=names.get(c.assigned_staff_id or 0),
            callback_phone=mask_optional_phone(c.callback_phone),
            question=mask_message(question.text, question.entities)[:120] if question else "",
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
        conversations.add_message(session=session, conversation=conversation, role=Role.SYSTEM,
                                  text=CLAIMED_TEXT.format(name=staff.display_name or staff.username))
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
        session=session, conversation=conversation, role=Role.STAFF, text=text.strip(), staff_id=staff.id,
        sender_name=staff.display_name or staff.username,
    )


def transfer(*, session: Session, conversation: Conversation, staff: StaffUser, to: StaffUser, admin: bool) -> None:
    """Hands a held conversation to another agent; it shows in their inbox as theirs."""
    _require_holder(conversation, staff, admin=admin)
    if not to.active or to.role not in (StaffRole.ADMIN, StaffRole.AGENT) or to.id == conversation.assigned_staff_id:
        raise InvalidTransferTarget("只能转给另一位在岗的客服坐席或管理员。")
    _change(session, conversation, assigned_staff_id=to.id)
    conversations.add_message(session=session, conversation=conversation, role=Role.SYSTEM,
                              text=TRANSFERRED_TEXT.format(name=to.display_name or to.username))


def agents(*, session: Session) -> Sequence[StaffUser]:
    """Who a conversation can be transferred to."""
    return session.scalars(
        select(StaffUser).where(StaffUser.active.is_(True), StaffUser.role.in_([StaffRole.ADMIN, StaffRole.AGENT]))
        .order_by(StaffUser.display_name, StaffUser.id)
    ).all()


def acknowledge_waiting(*, session: Session, conversation_id: int) -> Message | None:
    """Tells a citizen who writes while waiting (the caller checks the state) that staff will see the message: once
    per waiting period (the first message after the handover request), not for every message. Two messages sent at
    the same instant may both be acknowledged."""
    conversation = session.get_one(Conversation, conversation_id)
    if conversation.handover_requested_at is None:
        return None
    acknowledged = session.scalar(select(exists().where(
        Message.conversation_id == conversation_id, Message.role == Role.SYSTEM, Message.text == WAITING_ACK_TEXT,
        Message.created_at >= conversation.handover_requested_at,
    )))
    if acknowledged:
        return None
    return conversations.add_message(session=session, conversation=conversation, role=Role.SYSTEM,
                                     text=WAITING_ACK_TEXT)


# --- internal notes -----------------------------------------------------------------------------------------


def add_note(*, session: Session, conversation: Conversation, staff: StaffUser, text: str) -> ConversationNote:
    note = ConversationNote(conversation_id=conversation.id, staff_id=staff.id, text=text.strip())
    session.add(note)
    session.flush()
    return note


def notes(*, session: Session, conversation_id: int) -> list[NoteRead]:
    """A conversation's notes, masked like everything staff read."""
    rows = session.execute(
        select(ConversationNote, StaffUser.display_name)
        .outerjoin(StaffUser, StaffUser.id == ConversationNote.staff_id)
        .where(ConversationNote.conversation_id == conversation_id).order_by(ConversationNote.id)
    ).all()
    return [NoteRead(id=n.id, text=mask_text(n.text), staff_name=name or "", created_at=aware(n.created_at))
            for n, name in rows]


# --- canned replies -----------------------------------------------------------------------------------------


def canned_replies(*, session: Session) -> Sequence[CannedReply]:
    return session.scalars(select(CannedReply).order_by(CannedReply.title)).all()


def get_canned(*, session: Session, reply_id: int) -> CannedReply:
    reply = session.get(CannedReply, reply_id)
    if reply is None:
        raise CannedReplyNotFound("没有找到这条快捷回复。")
    return reply


def save_canned(*, session: Session, reply: CannedReply, title: str, text: str, staff: StaffUser) -> CannedReply:
    """Creates (a new, unsaved `reply`) or updates one; titles are unique so agents can tell them apart."""
    taken = session.scalar(select(CannedReply.id).where(CannedReply.title == title, CannedReply.id != reply.id)
                           if reply.id else select(CannedReply.id).where(CannedReply.title == title))
    if taken is not None:
        raise CannedTitleTaken(f"已有名为“{title}”的快捷回复。")
    reply.title, reply.text, reply.updated_by = title, text.strip(), staff.id
    session.add(reply)
    session.flush()
    return reply


# --- guide sections -----------------------------------------------------------------------------------------


def guide_sections(*, guides_dir: Path, guide_id: str) -> list[GuideSection]:
    """Each section of a guide as the assistant would answer it, ending with the same source line, for an agent to
    insert into a reply."""
    guide = requests_service.load_guide(guides_dir=guides_dir, guide_id=guide_id)
    sections = []
    for aspect, title in SECTION_TITLES.items():
        if aspect not in ASPECTS:  # faq: answers to single questions, not a section to insert whole
            continue
        body = guide_answers.render(guide, aspect)
        sections.append(GuideSection(
            section=aspect, title=title,
            text=f"{body}\n\n{guide_answers.source_line(guide.title, [title], guide.source)}",
        ))
    return sections


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
