import asyncio

import pytest

from actions.clarify_guide import ActionChooseGuide, ordinal
from actions.next_guide import ActionNextGuide
from tests.actions.conftest import make_tracker, slot_events, turn_of

HPF = ["hpf-rent-withdrawal", "hpf-purchase-withdrawal", "hpf-retirement-withdrawal"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第一个", 0),
        ("选第二个吧", 1),
        ("第3个", 2),
        ("2", 1),
        ("最后一个", 2),
        ("中间那个", 1),
        ("头一个", 0),
        ("第五个", None),
        ("租房那个", None),
    ],
)
def test_ordinal(text, expected):
    assert ordinal(text, 3) == expected


def test_a_button_choice_answers_the_chosen_guide_for_the_asked_aspect(kb, dispatcher):
    tracker = make_tracker(
        '/choose_guide{"guide_id": "hpf-purchase-withdrawal"}',
        intent="choose_guide",
        entities=[{"entity": "guide_id", "value": "hpf-purchase-withdrawal"}],
        slots={"candidate_guide_ids": HPF, "asked_aspect": "materials"},
    )
    events = asyncio.run(ActionChooseGuide().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["text"].startswith("办理住房公积金购房提取需要准备以下材料")
    assert dispatcher.messages[0]["custom"]["source"]["guide_id"] == "hpf-purchase-withdrawal"
    slots = slot_events(events)
    assert slots["current_guide_id"] == "hpf-purchase-withdrawal"
    assert slots["candidate_guide_ids"] == ["hpf-rent-withdrawal", "hpf-retirement-withdrawal"]


def test_a_typed_ordinal_choice(kb, dispatcher):
    tracker = make_tracker("第三个", intent="choose_guide", slots={"candidate_guide_ids": HPF})
    asyncio.run(ActionChooseGuide().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["custom"]["source"]["guide_id"] == "hpf-retirement-withdrawal"
    assert turn_of(dispatcher)["section"] == "overview"


def test_a_choice_without_anything_to_choose_from_asks_to_rephrase(kb, dispatcher):
    asyncio.run(ActionChooseGuide().run(dispatcher, make_tracker("第二个", intent="choose_guide"), {}))
    assert "换个说法" in dispatcher.messages[0]["text"]
    assert turn_of(dispatcher)["fell_back"] is True


def test_not_this_one_moves_to_the_next_candidate(kb, dispatcher):
    tracker = make_tracker(
        "不是这个",
        intent="wrong_guide",
        slots={"current_guide_id": HPF[0], "candidate_guide_ids": HPF[1:], "asked_aspect": "fees"},
    )
    events = asyncio.run(ActionNextGuide().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["text"].startswith("住房公积金购房提取不收费")
    slots = slot_events(events)
    assert slots["current_guide_id"] == HPF[1]
    assert slots["candidate_guide_ids"] == [HPF[2]]


def test_not_this_one_with_nothing_left_asks_to_rephrase(kb, dispatcher):
    tracker = make_tracker("不是这个", intent="wrong_guide", slots={"current_guide_id": HPF[0]})
    events = asyncio.run(ActionNextGuide().run(dispatcher, tracker, {}))
    assert "换个说法" in dispatcher.messages[0]["text"]
    slots = slot_events(events)
    assert slots["current_guide_id"] is None
    assert slots["failed_turns"] == 1


def test_none_of_these_after_a_clarification_asks_to_rephrase(kb, dispatcher):
    tracker = make_tracker("都不是", intent="wrong_guide", slots={"candidate_guide_ids": HPF})
    asyncio.run(ActionNextGuide().run(dispatcher, tracker, {}))
    assert "换个说法" in dispatcher.messages[0]["text"]
