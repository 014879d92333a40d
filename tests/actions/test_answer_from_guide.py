import asyncio

from actions.answer_from_guide import ActionAnswerFromGuide
from tests.actions.conftest import SearchResult, hit, make_tracker, slot_events, turn_of

ACTION = ActionAnswerFromGuide()


def run(dispatcher, tracker):
    return asyncio.run(ACTION.run(dispatcher, tracker, {}))


def test_answers_from_the_matching_section_with_source_and_next_steps(kb, dispatcher):
    kb.script(
        "身份证丢了怎么补办",
        SearchResult([hit("id-card-replacement", 0.9, "process"), hit("temp-id-card", 0.5)], "process", 0.85, "answer"),
    )
    events = run(dispatcher, make_tracker("身份证丢了怎么补办"))

    [message] = dispatcher.messages
    assert "居民身份证补领的办理流程" in message["text"]
    assert "1. 申请：到窗口提交材料" in message["text"]
    assert "示例数据，以官方发布为准" in message["text"]
    assert message["custom"]["source"] == {
        "guide_id": "id-card-replacement",
        "title": "居民身份证补领",
        "section": "process",
        "url": "https://zwfw.guizhou.gov.cn/",
    }
    assert turn_of(dispatcher) == {
        "guide_id": "id-card-replacement",
        "section": "process",
        "score": 0.9,
        "confidence": 0.85,
        "decision": "answer",
        "aspect": "process",
        "fell_back": False,
        "handover": False,
        "life_event": None,
    }
    titles = [b["title"] for b in message["buttons"]]
    assert titles == ["需要哪些材料", "在哪里办", "要多少钱", "能不能网上办", "我要办理", "不是这个"]
    assert {"title": "我要办理", "payload": "/start_service_request"} in message["buttons"]
    slots = slot_events(events)
    assert slots["current_guide_id"] == "id-card-replacement"
    assert slots["candidate_guide_ids"] == ["temp-id-card"]
    assert slots["failed_turns"] == 0


def test_a_generic_follow_up_stays_with_the_current_guide(kb, dispatcher):
    kb.script(
        "要带什么材料",
        SearchResult(
            [hit("temp-id-card", 0.50, "materials"), hit("marriage-registration", 0.49)], "materials", 0.3, "clarify"
        ),
    )
    kb.script(
        "要带什么材料",
        SearchResult([hit("id-card-replacement", 0.48, "materials")], "materials", 0.6, "answer"),
        guide_id="id-card-replacement",
    )
    events = run(dispatcher, make_tracker("要带什么材料", slots={"current_guide_id": "id-card-replacement"}))

    text = dispatcher.messages[0]["text"]
    assert text.startswith("办理居民身份证补领需要准备以下材料（其中1项必需）")
    assert "委托书：原件1份，视情况提供（委托他人办理时提供）" in text
    assert slot_events(events)["current_guide_id"] == "id-card-replacement"
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]][0] == "在哪里办"  # materials just answered


def test_fees_follow_up_when_nothing_stands_out(kb, dispatcher):
    kb.script("那要多少钱", SearchResult([hit("temp-id-card", 0.2, "fees")], "fees", 0.1, "fallback"))
    kb.script(
        "那要多少钱",
        SearchResult([hit("id-card-replacement", 0.1, "fees")], "fees", 0.5, "answer"),
        guide_id="id-card-replacement",
    )
    run(dispatcher, make_tracker("那要多少钱", slots={"current_guide_id": "id-card-replacement"}))
    assert dispatcher.messages[0]["text"].startswith("办理居民身份证补领需要缴纳：居民身份证工本费（补领）20元。")


def test_weekend_question_answers_from_the_opening_hours(kb, dispatcher):
    kb.script("周末能办吗", SearchResult([], "place", 0.0, "fallback"))
    kb.script(
        "周末能办吗",
        SearchResult([hit("id-card-replacement", 0.3, "place")], "place", 0.4, "answer"),
        guide_id="id-card-replacement",
    )
    run(dispatcher, make_tracker("周末能办吗", slots={"current_guide_id": "id-card-replacement"}))
    text = dispatcher.messages[0]["text"]
    assert text.startswith("周末可以办理")
    assert "周六 9:00-17:00" in text


