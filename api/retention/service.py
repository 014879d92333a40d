"""Which conversations are past their retention, and what happens to them.

- Anonymous conversations (no personal data given) older than ``retention_anonymous_days`` are deleted with their
  messages, annotations and ratings (foreign keys cascade).
- Identified conversations (a service request, a call-back number) older than ``retention_identified_days`` are
  anonymised: ID numbers, phone numbers and extracted names are masked in every message, entities dropped, the
  channel user id and call-back phone cleared and the session id replaced, so the conversation can no longer be
  linked to a person while the statistics stay.
Conversations still waiting for or held by staff are never touched. "Older" means last activity (updated_at).
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from api.conversations.models import Conversation, ConversationState, Message
from api.db import utcnow
from api.retention.schemas import RetentionReport
from api.review.masking import mask_message
from govchat.settings import Settings

logger = logging.getLogger(__name__)

ANONYMISED_PREFIX = "anon-"
_OPEN = (ConversationState.WAITING, ConversationState.HUMAN)


def _candidates(session: Session, settings: Settings, now: datetime) -> tuple[list[int], list[int], int]:
    anonymous_cutoff = now - timedelta(days=settings.retention_anonymous_days)
    identified_cutoff = now - timedelta(days=settings.retention_identified_days)
    to_delete = session.scalars(
        select(Conversation.id).where(
            Conversation.identified.is_(False), Conversation.updated_at < anonymous_cutoff,
            Conversation.state.not_in(_OPEN),
        )
    ).all()
    to_anonymise = session.scalars(
        select(Conversation.id).where(
            Conversation.identified.is_(True), Conversation.updated_at < identified_cutoff,
            Conversation.state.not_in(_OPEN), Conversation.session_id.not_like(f"{ANONYMISED_PREFIX}%"),
        )
    ).all()
    skipped = session.scalar(
        select(func.count()).select_from(Conversation).where(
            Conversation.state.in_(_OPEN),
            Conversation.updated_at < max(anonymous_cutoff, identified_cutoff),
        )
    ) or 0
    return list(to_delete), list(to_anonymise), skipped


def run(*, session: Session, settings: Settings, dry_run: bool, now: datetime | None = None) -> RetentionReport:
    now = now or utcnow()
    to_delete, to_anonymise, skipped = _candidates(session, settings, now)
    affected = to_delete + to_anonymise
    messages = session.scalar(
        select(func.count()).select_from(Message).where(Message.conversation_id.in_(affected))
    ) if affected else 0
    oldest = session.scalar(select(func.min(Conversation.updated_at)).where(Conversation.id.in_(affected))) \
        if affected else None
    report = RetentionReport(
        dry_run=dry_run, now=now, anonymous_days=settings.retention_anonymous_days,
        identified_days=settings.retention_identified_days,
        anonymous_cutoff=now - timedelta(days=settings.retention_anonymous_days),
        identified_cutoff=now - timedelta(days=settings.retention_identified_days),
        anonymous_to_delete=len(to_delete), identified_to_anonymise=len(to_anonymise),
        messages_affected=messages or 0, oldest_affected=oldest, skipped_open_handover=skipped,
    )
    if dry_run:
        return report
    for start in range(0, len(to_delete), 500):
        session.execute(delete(Conversation).where(Conversation.id.in_(to_delete[start:start + 500])))
    for conversation_id in to_anonymise:
        _anonymise(session, conversation_id)
    session.flush()
    logger.info("retention: deleted %d anonymous and anonymised %d identified conversations",
                len(to_delete), len(to_anonymise))
    return report


def _anonymise(session: Session, conversation_id: int) -> None:
    conversation = session.get_one(Conversation, conversation_id)
    messages = list(conversation.messages)
    entities = [e for m in messages for e in (m.entities or [])]
    for message in messages:
        message.text = mask_message(message.text, entities)
        message.entities = None
    conversation.user_ref = None
    conversation.callback_phone = None
    conversation.session_id = f"{ANONYMISED_PREFIX}{conversation.id}"
