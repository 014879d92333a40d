"""“不是这个”: answer from the next close guide, or admit there is none."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.guide_replies import answer_with_guide
from actions.low_confidence import not_understood


class ActionNextGuide(Action):
    def name(self) -> str:
        return "action_next_guide"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        current = tracker.get_slot(slots.CURRENT_GUIDE)
        candidates = [c for c in tracker.get_slot(slots.CANDIDATES) or [] if c != current]
        if not current or not candidates:
            # "都不是" after a clarification, or nothing else close: ask again, then offer a human.
            events = not_understood(dispatcher, tracker)
            return [SlotSet(slots.CURRENT_GUIDE, None), SlotSet(slots.CANDIDATES, []), *events]
        return answer_with_guide(
            dispatcher,
            guide_id=candidates[0],
            aspect=tracker.get_slot(slots.ASKED_ASPECT),
            alternatives=candidates[1:],
        )
