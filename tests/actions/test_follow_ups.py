"""Follow-ups on the current guide that NLU took for conversation control ("网上登记得不" for stop, "我老公可以帮我去
办吗" for starting a request): they are questions about the guide, answered from it; commands stay commands."""

import asyncio

import pytest

from actions.answer_from_guide import ActionAnswerFromGuide, asks_about_aspect
from actions.confirmations import ActionDeny
from actions.service_request import control
from tests.actions.conftest import SearchResult, hit, make_tracker, slot_events, turn_of

ON_GUIDE = {"current_guide_id": "marriage-registration"}


def run(action, dispatcher, tracker):
    return asyncio.run(action.run(dispatcher, tracker, {}))


def script_follow_up(kb, text, aspect):
    kb.script(text, SearchResult([hit("temp-id-card", 0.9)], aspect, 0.5, "clarify"))
    mine = SearchResult([hit("marriage-registration", 0.9, aspect)], aspect, 0.3, "fallback")
    kb.script(text, mine, guide_id="marriage-registration")


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("网上申请得不", "online"),
        ("周末开门不", "place"),
        ("要带些啥子", "materials"),
        ("我儿子帮我去弄得不", "conditions"),
        ("我来贵阳才半年 能办不", "conditions"),  # the citizen's situation, then a yes/no question
    ],
)
def test_a_question_nlu_took_for_stop_is_answered_from_the_guide(kb, dispatcher, text, aspect):
    script_follow_up(kb, text, aspect)
    run(control.ActionStopServiceRequest(), dispatcher, make_tracker(text, intent="stop", slots=ON_GUIDE))
    source = dispatcher.messages[0]["custom"]["source"]
    assert (source["guide_id"], source["section"]) == ("marriage-registration", aspect)


def test_stop_outside_a_request_is_still_stop(kb, dispatcher):
    run(control.ActionStopServiceRequest(), dispatcher, make_tracker("算了，我不想办了", intent="stop", slots=ON_GUIDE))
    assert kb.calls == [] and "source" not in (dispatcher.messages[0].get("custom") or {})


def test_someone_else_doing_it_is_a_question_not_a_request(kb, dispatcher):
    text = "我老婆可以替我去办吗"
    script_follow_up(kb, text, "conditions")
    tracker = make_tracker(text, intent="start_service_request", slots=ON_GUIDE)
    events = run(control.ActionStartServiceRequest(), dispatcher, tracker)
    assert slot_events(events)["sr_guide_ready"] is False
    assert dispatcher.messages[0]["custom"]["source"]["section"] == "conditions"


@pytest.mark.parametrize("text", ["可以帮我办理吗", "我要网上申请这个", "帮我约一下窗口"])
def test_a_request_typed_in_the_first_person_starts_the_form(kb, dispatcher, text):
    tracker = make_tracker(text, intent="start_service_request", slots={"current_guide_id": "id-card-replacement"})
    events = run(control.ActionStartServiceRequest(), dispatcher, tracker)
    assert slot_events(events)["sr_guide_ready"] is True and kb.calls == []


def test_no_with_a_question_about_the_guide_is_answered(kb, dispatcher):
    text = "没去住了还有不"
    script_follow_up(kb, text, "conditions")
    run(ActionDeny(), dispatcher, make_tracker(text, intent="deny", slots=ON_GUIDE))
    assert dispatcher.messages[0]["custom"]["source"]["section"] == "conditions"


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("网上弄得不", True),
        ("要好多钱", True),
        ("他帮我办得不", True),
        ("不用了", False),
        ("我不想办了", False),
        ("现在可以申请吗，我要办", False),
        ("我要网上申请这个", False),
    ],
)
def test_asks_about_aspect(text, asks):
    assert asks_about_aspect(text) is asks


CHOICE = {"candidate_guide_ids": ["hpf-rent-withdrawal", "hpf-purchase-withdrawal"]}


def test_asking_on_instead_of_choosing_answers_the_first_offered_guide(kb, dispatcher):
    # The short question's own words pull the search elsewhere: they ask the aspect, not which service.
    kb.script("在手机上咋个弄", SearchResult([hit("hpf-purchase-withdrawal", 0.8)], "online", 0.8, "answer"))
    events = run(ActionAnswerFromGuide(), dispatcher, make_tracker("在手机上咋个弄", slots=CHOICE))
    assert dispatcher.messages[0]["custom"]["source"] == {
        "guide_id": "hpf-rent-withdrawal", "title": "住房公积金租房提取", "section": "online",
        "url": "https://zwfw.guizhou.gov.cn/",
    }
    assert slot_events(events)["candidate_guide_ids"] == ["hpf-purchase-withdrawal"]  # "不是这个" moves on
    assert turn_of(dispatcher)["decision"] == "answer"


def test_a_longer_message_answers_from_the_offered_guide_its_search_puts_first(kb, dispatcher):
    text = "我是去年买的房子首付都付完了这个要带些啥子"
    kb.script(text, SearchResult([hit("hpf-purchase-withdrawal", 0.8)], "materials", 0.5, "clarify"))
    run(ActionAnswerFromGuide(), dispatcher, make_tracker(text, slots=CHOICE))
    assert (turn_of(dispatcher)["guide_id"], turn_of(dispatcher)["section"]) == ("hpf-purchase-withdrawal", "materials")


def test_a_longer_message_finding_none_of_the_choices_is_a_new_question(kb, dispatcher):
    text = "另外问一下明天要坐火车了临时的证件咋个弄"
    kb.script(text, SearchResult([hit("temp-id-card", 0.9)], "process", 0.9, "answer"))
    run(ActionAnswerFromGuide(), dispatcher, make_tracker(text, slots=CHOICE))
    assert turn_of(dispatcher)["guide_id"] == "temp-id-card"


def test_a_follow_up_answered_from_the_current_guide_is_an_answer(kb, dispatcher):
    script_follow_up(kb, "周末开门不", "place")  # the restricted search itself decides "fallback"
    run(ActionAnswerFromGuide(), dispatcher, make_tracker("周末开门不", slots=ON_GUIDE))
    assert (turn_of(dispatcher)["guide_id"], turn_of(dispatcher)["decision"]) == ("marriage-registration", "answer")
