"""Reading and writing conversations. Callers own the transaction; these functions never commit."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.conversations.models import Conversation, ConversationState, Message, Role
from api.db import utcnow
from govchat.masking import mask_entities, mask_message

# Beyond any real message id: a client's ?after= above it is refused (422), as it would overflow SQLite's and
# PostgreSQL's integers (a 500).
MAX_MESSAGE_ID = 2**62


def begin_turn(
    *, session: Session, session_id: str, channel: str, user_ref: str | None = None
) -> tuple[int, ConversationState]:
    """The id and state of the conversation a citizen message belongs to, in one statement.

    Creates it on first contact (two replicas or a double click may race: the unique session_id lets one insert
    win and the other update the winner's row), marks it updated, and reopens it if staff had closed it: the
    citizen wrote again, so the assistant answers again.
    """
    upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    closed = Conversation.state == ConversationState.CLOSED  # the existing row's value, before the update
    statement = (
        upsert(Conversation)
        .values(session_id=session_id, channel=channel, user_ref=user_ref, created_at=now, updated_at=now)
        .on_conflict_do_update(
            index_elements=[Conversation.session_id],
            set_={
                Conversation.updated_at: now,
                Conversation.state: case((closed, ConversationState.BOT), else_=Conversation.state),
                Conversation.assigned_staff_id: case((closed, None), else_=Conversation.assigned_staff_id),
                Conversation.handover_requested_at: case(
                    (closed, None), else_=Conversation.handover_requested_at
                ),
            },
        )
        .returning(Conversation.id, Conversation.state)
    )
    conversation_id, state = session.execute(statement).one()
    return conversation_id, ConversationState(state)


def end_turn(*, session: Session, conversation_id: int, handover: bool) -> ConversationState:
    """Marks the conversation updated after the assistant's reply; a handover puts it in the staff queue unless
    staff already hold it. Returns the state as it is now (staff may have taken it during the turn)."""
    now = utcnow()
    values: dict[Any, Any] = {Conversation.updated_at: now}
    if handover:
        from_bot = Conversation.state == ConversationState.BOT
        values[Conversation.state] = case((from_bot, ConversationState.WAITING), else_=Conversation.state)
        values[Conversation.handover_requested_at] = case(
            (from_bot, now), else_=Conversation.handover_requested_at
        )
    state = session.scalars(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(values)
        .returning(Conversation.state)
        .execution_options(synchronize_session=False)
    ).one()
    return ConversationState(state)


def mask_personal_data(*, session: Session, conversation_id: int, names: Sequence[str]) -> int:
    """Masks ID numbers, phone numbers and `names` in every message of a conversation for good (no admin can reveal
    them any more), when its service-request form ended; returns how many messages changed."""
    changed = 0
    for message in session.scalars(select(Message).where(Message.conversation_id == conversation_id)):
        text, entities = mask_message(message.text, message.entities, names), mask_entities(message.entities)
        if text != message.text or entities != message.entities:
            message.text, message.entities = text, entities
            changed += 1
    return changed


def insert_messages(*, session: Session, rows: Sequence[dict[str, Any]]) -> list[Message]:
    """Several messages in one INSERT (rows with the same keys), returned in the order given."""
    if not rows:
        return []
    # render_nulls: None values stay in the statement instead of splitting the rows into one INSERT per key set.
    statement = insert(Message).returning(Message, sort_by_parameter_order=True).execution_options(render_nulls=True)
    return list(session.scalars(statement, rows))


def get_by_session_id(*, session: Session, session_id: str) -> Conversation | None:
    return session.scalar(select(Conversation).where(Conversation.session_id == session_id))


def add_message(*, session: Session, conversation: Conversation, role: Role, text: str, **facts: Any) -> Message:
    message = Message(conversation_id=conversation.id, role=role, text=text, **facts)
    session.add(message)
    conversation.updated_at = utcnow()
    session.flush()
    return message


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
