"""The turn (actions/answer_from_guide.py): the search decides unless a message is only conversation control."""

import asyncio

import pytest

from actions.answer_from_guide import ActionAnswerFromGuide, is_follow_up
from actions.confirmations import ActionAffirm
from actions.service_request import tracking
from actions.tone import CONDOLENCE
from knowledge.calibration import Calibration
from tests.actions.conftest import SearchResult, hit, make_tracker, slot_events, turn_of

ACTION = ActionAnswerFromGuide()


def run(dispatcher, tracker, action=ACTION):
    return asyncio.run(action.run(dispatcher, tracker, {}))


def responses(dispatcher):
    return [m.get("response") for m in dispatcher.messages]


def test_sure_conversation_control_gets_its_own_reply_without_a_search(kb, dispatcher):
    assert run(dispatcher, make_tracker("你好", intent="greet", confidence=0.97)) == []
    assert responses(dispatcher) == ["utter_greet"] and kb.calls == []


def test_an_off_topic_question_hears_what_the_assistant_can_do(kb, dispatcher):
    kb.script("明天会下雨吗", SearchResult([hit("marriage-registration", 0.3)], None, 0.05, "fallback"))
    run(dispatcher, make_tracker("明天会下雨吗", intent="out_of_scope", confidence=0.6))
    assert responses(dispatcher) == ["utter_out_of_scope"]


@pytest.mark.parametrize(
    "result",
    [
        # An off-topic question can reach an "answer" decision: not enough unless the search is surer than any.
        SearchResult([hit("marriage-registration", 0.8)], None, 0.9, "answer"),
        SearchResult([hit("hpf-rent-withdrawal", 0.6), hit("hpf-purchase-withdrawal", 0.6)], None, 0.6, "clarify"),
    ],
)
def test_off_topic_naming_no_service_is_refused_unless_the_search_is_very_sure(kb, dispatcher, result):
    kb.script("周末去哪玩好", result)
    run(dispatcher, make_tracker("周末去哪玩好", intent="out_of_scope", confidence=0.6))
    assert responses(dispatcher) == ["utter_out_of_scope"]


def test_a_question_nlu_took_for_off_topic_is_answered_when_it_names_a_service(kb, dispatcher):
    kb.script("结婚登记周末弄得不", SearchResult([hit("marriage-registration", 0.8)], "place", 0.7, "answer"))
    events = run(dispatcher, make_tracker("结婚登记周末弄得不", intent="out_of_scope", confidence=0.9))
    assert dispatcher.messages[0]["custom"]["source"]["guide_id"] == "marriage-registration"
    assert slot_events(events)["current_guide_id"] == "marriage-registration"


def test_grief_taken_for_a_complaint_gets_the_answer_with_condolence(kb, dispatcher):
    text = "我妈前天过世了，结婚证要补办咋弄"
    kb.script(text, SearchResult([hit("marriage-certificate-replacement", 0.9)], "process", 0.8, "answer"))
    run(dispatcher, make_tracker(text, intent="complain", confidence=0.95))
    [message] = dispatcher.messages
    assert message["text"].startswith(CONDOLENCE) and "不好的体验" not in message["text"]
    assert turn_of(dispatcher)["decision"] == "answer"


def test_a_complaint_about_the_service_keeps_the_apology_even_when_it_names_the_service(kb, dispatcher):
    text = "结婚登记窗口那个人态度太差了"
    kb.script(text, SearchResult([hit("marriage-registration", 0.9)], None, 0.8, "answer"))
    run(dispatcher, make_tracker(text, intent="complain", confidence=0.9))
    assert responses(dispatcher) == ["utter_complain"]


def test_a_complaint_with_a_question_gets_the_complaint_reply_then_the_answer(kb, dispatcher):
    text = "排了两个小时队，结婚登记到底要带什么材料"
    kb.script(text, SearchResult([hit("marriage-registration", 0.9)], "materials", 0.8, "answer"))
    run(dispatcher, make_tracker(text, intent="complain", confidence=0.9))
    apology, answer = dispatcher.messages
    assert apology["response"] == "utter_complain"  # the apology, 12345 and the offer of a human
    assert answer["custom"]["source"]["section"] == "materials"
    assert turn_of(dispatcher)["decision"] == "answer"