def test_next_step_button_answers_the_current_guide_without_searching(kb, dispatcher):
    tracker = make_tracker(
        '/ask_service{"aspect": "online"}',
        entities=[{"entity": "aspect", "value": "online"}],
        slots={"current_guide_id": "id-card-replacement", "candidate_guide_ids": ["temp-id-card"]},
    )
    events = run(dispatcher, tracker)
    assert kb.calls == []
    assert dispatcher.messages[0]["text"].startswith("可以网上办理。可在线预约和挂失。")
    assert turn_of(dispatcher)["section"] == "online"
    assert slot_events(events)["candidate_guide_ids"] == ["temp-id-card"]


def test_a_clearly_different_question_changes_the_topic(kb, dispatcher):
    kb.script(
        "结婚登记要带什么", SearchResult([hit("marriage-registration", 0.9, "materials")], "materials", 0.9, "answer")
    )
    kb.script(
        "结婚登记要带什么",
        SearchResult([hit("id-card-replacement", 0.3, "materials")], "materials", 0.2, "fallback"),
        guide_id="id-card-replacement",
    )
    events = run(dispatcher, make_tracker("结婚登记要带什么", slots={"current_guide_id": "id-card-replacement"}))
    assert dispatcher.messages[0]["custom"]["source"]["guide_id"] == "marriage-registration"
    assert slot_events(events)["current_guide_id"] == "marriage-registration"


def test_close_guides_get_a_clarification_with_buttons(kb, dispatcher):
    kb.script(
        "公积金怎么取",
        SearchResult(
            [
                hit("hpf-rent-withdrawal", 0.7),
                hit("hpf-purchase-withdrawal", 0.69),
                hit("hpf-retirement-withdrawal", 0.68),
            ],
            "process",
            0.4,
            "clarify",
        ),
    )
    events = run(dispatcher, make_tracker("公积金怎么取"))
    [message] = dispatcher.messages
    assert message["text"].startswith("您想了解的可能是下面几个事项")
    assert "source" not in message["custom"]
    assert message["buttons"][0] == {
        "title": "住房公积金租房提取",
        "payload": '/choose_guide{"guide_id": "hpf-rent-withdrawal"}',
    }
    assert message["buttons"][-1]["payload"] == "/wrong_guide"
    assert turn_of(dispatcher)["decision"] == "clarify"
    slots = slot_events(events)
    assert slots["current_guide_id"] is None
    assert slots["candidate_guide_ids"] == [
        "hpf-rent-withdrawal",
        "hpf-purchase-withdrawal",
        "hpf-retirement-withdrawal",
    ]
    assert slots["asked_aspect"] == "process"


def test_a_typed_name_picks_one_of_the_offered_guides(kb, dispatcher):
    kb.script("租房那个", SearchResult([hit("hpf-rent-withdrawal", 0.4)], None, 0.3, "clarify"))
    tracker = make_tracker(
        "租房那个",
        slots={
            "candidate_guide_ids": ["hpf-rent-withdrawal", "hpf-purchase-withdrawal"],
            "asked_aspect": "process",
        },
    )
    events = run(dispatcher, tracker)
    assert dispatcher.messages[0]["text"].startswith("住房公积金租房提取的办理流程")
    slots = slot_events(events)
    assert slots["current_guide_id"] == "hpf-rent-withdrawal"
    assert slots["candidate_guide_ids"] == ["hpf-purchase-withdrawal"]


def test_a_faq_hit_without_aspect_is_answered_from_the_faq(kb, dispatcher):
    kb.script(
        "补办期间要坐火车咋办",
        SearchResult(
            [hit("id-card-replacement", 0.8, "faq", "问：补办期间要坐火车怎么办？\n答：可以同时申领临时居民身份证。")],
            None,
            0.8,
            "answer",
        ),
    )
    run(dispatcher, make_tracker("补办期间要坐火车咋办"))
    assert dispatcher.messages[0]["text"].startswith(
        "关于“补办期间要坐火车怎么办？”：\n可以同时申领临时居民身份证。\n\n来源：《居民身份证补领》办事指南 · 常见问题"
    )


