import asyncio

import pytest

from actions.out_of_scope import OVERRULE_CONFIDENCE, ActionOutOfScope
from tests.actions.conftest import SearchResult, hit, make_tracker, slot_events

ACTION = ActionOutOfScope()


def run(dispatcher, tracker):
    return asyncio.run(ACTION.run(dispatcher, tracker, {}))


def test_an_off_topic_question_hears_what_the_assistant_can_do(kb, dispatcher):
    kb.script("今天天气怎么样", SearchResult([hit("marriage-registration", 0.3)], None, 0.05, "fallback"))
    assert run(dispatcher, make_tracker("今天天气怎么样", intent="out_of_scope")) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]


def test_a_service_question_nlu_sent_away_is_answered_when_the_search_is_very_sure(kb, dispatcher):
    kb.script(
        "新车怎么上牌",
        SearchResult([hit("temp-id-card", 0.9), hit("marriage-registration", 0.4)], None, 0.97, "answer"),
    )
    events = run(dispatcher, make_tracker("新车怎么上牌", intent="out_of_scope"))
    [message] = dispatcher.messages
    assert message["custom"]["source"]["guide_id"] == "temp-id-card"
    assert "示例数据" in message["text"]
    assert slot_events(events)["current_guide_id"] == "temp-id-card"


@pytest.mark.parametrize(
    "result",
    [
        # An off-topic question can reach an "answer" decision (0.76-0.91 on the training data): not enough.
        SearchResult([hit("marriage-registration", 0.8)], None, OVERRULE_CONFIDENCE - 0.04, "answer"),
        SearchResult([hit("hpf-rent-withdrawal", 0.6), hit("hpf-purchase-withdrawal", 0.6)], None, 0.97, "clarify"),
        SearchResult([], None, 0.0, "fallback"),
    ],
)
def test_anything_less_than_a_sure_answer_is_refused_politely(kb, dispatcher, result):
    kb.script("周末去哪玩好", result)
    assert run(dispatcher, make_tracker("周末去哪玩好", intent="out_of_scope")) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]


def test_a_broken_index_still_gets_the_polite_refusal(kb, dispatcher, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("index missing")

    monkeypatch.setattr(kb, "search", broken)
    assert run(dispatcher, make_tracker("今天天气怎么样", intent="out_of_scope")) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]
