"""Conversation listing, transcripts and annotations. Everything returned here is masked unless `reveal` says not."""

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from api.conversations.models import Conversation, ConversationState, Message, Role
from api.feedback.models import FOLLOW_UP_LEVELS, Rating
from api.handover.models import ConversationNote
from api.review.exceptions import ConversationNotFound, MessageNotFound, NotAnAnswer, SearchRefused
from api.review.models import Annotation
from api.review.schemas import (
    AnnotationRead,
    AnnotationWrite,
    ConversationFilters,
    ConversationSummary,
    MessageRead,
    Transcript,
    Turn,
)
from api.service_requests import service as requests_service
from govchat import localtime
from govchat.masking import mask_entities, mask_message, mask_optional_phone
from knowledge.aspects import SECTION_TITLES

_LONG_DIGITS = re.compile(r"[0-9]{7,}")


@lru_cache
def guide_titles() -> dict[str, str]:
    """Guide id -> title from the catalogue; read on first use, never at import."""
    try:
        from knowledge.loader import read_catalogue

        return read_catalogue()
    except (ImportError, OSError, ValueError):
        return {}


def _has_message(*conditions: Any) -> Any:
    return exists().where(Message.conversation_id == Conversation.id, *conditions)


def filtered_query(*, filters: ConversationFilters, may_search_numbers: bool) -> Select[Conversation]:
    query = select(Conversation)
    f = filters
    zone = localtime.zone(f.timezone)
    if f.date_from:
        query = query.where(Conversation.created_at >= localtime.day_start(f.date_from, zone))
    if f.date_to:
        query = query.where(Conversation.created_at < localtime.day_start(f.date_to + timedelta(days=1), zone))
    if f.channel:
        query = query.where(Conversation.channel == f.channel)
    if f.state:
        query = query.where(Conversation.state == f.state)
    if f.handed_over is not None:
        handed = or_(Conversation.handover_requested_at.is_not(None), _has_message(Message.handed_over.is_(True)))
        query = query.where(handed if f.handed_over else ~handed)
    if f.fell_back is not None:
        fell = _has_message(Message.fell_back.is_(True))
        query = query.where(fell if f.fell_back else ~fell)
    if f.guide_id:
        query = query.where(_has_message(Message.guide_id == f.guide_id))
    if f.intent:
        query = query.where(_has_message(Message.intent == f.intent))
    if f.confidence_below is not None:
        query = query.where(
            _has_message(Message.role == Role.CITIZEN, Message.confidence < f.confidence_below)
        )
    if f.annotated is not None:
        annotated = exists().where(Annotation.conversation_id == Conversation.id)
        query = query.where(annotated if f.annotated else ~annotated)
    if f.rating:
        query = query.where(_rating_condition(f.rating))
    if f.q:
        terms = [t for t in f.q.split() if t]
        if not may_search_numbers and any(_LONG_DIGITS.search(t) for t in terms):
            raise SearchRefused("为保护个人信息，只有管理员可以按证件号、手机号等长数字搜索。")
        for term in terms:
            query = query.where(_has_message(Message.text.contains(term, autoescape=True)))
    return query


def _rating_condition(rating: str) -> Any:
    """好差评 of the conversation (api.feedback): a level such as 不满意, or "poor" for 不满意 and 非常不满意."""
    if rating == "poor":
        levels = [level.value for level in FOLLOW_UP_LEVELS]
    elif rating == "none":
        return ~exists().where(Rating.conversation_id == Conversation.id)
    else:
        levels = [rating]
    return exists().where(Rating.conversation_id == Conversation.id, Rating.level.in_(levels))


def _ratings(session: Session, conversation_ids: Sequence[int]) -> dict[int, str]:
    rows = session.execute(
        select(Rating.conversation_id, Rating.level).where(Rating.conversation_id.in_(conversation_ids))
    ).all()
    return {conversation_id: level for conversation_id, level in rows if conversation_id is not None}