def test_a_greeting_with_a_question_is_searched(kb, dispatcher):
    text = "你好，结婚登记要带啥"
    kb.script(text, SearchResult([hit("marriage-registration", 0.9)], "materials", 0.8, "answer"))
    run(dispatcher, make_tracker(text, intent="greet", confidence=0.9))
    assert dispatcher.messages[0]["custom"]["source"]["section"] == "materials"


def test_a_short_follow_up_stays_on_the_guide_even_when_the_open_search_is_sure_of_another(kb, dispatcher):
    kb.script("好多钱", SearchResult([hit("temp-id-card", 0.9)], "fees", 0.97, "answer"))
    kb.script("好多钱", SearchResult([hit("id-card-replacement", 0.9, "fees")], "fees", 0.5, "answer"),
              guide_id="id-card-replacement")
    run(dispatcher, make_tracker("好多钱", slots={"current_guide_id": "id-card-replacement"}))
    assert dispatcher.messages[0]["custom"]["source"] == {
        "guide_id": "id-card-replacement", "title": "居民身份证补领", "section": "fees",
        "url": "https://zwfw.guizhou.gov.cn/",
    }


def test_follow_up_rules():
    cal = Calibration(new_topic_at=0.9)
    sure_other = SearchResult([hit("temp-id-card", 0.9)], None, 0.95, "answer")
    # Naming the current guide stays; naming another leaves; short and unnamed stays.
    assert is_follow_up("补领要好久", sure_other, "id-card-replacement", {"id-card-replacement"}, cal)
    assert not is_follow_up("那结婚登记呢", sure_other, "id-card-replacement", {"marriage-registration"}, cal)
    assert is_follow_up("一个月能领好多", sure_other, "id-card-replacement", set(), cal)
    # A longer message naming nothing leaves only when the search is very sure of another guide.
    long = "我老公在工地上从架子上摔下来了老板不管"
    assert not is_follow_up(long, sure_other, "id-card-replacement", set(), cal)
    unsure = SearchResult([hit("temp-id-card", 0.9)], None, 0.7, "answer")
    assert is_follow_up(long, unsure, "id-card-replacement", set(), cal)
    # ... unless it asks one thing first and tells its story after: the story is why it asks.
    assert is_follow_up("好久能补好 我后天要出差 急得很", sure_other, "id-card-replacement", set(), cal)
    # The open search answering from the current guide keeps it, whatever else is named.
    mine = SearchResult([hit("marriage-certificate-replacement", 0.9)], None, 0.92, "answer")
    assert is_follow_up("结婚登记那天的照片找不到了还补得成不", mine, "marriage-certificate-replacement",
                        {"marriage-registration"}, cal)


def test_a_name_in_the_situation_of_a_yes_no_question_keeps_the_current_guide(kb):
    cal = Calibration(new_topic_at=0.9)
    sure_other = SearchResult([hit("marriage-registration", 0.9)], "conditions", 0.95, "answer")
    current, named = "hpf-rent-withdrawal", {"marriage-registration"}
    stays = ("上个月刚办了结婚登记 两个人的能一起提不", "刚去结婚登记了，这个还能提吗", "下月就结婚登记 能不能一起弄")
    for text in stays:
        assert is_follow_up(text, sure_other, current, named, cal), text
    # Something done, then one thing asked; or what else, after something the citizen has.
    for text in ("我们上个月结婚登记了 在哪点提", "结婚登记已经办了 还要交啥"):
        assert is_follow_up(text, sure_other, current, named, cal), text
    # The name alone before the question, in the question itself, or with a question of its own, asks of it.
    for text in ("结婚登记 我能去办不", "顺便问下 结婚登记 能办不", "我们想好了 能不能预约结婚登记",
                 "结婚登记咋个办 我能代办不"):
        assert not is_follow_up(text, sure_other, current, named, cal), text


