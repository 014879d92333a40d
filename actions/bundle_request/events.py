"""The life event a combined form is for, and what it still has to ask."""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker

from actions import slots
from actions.service_request.guides import load_guide
from govchat.settings import get_settings
from knowledge import bundle as bundle_rules
from knowledge.schema import Guide, LifeEvent, OwnFact


@dataclass(frozen=True)
class Bundle:
    """A life event with the guides of the services it applies for together, in the checklist's order."""

    event: LifeEvent
    guides: list[Guide]

    @property
    def needs_visit(self) -> bool:
        return bundle_rules.needs_visit(self.guides)

    def title_of(self, guide_id: str) -> str:
        return next((g.title for g in self.guides if g.id == guide_id), guide_id)

    def own_facts(self) -> list[tuple[str, OwnFact]]:
        """(guide id, fact) of every own fact, services in order."""
        return [(s.guide, f) for s in bundle_rules.together_services(self.event) for f in s.own_facts]


def load_bundle(event_id: str | None) -> Bundle | None:
    """None when there is no such event, or one of its together services has no readable guide."""
    event = bundle_rules.read_event(get_settings().life_events_dir, event_id)
    if event is None:
        return None
    guides = [load_guide(s.guide) for s in bundle_rules.together_services(event)]
    if any(g is None for g in guides):
        return None
    return Bundle(event, [g for g in guides if g is not None])


def answered(tracker: Tracker) -> dict[str, dict[str, str]]:
    facts = tracker.get_slot(slots.BUNDLE_FACTS)
    return facts if isinstance(facts, dict) else {}


def pending_facts(bundle: Bundle, tracker: Tracker) -> list[tuple[str, OwnFact]]:
    done = answered(tracker)
    return [(guide, fact) for guide, fact in bundle.own_facts() if fact.key not in done.get(guide, {})]