def summaries(session: Session, conversations: Sequence[Conversation]) -> list[ConversationSummary]:
    ids = [c.id for c in conversations]
    if not ids:
        return []
    stats: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"count": 0, "first": None, "handed": False, "fell": False, "min_conf": None,
                 "guides": [], "intents": [], "entities": []}
    )
    rows = session.execute(
        select(Message.conversation_id, Message.role, Message.text, Message.handed_over, Message.fell_back,
               Message.confidence, Message.guide_id, Message.intent, Message.entities)
        .where(Message.conversation_id.in_(ids))
        .order_by(Message.id)
    ).all()
    for row in rows:
        s = stats[row.conversation_id]
        s["count"] += 1
        s["handed"] |= bool(row.handed_over)
        s["fell"] |= bool(row.fell_back)
        if row.entities:
            s["entities"].extend(row.entities)
        if row.role == Role.CITIZEN:
            if s["first"] is None:
                s["first"] = row.text
            if row.confidence is not None:
                s["min_conf"] = row.confidence if s["min_conf"] is None else min(s["min_conf"], row.confidence)
            if row.intent and row.intent not in s["intents"]:
                s["intents"].append(row.intent)
        if row.guide_id and row.guide_id not in s["guides"]:
            s["guides"].append(row.guide_id)
    annotation_counts = dict(
        session.execute(
            select(Annotation.conversation_id, func.count())
            .where(Annotation.conversation_id.in_(ids))
            .group_by(Annotation.conversation_id)
        ).all()
    )
    ratings = _ratings(session, ids)
    names = requests_service.applicant_names(session=session, session_ids=[c.session_id for c in conversations])
    out = []
    for c in conversations:
        s = stats[c.id]
        out.append(
            ConversationSummary(
                id=c.id, channel=c.channel, state=c.state, identified=c.identified,
                created_at=c.created_at, updated_at=c.updated_at, message_count=s["count"],
                first_question=mask_message(s["first"] or "", s["entities"], names.get(c.session_id, []))[:80],
                handed_over=s["handed"] or c.handover_requested_at is not None, fell_back=s["fell"],
                min_confidence=s["min_conf"], guides=s["guides"], intents=s["intents"],
                annotations=annotation_counts.get(c.id, 0), rating=ratings.get(c.id),
            )
        )
    return out


def list_conversations(
    *, session: Session, filters: ConversationFilters, may_search_numbers: bool, limit: int, offset: int
) -> tuple[list[ConversationSummary], int]:
    query = filtered_query(filters=filters, may_search_numbers=may_search_numbers)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = session.scalars(query.order_by(Conversation.updated_at.desc(), Conversation.id.desc())
                           .limit(limit).offset(offset)).all()
    return summaries(session, page), total


def get_conversation(*, session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise ConversationNotFound("没有找到这个会话。")
    return conversation


def _message_read(
    message: Message, entities: list[Any], names: list[str], annotation: Annotation | None
) -> MessageRead:
    title = None
    if message.source and isinstance(message.source, dict):
        title = message.source.get("title")
    if message.guide_id and not title:
        title = guide_titles().get(message.guide_id)
    return MessageRead(
        id=message.id, role=message.role, text=mask_message(message.text, entities, names),
        created_at=message.created_at,
        intent=message.intent, confidence=message.confidence, entities=mask_entities(message.entities),
        guide_id=message.guide_id, guide_title=title, section=message.section,
        section_title=SECTION_TITLES.get(message.section) if message.section else None, score=message.score,
        decision=message.decision, fell_back=message.fell_back, handed_over=message.handed_over,
        latency_ms=message.latency_ms, staff_id=message.staff_id,
        annotation=AnnotationRead.model_validate(annotation) if annotation else None,
    )


def conversation_entities(messages: Sequence[Message]) -> list[Any]:
    return [e for m in messages for e in (m.entities or [])]


def transcript(*, session: Session, conversation_id: int) -> Transcript:
    conversation = get_conversation(session=session, conversation_id=conversation_id)
    messages = list(conversation.messages)
    entities = conversation_entities(messages)
    names = requests_service.applicant_names(session=session, session_ids=[conversation.session_id])
    annotations = {
        a.message_id: a
        for a in session.scalars(select(Annotation).where(Annotation.conversation_id == conversation.id))
    }
    turns: list[Turn] = []
    for message in messages:
        read = _message_read(message, entities, names.get(conversation.session_id, []), annotations.get(message.id))
        if message.role == Role.CITIZEN:
            turns.append(Turn(citizen=read, replies=[]))
        elif turns:
            turns[-1].replies.append(read)
        else:
            turns.append(Turn(citizen=None, replies=[read]))
    summary = summaries(session, [conversation])[0]
    return Transcript(
        conversation=summary, assigned_staff_id=conversation.assigned_staff_id,
        callback_phone=mask_optional_phone(conversation.callback_phone), turns=turns,
    )


def get_message(*, session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise MessageNotFound("没有找到这条消息。")
    return message


def annotate(*, session: Session, message_id: int, data: AnnotationWrite, staff_id: int) -> Annotation:
    message = get_message(session=session, message_id=message_id)
    if message.role != Role.BOT:
        raise NotAnAnswer("只能标注智能助手的回答。")
    annotation = session.scalar(select(Annotation).where(Annotation.message_id == message_id))
    if annotation is None:
        annotation = Annotation(message_id=message.id, conversation_id=message.conversation_id)
        session.add(annotation)
    annotation.verdict = data.verdict
    annotation.expected_guide_id = data.expected_guide_id or None
    annotation.expected_intent = data.expected_intent or None
    annotation.tags = [t.strip() for t in data.tags if t.strip()] or None
    annotation.comment = data.comment or None
    annotation.staff_id = staff_id
    session.flush()
    return annotation


def annotated_turns(
    *, session: Session, chunk: int = 500
) -> Iterator[tuple[Annotation, Message, Message | None, list[Any]]]:
    """(annotation, answer, question, entities of the two) for every annotation, oldest first. The question is the
    citizen message the answer replies to; answers and questions are read per chunk, not per annotation."""
    annotations = session.scalars(select(Annotation).order_by(Annotation.id)).all()
    for start in range(0, len(annotations), chunk):
        batch = annotations[start:start + chunk]
        answer_ids = [a.message_id for a in batch]
        answers = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(answer_ids)))}
        questions: dict[int, list[Message]] = defaultdict(list)
        for m in session.scalars(
            select(Message)
            .where(Message.conversation_id.in_({a.conversation_id for a in batch}), Message.role == Role.CITIZEN)
            .order_by(Message.id)
        ):
            questions[m.conversation_id].append(m)
        for annotation in batch:
            answer = answers.get(annotation.message_id)
            if answer is None:
                continue
            earlier = questions[answer.conversation_id]
            before = bisect_left(earlier, answer.id, key=lambda m: m.id)
            question = earlier[before - 1] if before else None
            entities = conversation_entities([m for m in (question, answer) if m is not None])
            yield annotation, answer, question, entities


