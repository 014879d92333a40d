"""When the assistant cannot answer: ask to rephrase once, then offer a human, then hand over."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.handover import hand_over
from actions.turn_facts import turn

REPHRASE = (
    "抱歉，我没有完全理解您的问题。能换个说法再说一遍吗？"
    "说出您要办的具体事项会更好，比如“社保卡丢了怎么补办”“公积金租房提取要什么材料”。"
)
OFFER_HUMAN = "抱歉，我暂时没能找到您要的答案。需要为您转接人工客服吗？"
OFFER_BUTTONS = [
    {"title": "转人工", "payload": "/request_human"},
    {"title": "不用了，我换个说法", "payload": "/deny"},
]
HAND_OVER_AFTER = 3  # the third failure in a row hands over without asking


def not_understood(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, result: Any = None, aspect: str | None = None
) -> list[EventType]:
    failed = int(tracker.get_slot(slots.FAILED_TURNS) or 0) + 1
    top = result.hits[0] if result is not None and result.hits else None
    facts: dict[str, Any] = {
        "guide_id": None,
        "section": None,
        "score": getattr(top, "score", None),
        "confidence": getattr(result, "confidence", None),
        "decision": getattr(result, "decision", None) or "fallback",
        "aspect": aspect,
        "fell_back": True,
    }
    if failed >= HAND_OVER_AFTER:
        return hand_over(dispatcher, fell_back=True)
    if failed == 1:
        dispatcher.utter_message(text=REPHRASE, json_message={"turn": turn(**facts)})
        offered = False
    else:
        dispatcher.utter_message(text=OFFER_HUMAN, buttons=OFFER_BUTTONS, json_message={"turn": turn(**facts)})
        offered = True
    return [SlotSet(slots.FAILED_TURNS, float(failed)), SlotSet(slots.HANDOVER_OFFERED, offered)]
