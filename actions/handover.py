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
from actions.turn_facts import turn

CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "CST")  # no daylight saving; no tz database needed
OPENS = dt.time(9, 0)
CLOSES = dt.time(17, 0)
EXPECTED_WAIT = "5分钟"
_WEEKDAYS = "一二三四五六日"


def now_in_china() -> dt.datetime:
    return dt.datetime.now(CHINA_TIME)


def is_office_hours(moment: dt.datetime) -> bool:
    """工作日 9:00-17:00 (Monday to Friday; public holidays are not known here)."""
    return moment.weekday() < 5 and OPENS <= moment.time() < CLOSES


def next_opening(moment: dt.datetime) -> str:
    """When staff are next at work, in words: "今天9:00", "明天9:00", "周一9:00"."""
    day = moment.date()
    if moment.weekday() < 5 and moment.time() < OPENS:
        return "今天9:00"
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    if day == moment.date() + dt.timedelta(days=1):
        return "明天9:00"
    return f"周{_WEEKDAYS[day.weekday()]}9:00"


def handover_text(moment: dt.datetime) -> str:
    if is_office_hours(moment):
        return (
            "好的，正在为您转接人工客服。工作人员一般会在"
            f"{EXPECTED_WAIT}内接入，请不要关闭页面，您可以先把问题写在这里。"
            "工作人员接入后由他们直接回复您，在此期间我不再自动回复。"
        )
    return (
        "好的，已为您转接人工客服。现在是非工作时间（人工服务时间：工作日 9:00-17:00），"
        f"您可以先把问题留言在这里，工作人员会在{next_opening(moment)}上班后尽快回复您，在此期间我不再自动回复。"
        "如有急事，可拨打12345政务服务便民热线。"
    )


def hand_over(
    dispatcher: CollectingDispatcher,
    *,
    now: Callable[[], dt.datetime] = now_in_china,
    fell_back: bool = False,
    guide_id: str | None = None,
) -> list[EventType]:
    dispatcher.utter_message(
        text=handover_text(now()),
        json_message={"turn": turn(guide_id=guide_id, fell_back=fell_back, handover=True)},
    )
    return [SlotSet(slots.FAILED_TURNS, 0.0), SlotSet(slots.HANDOVER_OFFERED, False)]


class ActionHandover(Action):
    """The citizen asked for a human (转人工)."""

    now: Callable[[], dt.datetime] = staticmethod(now_in_china)

    def name(self) -> str:
        return "action_handover"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return hand_over(dispatcher, now=self.now, guide_id=tracker.get_slot(slots.CURRENT_GUIDE))
