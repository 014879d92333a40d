"""action_session_start: a new session that carries each slot's current value over once.

Rasa's built-in action copies every SlotSet event of the old session, so a session that set the same slot many times
begins already long; with the channel's bound on session length (bot/channels/govchat.py) each new session then
started over the bound and every later message started yet another one (measured: 1,723 events after 30 messages
with a bound of 40). One event per slot keeps a new session short whatever came before.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

# Rasa sets the session's metadata itself before this action runs; the form's pointer is meaningless outside a form.
NOT_CARRIED = frozenset({"session_started_metadata", "requested_slot"})


def carried_slots(tracker: Tracker, domain: DomainDict) -> list[EventType]:
    declared: dict[str, Any] = domain.get("slots", {})
    events: list[EventType] = []
    for name, value in tracker.slots.items():
        initial = (declared.get(name) or {}).get("initial_value")
        if name not in NOT_CARRIED and value is not None and value != initial:
            events.append(SlotSet(name, value))
    return events


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return [SessionStarted(), *carried_slots(tracker, domain), ActionExecuted("action_listen")]
