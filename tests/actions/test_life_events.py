"""The checklist reply and the follow-ups on it (actions/life_events.py through action_answer_from_guide)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_from_guide import ActionAnswerFromGuide
from knowledge.schema import LifeEvent
from tests.actions.conftest import FakeKnowledgeBase, SearchResult, hit, make_tracker, slot_events, turn_of

ACTION = ActionAnswerFromGuide()
LIST = ["id-card-replacement", "temp-id-card", "marriage-certificate-replacement"]


def lost_wallet() -> LifeEvent:
    return LifeEvent.model_validate({
        "id": "lost-wallet",
        "title": "证件丢失“一件事”",
        "summary": "钱包丢了，补办证件。",
        "aliases": ["钱包丢了", "证件全丢了", "证件丢失一件事"],
        "services": [
            {"guide": "id-card-replacement", "line": "先补身份证。", "together": True},
            {"guide": "temp-id-card", "line": "急着出行的办临时身份证。", "together": True},
            {"guide": "marriage-certificate-replacement", "line": "结婚证也丢了的补领。"},
        ],
        "window": {"name": "综合窗口", "address": "政务服务中心", "hours": "工作日", "phone": "12345"},
        "visits": 2,
        "version": "1.0",
        "updated": "2026-12-03",
        "source": "示例数据，以官方发布为准",
    })


@pytest.fixture(autouse=True)
def with_event(kb: FakeKnowledgeBase) -> None:
    kb.events.append(lost_wallet())


def run(dispatcher: CollectingDispatcher, text: str, slots: dict[str, Any] | None = None) -> dict[str, Any]:
    events = asyncio.run(ACTION.run(dispatcher, make_tracker(text, slots=slots), {}))
    return slot_events(events)


ON_LIST = {"life_event": "lost-wallet", "candidate_guide_ids": LIST}


def test_a_life_event_question_gets_the_checklist(kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher) -> None:
    kb.script("钱包丢了证件全没了要办些啥", SearchResult([hit("id-card-replacement", 0.8)], "process", 0.7, "answer",
                                                   life_event="lost-wallet"))
    slots = run(dispatcher, "钱包丢了证件全没了要办些啥")

    [message] = dispatcher.messages
    text = message["text"]
    assert text.startswith("证件丢失“一件事”共3件，标★的2件可以一次申请，按顺序办：")
    assert text.index("1. 居民身份证补领★：先补身份证。") < text.index("2. 临时居民身份证申领★")
    assert "3. 补领婚姻登记证：结婚证也丢了的补领。" in text
    assert "· 居民身份证：1、2、3" in text  # the guides' shared material, once, with every service needing it
    assert "视情况提供的材料" in text  # the optional 委托书 is left to the guides
    assert "共跑现场2次，标★的2件一起申请只算一趟" in text
    assert "一窗办理：综合窗口（政务服务中心），咨询电话12345" in text
    assert "《居民身份证补领》、《临时居民身份证申领》、《补领婚姻登记证》办事指南（示例数据，以官方发布为准）" in text
    assert [b["payload"] for b in message["buttons"]] == [
        '/start_bundle_request{"life_event": "lost-wallet"}',
        '/choose_guide{"guide_id": "id-card-replacement"}',
        '/choose_guide{"guide_id": "temp-id-card"}',
        '/choose_guide{"guide_id": "marriage-certificate-replacement"}',
    ]
    assert message["buttons"][0]["title"] == "一次申请"
    facts = turn_of(dispatcher)
    assert (facts["decision"], facts["life_event"], facts["guide_id"]) == ("checklist", "lost-wallet", None)
    assert slots["life_event"] == "lost-wallet"
    assert slots["current_guide_id"] is None
    assert slots["candidate_guide_ids"] == LIST


def test_no_one_application_button_with_fewer_than_two_together(
    kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher
) -> None:
    event = lost_wallet()
    services = [s.model_copy(update={"together": False}) for s in event.services]
    kb.events[:] = [event.model_copy(update={"services": services})]
    kb.script("证件全丢了", SearchResult([], None, 0.5, "clarify", life_event="lost-wallet"))
    run(dispatcher, "证件全丢了")
    assert all("start_bundle_request" not in b["payload"] for b in dispatcher.messages[0]["buttons"])
    assert "★" not in dispatcher.messages[0]["text"]


def test_grief_gets_condolence_before_the_list(kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher) -> None:
    kb.script("我妈过世了要办哪些", SearchResult([], None, 0.5, "clarify", life_event="lost-wallet"))
    run(dispatcher, "我妈过世了要办哪些")
    assert dispatcher.messages[0]["text"].startswith("请您节哀。")


def test_second_one_materials_answers_that_guide(kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher) -> None:
    kb.script("第二个要带啥", SearchResult([], "materials", 0.1, "fallback"))
    slots = run(dispatcher, "第二个要带啥", ON_LIST)
    assert "办理临时居民身份证申领需要准备以下材料" in dispatcher.messages[0]["text"]
    assert turn_of(dispatcher)["guide_id"] == "temp-id-card"
    assert slots["current_guide_id"] == "temp-id-card"


def test_second_one_after_opening_the_first_still_means_the_list(
    kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher
) -> None:
    kb.script("第二个要带啥", SearchResult([], "materials", 0.1, "fallback"))
    run(dispatcher, "第二个要带啥", {**ON_LIST, "current_guide_id": "id-card-replacement"})
    assert turn_of(dispatcher)["guide_id"] == "temp-id-card"


@pytest.mark.parametrize(
    ("text", "aspect", "expected"),
    [
        ("都能网上办不", "online", ["1. 居民身份证补领：可以网上申请，还要到现场1次",
                                   "2. 临时居民身份证申领：不能网上办，要到现场1次"]),
        ("要跑几趟", None, ["全部办完一般共跑现场2次", "3. 补领婚姻登记证：到现场1次"]),
        ("先办哪个", None, ["1. 居民身份证补领（随时可以办）"]),
        ("都要带啥子", "materials", ["· 居民身份证：1、2、3", "· 委托书：1、2、3，视情况提供"]),
    ],
)
def test_questions_on_the_whole_list(
    kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher, text: str, aspect: str | None, expected: list[str]
) -> None:
    kb.script(text, SearchResult([], aspect, 0.1, "fallback"))
    slots = run(dispatcher, text, ON_LIST)
    for line in expected:
        assert line in dispatcher.messages[0]["text"]
    assert "来源：《居民身份证补领》" in dispatcher.messages[0]["text"]
    facts = turn_of(dispatcher)
    assert (facts["decision"], facts["life_event"]) == ("checklist", "lost-wallet")
    assert slots["candidate_guide_ids"] == LIST


def test_a_follow_up_naming_a_service_answers_that_guide(
    kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher
) -> None:
    kb.script("补结婚证要多少钱", SearchResult([hit("marriage-certificate-replacement", 0.9, "fees")], "fees", 0.9,
                                            "answer"))
    run(dispatcher, "补结婚证要多少钱", ON_LIST)
    assert turn_of(dispatcher)["guide_id"] == "marriage-certificate-replacement"


def test_a_short_follow_up_on_a_guide_is_no_new_checklist(
    kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher
) -> None:
    kb.script("要带啥", SearchResult([hit("temp-id-card", 0.5)], "materials", 0.5, "clarify", life_event="lost-wallet"))
    kb.script("要带啥", SearchResult([hit("id-card-replacement", 0.5, "materials")], "materials", 0.5, "answer"),
              guide_id="id-card-replacement")
    run(dispatcher, "要带啥", {"current_guide_id": "id-card-replacement"})
    assert turn_of(dispatcher)["guide_id"] == "id-card-replacement"


def test_a_number_in_a_long_new_question_is_no_pick_from_the_list(
    kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher
) -> None:
    text = "我家2个孩子都要办身份证，补办身份证要带什么材料"
    kb.script(text, SearchResult([hit("id-card-replacement", 0.9, "materials")], "materials", 0.9, "answer"))
    run(dispatcher, text, ON_LIST)
    assert turn_of(dispatcher)["guide_id"] == "id-card-replacement"


def test_a_short_question_the_search_is_sure_of_answers_that_service_of_the_list(
    kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher
) -> None:
    kb.script("临时证要好多钱", SearchResult([hit("temp-id-card", 0.9, "fees")], "fees", 0.9, "answer"))
    run(dispatcher, "临时证要好多钱", ON_LIST)
    assert (turn_of(dispatcher)["guide_id"], turn_of(dispatcher)["section"]) == ("temp-id-card", "fees")


def test_a_short_question_on_the_list_the_search_is_unsure_of_asks_which(
    kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher
) -> None:
    kb.script("要好多钱", SearchResult([hit("temp-id-card", 0.5, "fees")], "fees", 0.4, "clarify"))
    run(dispatcher, "要好多钱", ON_LIST)
    assert turn_of(dispatcher)["decision"] == "clarify"
    assert "请问是哪一个" in dispatcher.messages[0]["text"]


def test_a_short_question_during_a_choice_is_no_new_checklist(
    kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher
) -> None:
    found = SearchResult([hit("temp-id-card", 0.5)], "materials", 0.3, "clarify", life_event="lost-wallet")
    kb.script("要带啥子", found)
    run(dispatcher, "要带啥子", {"candidate_guide_ids": ["id-card-replacement", "temp-id-card"]})
    assert turn_of(dispatcher)["decision"] == "answer"  # the first offered, with the aspect asked
    assert (turn_of(dispatcher)["guide_id"], turn_of(dispatcher)["life_event"]) == ("id-card-replacement", None)


def test_a_question_naming_a_service_off_the_list_is_no_checklist(
    kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher
) -> None:
    text = "钱包丢了 结婚登记要带啥"
    kb.script(text, SearchResult([hit("marriage-registration", 0.8, "materials")], "materials", 0.8, "answer",
                                 life_event="lost-wallet"))
    run(dispatcher, text)
    assert (turn_of(dispatcher)["decision"], turn_of(dispatcher)["guide_id"]) == ("answer", "marriage-registration")


def test_a_short_question_after_the_question_that_named_one_service_of_the_list_is_about_it(
    kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher
) -> None:
    kb.script("要带啥子", SearchResult([], "materials"))
    tracker = make_tracker("要带啥子", slots=ON_LIST, earlier=["钱包遭偷了 临时居民身份证申领咋个办"])
    asyncio.run(ACTION.run(dispatcher, tracker, {}))
    assert (turn_of(dispatcher)["guide_id"], turn_of(dispatcher)["section"]) == ("temp-id-card", "materials")
    # ... the whole list is still asked about with 都, and after a question naming none of its services.
    dispatcher = CollectingDispatcher()
    kb.script("都要带啥子", SearchResult([], "materials"))
    tracker = make_tracker("都要带啥子", slots=ON_LIST, earlier=["钱包遭偷了 临时居民身份证申领咋个办"])
    asyncio.run(ACTION.run(dispatcher, tracker, {}))
    assert turn_of(dispatcher)["decision"] == "checklist"
    dispatcher = CollectingDispatcher()
    asyncio.run(ACTION.run(dispatcher, make_tracker("要带啥子", slots=ON_LIST, earlier=["钱包遭偷了"]), {}))
    assert turn_of(dispatcher)["decision"] == "checklist"


def test_a_situation_told_before_a_yes_no_question_on_a_guide_asks_of_that_guide(
    kb: FakeKnowledgeBase, dispatcher: CollectingDispatcher
) -> None:
    text = "我钱包昨天在公交上被偷了 能在这边补不"
    kb.script(text, SearchResult([hit("temp-id-card", 0.9)], "conditions", 0.5, "clarify", life_event="lost-wallet"))
    mine = SearchResult([hit("hpf-rent-withdrawal", 0.9, "conditions")], "conditions", 0.3, "fallback")
    kb.script(text, mine, guide_id="hpf-rent-withdrawal")
    run(dispatcher, text, {"current_guide_id": "hpf-rent-withdrawal"})
    assert turn_of(dispatcher)["guide_id"] == "hpf-rent-withdrawal"
    # Without a guide in context it is the event's question.
    dispatcher.messages.clear()
    run(dispatcher, text)
    assert turn_of(dispatcher)["decision"] == "checklist"