def test_naming_the_current_guide_stays_unless_the_question_names_instead_the_one_the_search_answers(kb):
    cal = Calibration(new_topic_at=0.9)
    sure_rent = SearchResult([hit("hpf-rent-withdrawal", 0.9)], "conditions", 0.95, "answer")
    named = {"marriage-registration", "hpf-rent-withdrawal"}
    assert not is_follow_up("等结婚登记办完之前 能先租房提公积金不", sure_rent, "marriage-registration", named, cal)
    assert is_follow_up("租房提公积金那边说要结婚登记 要带啥", sure_rent, "marriage-registration", named, cal)


def test_yes_with_a_question_in_it_is_a_service_question(kb, dispatcher):
    kb.script("好的，那要带啥子", SearchResult([], "materials"))
    mine = SearchResult([hit("marriage-registration", 0.9, "materials")], "materials", 0.6, "answer")
    kb.script("好的，那要带啥子", mine, guide_id="marriage-registration")
    slots = {"current_guide_id": "marriage-registration"}
    run(dispatcher, make_tracker("好的，那要带啥子", intent="affirm", slots=slots), action=ActionAffirm())
    assert dispatcher.messages[0]["custom"]["source"]["section"] == "materials"


def test_a_service_question_taken_for_tracking_is_answered_and_starts_no_form(kb, dispatcher):
    text = "想看看结婚登记在哪里办"
    kb.script(text, SearchResult([hit("marriage-registration", 0.9)], "place", 0.8, "answer"))
    events = run(dispatcher, make_tracker(text, intent="track_request"), action=tracking.ActionStartLookup())
    assert slot_events(events)["sr_lookup_ready"] is False
    assert dispatcher.messages[0]["custom"]["source"]["guide_id"] == "marriage-registration"


def test_a_faq_answers_first_and_the_asked_section_follows(kb, dispatcher):
    faq = hit("id-card-replacement", 0.9, "faq", "问：补办要交哪些钱？\n答：只收工本费。")
    kb.script("补办身份证要交哪些钱", SearchResult([faq], "fees", 0.9, "answer"))
    run(dispatcher, make_tracker("补办身份证要交哪些钱"))
    text = dispatcher.messages[0]["text"]
    assert text.index("只收工本费") < text.index("20元")
    assert "常见问题、收费标准" in text and turn_of(dispatcher)["aspect"] == "fees"


def test_what_a_citizen_receives_without_a_faq_is_not_guessed(kb, dispatcher):
    kb.script("一个月能领好多", SearchResult([hit("marriage-registration", 0.9)], "benefits", 0.8, "answer"))
    run(dispatcher, make_tracker("一个月能领好多"))
    assert "办事指南没有写明" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[0]["custom"]["source"]["section"] == "benefits"


def test_a_sure_complaint_without_a_word_of_complaint_is_searched(kb, dispatcher):
    text = "屋头着火烧光了，政府有没得救急的"
    kb.script(text, SearchResult([hit("marriage-registration", 0.9)], None, 0.8, "answer"))
    run(dispatcher, make_tracker(text, intent="complain", confidence=0.99))
    assert kb.calls and dispatcher.messages[0]["custom"]["source"]["guide_id"] == "marriage-registration"


def test_a_short_question_before_choosing_answers_the_first_choice_and_keeps_the_others(kb, dispatcher):
    slots = {"candidate_guide_ids": ["hpf-rent-withdrawal", "hpf-purchase-withdrawal"]}
    events = run(dispatcher, make_tracker("要带啥子", slots=slots))
    assert dispatcher.messages[0]["custom"]["source"]["guide_id"] == "hpf-rent-withdrawal"
    assert {"title": "不是这个", "payload": "/wrong_guide"} in dispatcher.messages[0]["buttons"]
    assert slot_events(events)["candidate_guide_ids"] == ["hpf-purchase-withdrawal"]