def export_rows(*, session: Session, filters: ConversationFilters, may_search_numbers: bool,
                max_rows: int = 50_000) -> Iterator[list[Any]]:
    """One row per message, masked, for CSV and XLSX. No session id: it would let whoever holds the file read and
    post as the citizen. Times are the office's wall clock, as staff read them in the console."""
    zone = localtime.zone(filters.timezone)
    query = filtered_query(filters=filters, may_search_numbers=may_search_numbers).order_by(Conversation.id)
    ids = session.scalars(query.with_only_columns(Conversation.id)).all()
    count = 0
    for start in range(0, len(ids), 200):
        chunk = ids[start:start + 200]
        conversations = {c.id: c for c in session.scalars(select(Conversation).where(Conversation.id.in_(chunk)))}
        messages = session.scalars(
            select(Message).where(Message.conversation_id.in_(chunk))
            .order_by(Message.conversation_id, Message.id)
        ).all()
        by_conversation: dict[int, list[Message]] = defaultdict(list)
        for m in messages:
            by_conversation[m.conversation_id].append(m)
        notes: dict[int, list[ConversationNote]] = defaultdict(list)
        for note in session.scalars(select(ConversationNote).where(ConversationNote.conversation_id.in_(chunk))
                                    .order_by(ConversationNote.id)):
            notes[note.conversation_id].append(note)
        names = requests_service.applicant_names(
            session=session, session_ids=[c.session_id for c in conversations.values()]
        )
        for conversation_id in chunk:
            c = conversations[conversation_id]
            msgs = by_conversation[conversation_id]
            entities = conversation_entities(msgs)
            known = names.get(c.session_id, [])
            for m in msgs:
                if count >= max_rows:
                    return
                count += 1
                yield [
                    c.id, c.channel, ConversationState(c.state).value,
                    localtime.local_text(m.created_at, zone), m.role, mask_message(m.text, entities, known),
                    m.intent or "", _num(m.confidence), m.guide_id or "", m.section or "", _num(m.score),
                    m.decision or "", "是" if m.fell_back else "", "是" if m.handed_over else "",
                    m.latency_ms if m.latency_ms is not None else "",
                ]
            for note in notes[conversation_id]:  # staff's internal notes, masked like the messages
                if count >= max_rows:
                    return
                count += 1
                yield [c.id, c.channel, ConversationState(c.state).value, localtime.local_text(note.created_at, zone),
                       "note", mask_message(note.text, entities, known), *[""] * 9]


EXPORT_HEADER = ["会话ID", "渠道", "状态", "时间", "角色", "内容（已脱敏）", "意图", "置信度",
                 "回答指南", "章节", "检索得分", "决策", "兜底", "转人工", "耗时(毫秒)"]


def _num(value: float | None) -> Any:
    return "" if value is None else round(value, 4)


def reveal(*, session: Session, message_id: int) -> Message:
    return get_message(session=session, message_id=message_id)
