"""Which conversations are past their retention, and what happens to them.

- Anonymous conversations (no personal data given) older than ``retention_anonymous_days`` are deleted with their
  messages, annotations and ratings (foreign keys cascade).
- Identified conversations (a service request, a call-back number) older than ``retention_identified_days`` are
  anonymised: ID numbers, phone numbers and extracted names are masked in every message and in its rating's
  comment and follow-up note, entities dropped, the channel user id and call-back phone cleared and the session id
  replaced, so the conversation can no longer be linked to a person while the statistics stay.
- Rasa's tracker events (raw text too) are deleted for every sender whose dialogue is past retention: Rasa's sender
  id is the gateway's session id (api/chat/service.py), so a sender goes with its conversation when that is deleted
  or anonymised, and a sender the gateway does not know (warm-up messages, conversations removed before this job
  covered Rasa) goes after the shorter period. All of a sender's events go, as a partial tracker would replay a
  broken dialogue state.
- A service-request form the citizen left unfinished for ``UNFINISHED_FORM_HOURS`` counts as abandoned: its name,
  ID number and phone are removed from Rasa's events and masked in the conversation, as when the citizen stops it
  (docs/service-requests.md, "Rasa's tracker store").
- Service requests that ended (completed, rejected, cancelled) more than ``retention_request_days`` ago are
  anonymised in place (api/service_requests/service.py ``anonymise``): name, ID number, phone, the chat session and
  the free text of the history and of the request's rating lose the applicant's data; tracking number, service,
  status and dates stay for statistics. The period counts from the end, not from the last conversation, and is
  independent of the conversation's: a request's conversation may be anonymised long before the request is.
Conversations still waiting for or held by staff, and requests still open, are never touched. "Older" means last
activity (updated_at; for Rasa's events, the sender's last event); for requests, the time of the final status.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from api.bundle_requests import service as bundles_service
from api.conversations import service as conversations
from api.conversations.models import Conversation, ConversationState, Message
from api.db import utcnow
from api.feedback.models import Rating
from api.handover.models import ConversationNote
from api.retention import tracker
from api.retention.schemas import RetentionReport
from api.service_requests import service as requests_service
from api.service_requests.models import ServiceRequest
from govchat.masking import FormOutcome, mask_message
from govchat.settings import Settings

logger = logging.getLogger(__name__)

ANONYMISED_PREFIX = "anon-"
# A form nobody touched for a day is not coming back; the citizen starts again with a few questions.
UNFINISHED_FORM_HOURS = 24
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
            or_(
                and_(Conversation.identified.is_(False), Conversation.updated_at < anonymous_cutoff),
                and_(Conversation.identified.is_(True), Conversation.updated_at < identified_cutoff),
            ),
        )
    ) or 0
    return list(to_delete), list(to_anonymise), skipped


def _tracker_events(session: Session, settings: Settings, now: datetime, affected: list[int], dry_run: bool) -> int:
    """Counts (dry run) or deletes the tracker events of senders past retention; run before the anonymisation,
    which replaces the session ids that link senders to conversations."""
    # The shorter period: candidates are past their own period already (by the gateway's last activity), and a
    # sender the gateway does not know needs only that one.
    before = now - timedelta(days=min(settings.retention_anonymous_days, settings.retention_identified_days))
    with tracker.open_store(settings.rasa_tracker_url) as engine:
        if engine is None:
            logger.info("retention: Rasa's tracker store has no events table yet")
            return 0
        stale = tracker.stale_senders(engine, before.timestamp())
        past = set(affected)
        expired: list[str] = []
        for start in range(0, len(stale), tracker.BATCH):
            batch = stale[start:start + tracker.BATCH]
            known = dict(session.execute(
                select(Conversation.session_id, Conversation.id).where(Conversation.session_id.in_(batch))
            ).all())
            expired += [sender for sender in batch if sender not in known or known[sender] in past]
        if dry_run:
            return tracker.count_events(engine, expired, before.timestamp())
        return tracker.delete_events(engine, expired, before.timestamp())


def _unfinished_forms(session: Session, settings: Settings, now: datetime, dry_run: bool) -> int:
    before = (now - timedelta(hours=UNFINISHED_FORM_HOURS)).timestamp()
    with tracker.open_store(settings.rasa_tracker_url) as engine:
        if engine is None:
            return 0
        senders = tracker.unfinished_form_senders(engine, before)
        if dry_run:
            return len(senders)
        for sender in senders:
            names = tracker.scrub(engine, sender, FormOutcome.ABANDONED)
            conversation = conversations.get_by_session_id(session=session, session_id=sender)
            if conversation is not None:
                conversations.mask_personal_data(session=session, conversation_id=conversation.id, names=names)
    return len(senders)


def run(*, session: Session, settings: Settings, dry_run: bool, now: datetime | None = None) -> RetentionReport:
    now = now or utcnow()
    to_delete, to_anonymise, skipped = _candidates(session, settings, now)
    affected = to_delete + to_anonymise
    tracker_events = _tracker_events(session, settings, now, affected, dry_run)
    unfinished_forms = _unfinished_forms(session, settings, now, dry_run)
    messages = session.scalar(
        select(func.count()).select_from(Message).where(Message.conversation_id.in_(affected))
    ) if affected else 0
    oldest = session.scalar(select(func.min(Conversation.updated_at)).where(Conversation.id.in_(affected))) \
        if affected else None
    request_cutoff = now - timedelta(days=settings.retention_request_days)
    requests_due, oldest_request_end = requests_service.due_for_anonymisation(session=session,
                                                                             ended_before=request_cutoff)
    report = RetentionReport(
        dry_run=dry_run, now=now, anonymous_days=settings.retention_anonymous_days,
        identified_days=settings.retention_identified_days,
        anonymous_cutoff=now - timedelta(days=settings.retention_anonymous_days),
        identified_cutoff=now - timedelta(days=settings.retention_identified_days),
        anonymous_to_delete=len(to_delete), identified_to_anonymise=len(to_anonymise),
        messages_affected=messages or 0, oldest_affected=oldest, skipped_open_handover=skipped,
        tracker_events_to_delete=tracker_events, unfinished_forms_to_scrub=unfinished_forms,
        request_days=settings.retention_request_days, request_cutoff=request_cutoff,
        requests_to_anonymise=len(requests_due), oldest_request_end=oldest_request_end,
        requests_open_past_period=requests_service.count_open_submitted_before(session=session,
                                                                               before=request_cutoff),
    )
    if dry_run:
        return report
    for start in range(0, len(to_delete), 500):
        session.execute(delete(Conversation).where(Conversation.id.in_(to_delete[start:start + 500])))
    for conversation_id in to_anonymise:
        _anonymise(session, conversation_id)
    for request_id in requests_due:
        _anonymise_request(session, request_id, now)
    session.flush()
    logger.info("retention: deleted %d anonymous and anonymised %d identified conversations, %d Rasa tracker events; "
                "scrubbed %d unfinished forms; anonymised %d ended service requests", len(to_delete),
                len(to_anonymise), tracker_events, unfinished_forms, len(requests_due))
    return report


def _anonymise(session: Session, conversation_id: int) -> None:
    conversation = session.get_one(Conversation, conversation_id)
    messages = list(conversation.messages)
    entities = [e for m in messages for e in (m.entities or [])]
    names = requests_service.applicant_names(session=session, session_ids=[conversation.session_id])
    known = names.get(conversation.session_id, [])
    for message in messages:
        message.text = mask_message(message.text, entities, known)
        message.entities = None
    for note in session.scalars(select(ConversationNote).where(ConversationNote.conversation_id == conversation_id)):
        note.text = mask_message(note.text, entities, known)
    _mask_ratings(session, Rating.conversation_id == conversation_id,
                  lambda text: mask_message(text, entities, known))
    conversation.user_ref = None
    conversation.callback_phone = None
    conversation.session_id = f"{ANONYMISED_PREFIX}{conversation.id}"


def _anonymise_request(session: Session, request_id: int, now: datetime) -> None:
    request = session.get_one(ServiceRequest, request_id)
    bundle_id, mask = request.bundle_id, requests_service.personal_text_masker(request)
    _mask_ratings(session, Rating.request_id == request_id, mask)
    requests_service.anonymise(session=session, request=request, at=now)
    if bundle_id is not None:  # the rating of the whole bundle may name the applicant too
        _mask_ratings(session, Rating.bundle_id == bundle_id, mask)
        bundles_service.anonymise_when_done(session=session, bundle_id=bundle_id)


def _mask_ratings(session: Session, which: ColumnElement[bool], mask: Callable[[str], str]) -> None:
    """A 好差评's free text, the citizen's comment and the note of the call back, may name the person too."""
    for rating in session.scalars(select(Rating).where(which)):
        rating.comment = mask(rating.comment) if rating.comment else None
        rating.follow_up_note = mask(rating.follow_up_note) if rating.follow_up_note else None
