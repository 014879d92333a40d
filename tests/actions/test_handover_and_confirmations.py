import asyncio
import datetime as dt

import pytest

from actions.confirmations import ActionAffirm, ActionDeny
from actions.handover import CHINA_TIME, ActionHandover, is_office_hours, next_opening
from tests.actions.conftest import make_tracker, slot_events, turn_of


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CHINA_TIME)  # 2026-11-23 is a Monday


@pytest.mark.parametrize(
    ("moment", "open_", "next_"),
    [
        (at(23, 10), True, "明天9:00"),
        (at(23, 8, 59), False, "今天9:00"),
        (at(23, 17), False, "明天9:00"),
        (at(27, 18), False, "周一9:00"),  # Friday evening
        (at(28, 11), False, "周一9:00"),  # Saturday
        (at(29, 20), False, "明天9:00"),  # Sunday evening
    ],
)
def test_office_hours(moment, open_, next_):
    assert is_office_hours(moment) is open_
    assert next_opening(moment) == next_


def handover_action(moment: dt.datetime) -> ActionHandover:
    action = ActionHandover()
    action.now = lambda: moment  # type: ignore[method-assign]
    return action


def test_handover_in_office_hours_says_what_happens_next(dispatcher):
    tracker = make_tracker("转人工", intent="request_human", slots={"current_guide_id": "temp-id-card"})
    events = asyncio.run(handover_action(at(24, 10)).run(dispatcher, tracker, {}))
    text = dispatcher.messages[0]["text"]
    assert "正在为您转接人工客服" in text and "5分钟内接入" in text
    assert turn_of(dispatcher)["handover"] is True
    assert turn_of(dispatcher)["guide_id"] == "temp-id-card"
    assert slot_events(events) == {"failed_turns": 0, "handover_offered": False}


def test_handover_out_of_hours_names_the_hours_and_next_opening(dispatcher):
    asyncio.run(handover_action(at(28, 11)).run(dispatcher, make_tracker("人工", intent="request_human"), {}))
    text = dispatcher.messages[0]["text"]
    assert "非工作时间" in text and "工作日 9:00-17:00" in text and "周一9:00" in text and "12345" in text
    assert turn_of(dispatcher)["handover"] is True


def test_yes_after_an_offer_hands_over(dispatcher):
    action = ActionAffirm()
    action.now = lambda: at(24, 10)  # type: ignore[method-assign]
    asyncio.run(action.run(dispatcher, make_tracker("好的", intent="affirm", slots={"handover_offered": True}), {}))
    assert turn_of(dispatcher)["handover"] is True
    assert turn_of(dispatcher)["fell_back"] is True


def test_yes_without_an_offer_just_asks_what_else(dispatcher):
    events = asyncio.run(ActionAffirm().run(dispatcher, make_tracker("好的", intent="affirm"), {}))
    assert dispatcher.messages[0]["text"].startswith("好的。请问还有什么可以帮您")
    assert turn_of(dispatcher)["handover"] is False
    assert events == []


def test_no_after_an_offer_keeps_one_failure(dispatcher):
    tracker = make_tracker("不用了", intent="deny", slots={"handover_offered": True, "failed_turns": 2})
    events = asyncio.run(ActionDeny().run(dispatcher, tracker, {}))
    assert "换个说法" in dispatcher.messages[0]["text"]
    assert slot_events(events) == {"handover_offered": False, "failed_turns": 1}


def test_no_without_an_offer(dispatcher):
    events = asyncio.run(ActionDeny().run(dispatcher, make_tracker("不用了", intent="deny"), {}))
    assert "还有什么可以帮您" in dispatcher.messages[0]["text"]
    assert events == []
