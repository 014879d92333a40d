import asyncio
import datetime as dt

import pytest

from actions.confirmations import ActionAffirm, ActionDeny
from actions.handover import ActionHandover, handover_text
from govchat import office_hours
from tests.actions.conftest import make_tracker, slot_events, turn_of

CHINA_TIME = dt.timezone(dt.timedelta(hours=8))
# The defaults of GOVCHAT_OFFICE_HOURS: weekdays 09:00-12:00 and 14:00-17:30, China time.
OFFICE = office_hours.parse("1-5 09:00-12:00,14:00-17:30", "Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CHINA_TIME)  # 2026-11-23 is a Monday


@pytest.mark.parametrize(
    ("moment", "open_", "next_"),
    [
        (at(23, 10), True, "11月23日（周一）14:00"),
        (at(23, 8, 59), False, "11月23日（周一）09:00"),
        (at(23, 17, 30), False, "11月24日（周二）09:00"),
        (at(27, 18), False, "11月30日（周一）09:00"),  # Friday evening
        (at(28, 11), False, "11月30日（周一）09:00"),  # Saturday
    ],
)
def test_handover_text_follows_the_configured_office_hours(moment, open_, next_):
    text = handover_text(OFFICE, moment)
    if open_:
        assert "正在为您转接人工客服" in text and "5分钟内接入" in text
    else:
        assert "非工作时间" in text and "周一至周五 09:00-12:00、14:00-17:30" in text and next_ in text
        assert "12345" in text


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


def test_a_handover_asked_for_in_a_complaint_starts_with_the_apology(dispatcher):
    tracker = make_tracker("你这个机器人答非所问 我要找真人", intent="request_human")
    asyncio.run(handover_action(at(24, 10)).run(dispatcher, tracker, {}))
    text = dispatcher.messages[0]["text"]
    assert text.startswith("非常抱歉给您带来了不好的体验。") and "正在为您转接人工客服" in text
    dispatcher.messages.clear()
    asyncio.run(handover_action(at(24, 10)).run(dispatcher, make_tracker("转人工", intent="request_human"), {}))
    assert dispatcher.messages[0]["text"].startswith("好的，正在为您转接人工客服")


def test_handover_out_of_hours_names_the_hours_and_next_opening(dispatcher):
    asyncio.run(handover_action(at(28, 11)).run(dispatcher, make_tracker("人工", intent="request_human"), {}))
    text = dispatcher.messages[0]["text"]
    assert "非工作时间" in text and "09:00" in text and "12345" in text
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
