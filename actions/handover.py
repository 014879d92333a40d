"""转人工: tell the citizen what happens next; the gateway marks the conversation as waiting for staff.

The gateway sees ``turn.handover = true`` on the last utterance, stores the conversation as waiting and stops
forwarding the citizen's messages to Rasa until staff hand it back (docs/dialogue.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.tone import APOLOGY, complains_about_service
from actions.turn_facts import turn
from govchat import office_hours
from govchat.office_hours import OfficeHours, closed_notice
from govchat.settings import get_settings

EXPECTED_WAIT = "5分钟"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def handover_text(office: OfficeHours, moment: dt.datetime) -> str:
    """What happens next, from the same office hours the staff inbox uses (GOVCHAT_OFFICE_HOURS)."""
    if office.is_open(moment):
        return (
            "好的，正在为您转接人工客服。工作人员一般会在"
            f"{EXPECTED_WAIT}内接入，请不要关闭页面，您可以先把问题写在这里。"
            "工作人员接入后由他们直接回复您，在此期间我不再自动回复。"
        )
    return (
        "好的，已为您转接人工客服。" + closed_notice(office, moment)
        + "在此期间我不再自动回复；如有急事，可拨打12345政务服务便民热线。"
    )


def hand_over(
    dispatcher: CollectingDispatcher,
    *,
    now: Callable[[], dt.datetime] = utc_now,
    fell_back: bool = False,
    guide_id: str | None = None,
    complaint: bool = False,
) -> list[EventType]:
    dispatcher.utter_message(
        text=(APOLOGY if complaint else "") + handover_text(office_hours.from_settings(get_settings()), now()),
        json_message={"turn": turn(guide_id=guide_id, fell_back=fell_back, handover=True)},
    )
    return [SlotSet(slots.FAILED_TURNS, 0.0), SlotSet(slots.HANDOVER_OFFERED, False)]


class ActionHandover(Action):
    """The citizen asked for a human (转人工)."""

    now: Callable[[], dt.datetime] = staticmethod(utc_now)

    def name(self) -> str:
        return "action_handover"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return hand_over(
            dispatcher,
            now=self.now,
            guide_id=tracker.get_slot(slots.CURRENT_GUIDE),
            complaint=complains_about_service(text, intent=intent),
        )
