"""One citizen message in, the assistant's (or staff's) reply out, every turn recorded for review.

The Rasa call happens between two short transactions, never inside one, so a slow model never holds the database.
"""

import logging
import time
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api.chat.rasa import RasaClient, RasaMessage, RasaReply, RasaUnavailable
from api.chat.schemas import Button, ChatMessage, ChatResponse, Source
from api.conversations import service as conversations
from api.conversations.models import ConversationState, Message, Role
from api.db import session_scope
from api.errors import AppError
from api.handover import service as handover_service
from api.retention import tracker as rasa_tracker
from api.service_requests import flows as service_request_flows
from api.service_requests import service as requests_service
from govchat.masking import PERSONAL_DATA_KEY, FormOutcome, mask_birth_dates
from govchat.settings import Settings
from govchat.text import clean
from govchat.turn import TurnFacts

logger = logging.getLogger(__name__)

BUSY_TEXT = "抱歉，智能助手暂时忙不过来，请稍后再试；急事可拨打 12345 政务服务热线。"
EMPTY_TEXT = "请输入您想咨询的问题。"


class MessageTooLong(AppError):
    status = 422
    code = "message_too_long"
    title = "内容过长"


class EmptyMessage(AppError):
    status = 422
    code = "empty_message"
    title = "内容为空"


class UnknownSession(AppError):
    status = 404
    code = "unknown_session"
    title = "会话已失效"


_OUTGOING_ROLES: dict[str, Literal["bot", "staff", "system"]] = {
    Role.BOT: "bot", Role.STAFF: "staff", Role.SYSTEM: "system"
}


def to_chat_message(message: Message) -> ChatMessage:
    return ChatMessage(
        id=message.id,
        role=_OUTGOING_ROLES[message.role],
        text=message.text,
        buttons=[Button.model_validate(b) for b in message.buttons] if message.buttons else None,
        source=Source.model_validate(message.source) if message.source else None,
        sender=message.sender_name,
        created_at=message.created_at,
    )


def listen(*, session: Session, session_id: str, state: ConversationState) -> bool:
    """Whether the page should keep its event stream open: staff may write (handover), or a request made in this
    conversation is still open and staff moving it posts a notice here at once."""
    return state in (ConversationState.WAITING, ConversationState.HUMAN) or requests_service.has_open_request(
        session=session, session_id=session_id
    )


def _bot_message_facts(message: RasaMessage) -> dict[str, Any]:
    custom = message.custom or {}
    facts: dict[str, Any] = {}
    if source := custom.get("source"):
        facts["source"] = source
    if raw := custom.get("turn"):
        try:
            turn = TurnFacts.model_validate(raw)
        except ValidationError:  # a newer or older action server: keep the message, log what did not fit
            logger.warning("turn facts not understood: %s", raw)
            return facts
        facts.update(
            guide_id=turn.guide_id,
            section=turn.section,
            score=turn.score,
            confidence=turn.confidence,
            decision=turn.decision,
            aspect=turn.aspect,
            fell_back=turn.fell_back,
            handed_over=turn.handover,
            life_event=turn.life_event,
        )
    return facts


def _bot_row(
    conversation_id: int,
    *,
    text: str,
    buttons: list[Any] | None = None,
    source: dict[str, Any] | None = None,
    guide_id: str | None = None,
    section: str | None = None,
    score: float | None = None,
    confidence: float | None = None,
    decision: str | None = None,
    aspect: str | None = None,
    fell_back: bool = False,
    handed_over: bool = False,
    latency_ms: int | None = None,
    life_event: str | None = None,
) -> dict[str, Any]:
    """One bot message as an INSERT row; every row has every key, so a turn's messages go in one statement."""
    return {
        "conversation_id": conversation_id, "role": Role.BOT, "text": text, "buttons": buttons, "source": source,
        "guide_id": guide_id, "section": section, "score": score, "confidence": confidence, "decision": decision,
        "aspect": aspect, "fell_back": fell_back, "handed_over": handed_over, "latency_ms": latency_ms,
        "life_event": life_event,
    }


def _form_outcome(reply: RasaReply | None) -> FormOutcome | None:
    """Set when a service-request form ended in this turn (the actions say so, govchat.masking.FormOutcome)."""
    for message in reply.messages if reply is not None else []:
        if outcome := (message.custom or {}).get(PERSONAL_DATA_KEY):
            return FormOutcome(outcome)
    return None