def test_not_understood_asks_to_rephrase_once_then_offers_then_hands_over(kb, dispatcher):
    kb.script("呃那个啥", SearchResult([], None, 0.05, "fallback"))

    events = run(dispatcher, make_tracker("呃那个啥", intent="nlu_fallback"))
    assert "换个说法" in dispatcher.messages[-1]["text"]
    assert turn_of(dispatcher)["fell_back"] is True
    assert turn_of(dispatcher)["handover"] is False
    assert slot_events(events)["failed_turns"] == 1

    events = run(dispatcher, make_tracker("呃那个啥", slots={"failed_turns": 1}))
    assert "需要为您转接人工客服吗" in dispatcher.messages[-1]["text"]
    assert dispatcher.messages[-1]["buttons"][0] == {"title": "转人工", "payload": "/request_human"}
    assert slot_events(events) == {"failed_turns": 2, "handover_offered": True}

    run(dispatcher, make_tracker("呃那个啥", slots={"failed_turns": 2, "handover_offered": True}))
    assert turn_of(dispatcher)["handover"] is True
    assert "人工服务时间" in dispatcher.messages[-1]["text"] or "分钟内接入" in dispatcher.messages[-1]["text"]


def test_low_nlu_confidence_still_answers_when_the_search_is_sure(kb, dispatcher):
    kb.script("结婚证咋个领", SearchResult([hit("marriage-registration", 0.9)], "process", 0.9, "answer"))
    run(dispatcher, make_tracker("结婚证咋个领", intent="nlu_fallback"))
    assert dispatcher.messages[0]["custom"]["source"]["guide_id"] == "marriage-registration"


def test_a_broken_index_gets_a_polite_reply(kb, dispatcher, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("index missing")

    monkeypatch.setattr(kb, "search", broken)
    assert run(dispatcher, make_tracker("身份证怎么补办")) == []
    assert "稍后再试" in dispatcher.messages[0]["text"]
    assert turn_of(dispatcher)["fell_back"] is True


def test_an_ambiguous_new_topic_is_not_taken_for_a_follow_up(kb, dispatcher):
    kb.script(
        "公积金怎么取",
        SearchResult(
            [hit("hpf-rent-withdrawal", 0.7), hit("hpf-purchase-withdrawal", 0.69)], "process", 0.5, "clarify"
        ),
    )
    events = run(dispatcher, make_tracker("公积金怎么取", slots={"current_guide_id": "id-card-replacement"}))
    assert dispatcher.messages[0]["text"].startswith("您想了解的可能是下面几个事项")
    assert slot_events(events)["current_guide_id"] is None
    assert ("公积金怎么取", "id-card-replacement") not in kb.calls


def test_an_unsure_faq_hit_is_not_quoted_for_a_vague_follow_up(kb, dispatcher):
    kb.script("这个呢", SearchResult([hit("temp-id-card", 0.2)], None, 0.1, "fallback"))
    kb.script(
        "这个呢",
        SearchResult([hit("id-card-replacement", 0.2, "faq", "问：问题一？\n答：回答一。")], None, 0.1, "fallback"),
        guide_id="id-card-replacement",
    )
    run(dispatcher, make_tracker("这个呢", slots={"current_guide_id": "id-card-replacement"}))
    assert dispatcher.messages[0]["text"].startswith("居民身份证补领的简要说明。")
    assert turn_of(dispatcher)["section"] == "overview"


def test_a_question_naming_a_related_guide_the_search_is_sure_of_moves_there(kb, dispatcher):
    # "结婚" names both the current guide (补领结婚证) and the one the search is sure of (结婚登记).
    kb.script("结婚怎么登记", SearchResult([hit("marriage-registration", 0.8)], "process", 0.8, "answer"))
    slots = {"current_guide_id": "marriage-certificate-replacement"}
    events = run(dispatcher, make_tracker("结婚怎么登记", slots=slots))
    assert slot_events(events)["current_guide_id"] == "marriage-registration"