def test_complaint_words_without_a_complaint_get_the_answer_alone(kb, dispatcher):
    text = "车子有个违章一直拖了一年没处理，会不会有啥子影响"
    kb.script(text, SearchResult([hit("marriage-registration", 0.9)], "overview", 0.8, "answer"))
    run(dispatcher, make_tracker(text, intent="ask_service", confidence=0.9))
    assert responses(dispatcher) == [None]  # one message: the answer, no complaint reply before it


def test_being_sent_back_and_forth_is_a_complaint_whatever_nlu_read(kb, dispatcher):
    text = "公积金中心说要去社保局开证明，社保局又说要去公积金中心，把我们踢来踢去的"
    kb.script(text, SearchResult([hit("marriage-registration", 0.9)], None, 0.8, "answer"))
    run(dispatcher, make_tracker(text, intent="ask_service", confidence=0.9))
    assert responses(dispatcher) == ["utter_complain"]


def test_a_complaint_about_the_bot_that_asks_for_a_human_gets_the_apology_and_the_handover_offer(kb, dispatcher):
    run(dispatcher, make_tracker("你这个机器人问东答西，有没有人工客服", intent="bot_challenge", confidence=0.95))
    assert responses(dispatcher) == ["utter_complain"]


def test_a_broken_site_nlu_read_as_a_complaint_is_apologised_for_when_nothing_is_found(kb, dispatcher):
    text = "网上办事大厅一直登录不上，一直转圈圈，你们这个网站到底能不能用"
    kb.script(text, SearchResult([], None, 0.1, "fallback"))
    run(dispatcher, make_tracker(text, intent="complain", confidence=0.9))
    assert responses(dispatcher) == ["utter_complain"]


@pytest.mark.parametrize("text", [
    "网上缴费扣了钱 系统显示没交成功 钱也不退 找哪个都说不晓得",
    "交了材料说审核 审核了半个月又说少个章 一开始为啥子不一次讲清楚",
    "我七十几岁了 样样都叫我在手机上弄 就不能给老年人留个窗口",
])
def test_money_kept_things_asked_bit_by_bit_and_no_window_left_are_complaints_when_nlu_reads_one(
    kb, dispatcher, text
):
    kb.script(text, SearchResult([], None, 0.1, "fallback"))
    run(dispatcher, make_tracker(text, intent="complain", confidence=0.9))
    assert responses(dispatcher) == ["utter_complain"]


def test_a_complaint_that_asks_which_way_gets_the_apology_before_the_choice(kb, dispatcher):
    text = "办个营业执照，窗口喊我网上办，网上又说要去窗口，到底要我咋个整"
    hits = [hit("marriage-registration", 0.6), hit("temp-id-card", 0.58)]
    kb.script(text, SearchResult(hits, "process", 0.5, "clarify"))
    run(dispatcher, make_tracker(text, intent="complain", confidence=0.9))
    assert responses(dispatcher)[0] == "utter_complain"
    assert dispatcher.messages[-1]["buttons"]  # then the choice of service


def test_a_sure_complaint_without_a_word_of_complaint_that_asks_nothing_is_searched_first(kb, dispatcher):
    text = "今年五月满六十，想把退休这一套都办了"
    kb.script(text, SearchResult([hit("marriage-registration", 0.9)], "process", 0.95, "answer"))
    run(dispatcher, make_tracker(text, intent="complain", confidence=0.99))
    assert kb.calls and dispatcher.messages[0]["custom"]["source"]["guide_id"] == "marriage-registration"


def test_a_sure_complaint_without_a_word_of_complaint_gets_the_apology_when_nothing_is_found(kb, dispatcher):
    text = "你们这个系统烂透了"
    kb.script(text, SearchResult([], None, 0.1, "fallback"))
    run(dispatcher, make_tracker(text, intent="complain", confidence=0.99))
    assert responses(dispatcher) == ["utter_complain"]