def handle_message(
    *,
    sessions: sessionmaker[Session],
    rasa: RasaClient,
    settings: Settings,
    session_id: str,
    text: str,
    channel: str,
    user_ref: str | None = None,
) -> ChatResponse:
    text = clean(text).strip()  # what Rasa reads is what is stored
    if not text:
        raise EmptyMessage(EMPTY_TEXT)
    max_chars = settings.max_message_chars
    if len(text) > max_chars:
        raise MessageTooLong(f"您的消息有 {len(text)} 个字，超过了 {max_chars} 字的上限，请精简后再发送。")

    with session_scope(sessions) as session:
        conversation_id, state = conversations.begin_turn(
            session=session, session_id=session_id, channel=channel, user_ref=user_ref
        )
        [citizen] = conversations.insert_messages(
            session=session, rows=[{"conversation_id": conversation_id, "role": Role.CITIZEN, "text": text}]
        )
        citizen_id = citizen.id
        acknowledged: list[ChatMessage] = []
        if state == ConversationState.WAITING:
            # The first message of a wait is acknowledged, so the citizen knows it is not lost.
            ack = handover_service.acknowledge_waiting(session=session, conversation_id=conversation_id)
            acknowledged = [to_chat_message(ack)] if ack else []

    if state != ConversationState.BOT:
        # Staff hold (or are about to take) the conversation: the assistant stays silent.
        return ChatResponse(session_id=session_id, messages=acknowledged, state=state, listen=True)

    started = time.perf_counter()
    try:
        reply = rasa.send(sender=session_id, text=text, metadata={"channel": channel})
        if not reply.messages:
            raise RasaUnavailable("empty reply")  # Rasa answers nothing when the action server is down
    except RasaUnavailable:
        reply = None
    latency_ms = int((time.perf_counter() - started) * 1000)
    outcome = _form_outcome(reply)

    with session_scope(sessions) as session:
        # The citizen's message is only written to: one UPDATE, without reading the row back first.
        citizen_facts: dict[str, Any] = {"latency_ms": latency_ms}
        if reply is not None:
            citizen_facts.update(
                intent=reply.nlu.intent, confidence=reply.nlu.confidence, entities=reply.nlu.entities or None
            )
        if outcome == FormOutcome.VERIFIED:
            # The verifier (the birth date) is not kept next to the tracking number in the transcript.
            citizen_facts["text"] = mask_birth_dates(text)
        session.execute(update(Message).where(Message.id == citizen_id).values(**citizen_facts))
        # Status changes staff made to this conversation's requests come first (api/service_requests/flows.py).
        rows = [
            _bot_row(conversation_id, text=notice.text, buttons=notice.buttons)
            for notice in service_request_flows.take_status_notices(session=session, session_id=session_id)
        ]
        if reply is None:
            rows.append(_bot_row(conversation_id, text=BUSY_TEXT, fell_back=True, latency_ms=latency_ms))
        else:
            rows.extend(
                _bot_row(
                    conversation_id, text=m.text or "", buttons=m.buttons or None, latency_ms=latency_ms,
                    **_bot_message_facts(m),
                )
                for m in reply.messages
            )
        stored = conversations.insert_messages(session=session, rows=rows)
        state = conversations.end_turn(
            session=session, conversation_id=conversation_id, handover=any(row["handed_over"] for row in rows)
        )
        messages = [to_chat_message(m) for m in stored if m.text or m.buttons]
        keep_listening = listen(session=session, session_id=session_id, state=state)
    if reply is None:
        logger.warning("chat answered with the busy message after %d ms", latency_ms)
    if outcome is not None:
        # Rasa saved the turn's events before it answered: they are there to rewrite.
        names = rasa_tracker.scrub_sender(settings.rasa_tracker_url, session_id, outcome)
        if outcome != FormOutcome.VERIFIED:
            # Nor does this conversation keep them: an abandoned form promised so, a submitted one is in the request.
            with session_scope(sessions) as session:
                conversations.mask_personal_data(session=session, conversation_id=conversation_id, names=names)
    return ChatResponse(session_id=session_id, messages=messages, state=state, listen=keep_listening)
