"""Analytics of life events (docs/life-events.md, "Analytics"): questions per event and checklists left half-way.

A checklist is *left half-way* when a conversation was shown an event's checklist and then ended — no message for
``ENDED_AFTER`` — before the citizen either started the one application (intent ``start_bundle_request``) or
opened every service of the list (a bot answer from each of its guides after the checklist). A conversation with
a message in the last ``ENDED_AFTER`` is still going and counted in neither column.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.analytics.schemas import Series
from api.conversations.models import Message, Role
from govchat import calendar
from govchat.turn import CHECKLIST_SECTION

logger = logging.getLogger(__name__)

# Rasa starts a new session after an hour of silence (session_expiration_time in bot/domain/core.yml): the
# conversation with the assistant has ended by then.
ENDED_AFTER = timedelta(minutes=60)
APPLY_INTENT = "start_bundle_request"


@lru_cache
def life_events() -> dict[str, tuple[str, frozenset[str]]]:
    """Event id -> (title, its guides), from the event files; read on first use, never at import."""
    from govchat.settings import get_settings
    from knowledge.loader import guide_files, read_life_event_file

    events: dict[str, tuple[str, frozenset[str]]] = {}
    for path in guide_files(get_settings().life_events_dir):
        event, errors = read_life_event_file(path)
        if event is None:
            logger.warning("life event file not read: %s", "; ".join(str(e) for e in errors))
            continue
        events[event.id] = (event.title, frozenset(s.guide for s in event.services))
    return events


@dataclass
class _Shown:
    """One checklist shown in one conversation, and what the citizen did after it."""

    event_id: str
    opened: set[str] = field(default_factory=set)
    applied: bool = False


def life_event_charts(*, session: Session, start: datetime, end: datetime) -> tuple[list[Series], dict[str, float]]:
    rows = session.execute(
        select(Message.conversation_id, Message.role, Message.intent, Message.decision, Message.section,
               Message.guide_id, Message.life_event, Message.created_at)
        .where(Message.created_at >= start, Message.created_at < end)
        .order_by(Message.conversation_id, Message.id)
    ).all()
    events = life_events()
    questions: Counter[str] = Counter()
    last_seen: dict[int, datetime] = {}
    shown: dict[int, list[_Shown]] = {}
    for r in rows:
        last_seen[r.conversation_id] = r.created_at
        lists = shown.setdefault(r.conversation_id, [])
        if r.role == Role.BOT and r.life_event and r.decision == "checklist" and r.section == CHECKLIST_SECTION:
            questions[r.life_event] += 1
            lists.append(_Shown(r.life_event))
        elif r.role == Role.CITIZEN and r.intent == APPLY_INTENT and lists:
            lists[-1].applied = True
        elif r.role == Role.BOT and r.guide_id:
            for item in lists:
                item.opened.add(r.guide_id)

    ended_before = calendar.now() - ENDED_AFTER
    half_way: Counter[str] = Counter()
    finished: Counter[str] = Counter()
    for conversation_id, lists in shown.items():
        if not lists or last_seen[conversation_id] >= ended_before:
            continue
        for item in lists:
            guides = events.get(item.event_id, ("", frozenset()))[1]
            done = item.applied or (bool(guides) and guides <= item.opened)
            (finished if done else half_way)[item.event_id] += 1

    ids = [e for e in events if questions[e]] + sorted(e for e in questions if e not in events)
    labels = [events[e][0] if e in events else e for e in ids]
    ended = sum(half_way.values()) + sum(finished.values())
    charts = [
        Series(key="life_events", title="人生事项（高效办成一件事）咨询与清单半途而止", labels=labels,
               series={"咨询次数": [questions[e] for e in ids],
                       "半途而止": [half_way[e] for e in ids],
                       "申请或全部查看": [finished[e] for e in ids]}),
    ]
    totals = {
        "life_event_questions": sum(questions.values()),
        "checklists_half_way": sum(half_way.values()),
        "checklists_half_way_pct": round(100.0 * sum(half_way.values()) / ended, 1) if ended else 0.0,
    }
    return charts, totals
