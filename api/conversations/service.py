"""Reading and writing conversations. Callers own the transaction; these functions only flush."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.conversations.models import Conversation, ConversationState, Message, Role
from api.db import utcnow


def get_or_create(*, session: Session, session_id: str, channel: str, user_ref: str | None = None) -> Conversation:
    conversation = get_by_session_id(session=session, session_id=session_id)
    if conversation is not None:
        return conversation
    # Two replicas (or a double click) may create the same conversation at once: the unique session_id lets
    # exactly one insert win, and both then read the winner's row.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(Conversation)
        .values(session_id=session_id, channel=channel, user_ref=user_ref)
        .on_conflict_do_nothing(index_elements=[Conversation.session_id])
    )
    return session.scalars(select(Conversation).where(Conversation.session_id == session_id)).one()


def get_by_session_id(*, session: Session, session_id: str) -> Conversation | None:
    return session.scalar(select(Conversation).where(Conversation.session_id == session_id))


def add_message(*, session: Session, conversation: Conversation, role: Role, text: str, **facts: Any) -> Message:
    message = Message(conversation_id=conversation.id, role=role, text=text, **facts)
    session.add(message)
    conversation.updated_at = utcnow()
    session.flush()
    return message


def request_handover(*, session: Session, conversation: Conversation) -> None:
    if conversation.state == ConversationState.BOT:
        conversation.state = ConversationState.WAITING
        conversation.handover_requested_at = utcnow()
        session.flush()


def reopen(*, session: Session, conversation: Conversation) -> None:
    conversation.state = ConversationState.BOT
    conversation.assigned_staff_id = None
    conversation.handover_requested_at = None
    session.flush()


def messages_after(
    *, session: Session, conversation: Conversation, after_id: int, limit: int = 100
) -> Sequence[Message]:
    """Messages a client has not seen yet (reconnects ask with the last id they have, so nothing is duplicated)."""
    return session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation.id, Message.id > after_id, Message.role != Role.CITIZEN)
        .order_by(Message.id)
        .limit(limit)
    ).all()
