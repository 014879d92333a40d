"""“好的” / “不用了”: their meaning depends on whether the last reply offered a human; with a question in them
(“好的，利率是好多”) they are a service question."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.answer_from_guide import answer_turn, asks_about_service, question_text
from actions.handover import hand_over, utc_now
from actions.turn_facts import turn

ANYTHING_ELSE = "好的。请问还有什么可以帮您？您可以直接说想办理的事项。"
DECLINED_HUMAN = "好的，那您可以换个说法再问我，说出要办的具体事项会更容易找到答案。"


class ActionAffirm(Action):
    now = staticmethod(utc_now)

    def name(self) -> str:
        return "action_affirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot(slots.HANDOVER_OFFERED):
            return hand_over(dispatcher, now=self.now, fell_back=True)
        if asks_about_service(question_text(tracker)):  # "好的，那利率是好多"
            return await answer_turn(dispatcher, tracker)
        dispatcher.utter_message(text=ANYTHING_ELSE, json_message={"turn": turn(decision="control")})
        return []


class ActionDeny(Action):
    def name(self) -> str:
        return "action_deny"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot(slots.HANDOVER_OFFERED):
            dispatcher.utter_message(text=DECLINED_HUMAN, json_message={"turn": turn(fell_back=True)})
            # Declining keeps one failure on record: the next miss offers a human again, never forces one.
            return [SlotSet(slots.HANDOVER_OFFERED, False), SlotSet(slots.FAILED_TURNS, 1.0)]
        if asks_about_service(question_text(tracker)):  # "不是，我是问要带啥子"
            return await answer_turn(dispatcher, tracker)
        dispatcher.utter_message(text=ANYTHING_ELSE, json_message={"turn": turn(decision="control")})
        return []
