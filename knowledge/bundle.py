"""Rules of the one application for a life event (一表申请), shared by the combined form and the gateway."""

import datetime as dt
import logging
import re
from collections.abc import Iterable
from pathlib import Path

from knowledge.loader import read_life_event_file
from knowledge.schema import EventService, Guide, LifeEvent, OwnFact

logger = logging.getLogger(__name__)

# A free-text own fact is one line of a form, not a letter.
MAX_FACT_CHARS = 200


def read_event(events_dir: Path, event_id: str | None) -> LifeEvent | None:
    """One life event straight from its file (knowledge/life_events/<id>.yaml), or None when there is no such
    event or its file is broken (logged: `python -m knowledge validate` names the field)."""
    if not event_id or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", event_id):
        return None
    path = events_dir / f"{event_id}.yaml"
    if not path.is_file():
        return None
    event, errors = read_life_event_file(path)
    if event is None:
        logger.error("life event %s cannot be read: %s", event_id, "; ".join(str(e) for e in errors))
    return event


def together_services(event: LifeEvent) -> list[EventService]:
    """The services that may be applied for in the one application, in the checklist's order."""
    return [service for service in event.services if service.together]


def needs_visit(guides: Iterable[Guide]) -> bool:
    """One appointment at the event's one window is needed when any service cannot be done entirely online."""
    return any(guide.visits > 0 for guide in guides)


def checked_fact(fact: OwnFact, value: object) -> str:
    """The stored form of an answer to an own fact, or ValueError with what to fix, in Chinese.
    Dates are ISO (the form reads 12月3日 and the like into one before it submits)."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValueError(f"请回答：{fact.question}")
    if fact.kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(f"“{fact.question}”需要一个日期，如2026年12月3日。") from None
    if fact.kind == "choice":
        if text not in fact.choices:
            raise ValueError(f"“{fact.question}”请从这些选项中选一个：{'、'.join(fact.choices)}。")
        return text
    if len(text) > MAX_FACT_CHARS:
        raise ValueError(f"“{fact.question}”的回答请不要超过{MAX_FACT_CHARS}个字。")
    return text
