from rasa_sdk.executor import CollectingDispatcher

from actions import guide_answers, knowledge_base
from actions.guide_replies import answer_with_guide
from tests.actions.conftest import GUIDES, FakeKnowledgeBase, Hit, make_guide

ID_CARD = GUIDES["id-card-replacement"]
FREE = GUIDES["marriage-registration"]


def test_every_aspect_renders_from_guide_fields_only():
    for aspect in ("materials", "fees", "time", "place", "process", "conditions", "online", "phone", "overview"):
        text = guide_answers.render(ID_CARD, aspect)
        assert text and "None" not in text


def test_fees_free_and_paid():
    assert guide_answers.fees(FREE) == "结婚登记不收费，免费办理。"
    assert guide_answers.fees(ID_CARD) == "办理居民身份证补领需要缴纳：居民身份证工本费（补领）20元。"


def test_time_states_promised_and_statutory_limits():
    text = guide_answers.time(FREE)
    assert text.startswith("结婚登记的承诺办结时限为5个工作日，法定办结时限为20个工作日。")


def test_weekend_closed_says_so_and_points_online_when_possible():
    text = guide_answers.place(FREE, "星期天能去办吗")
    assert text.startswith("按办事指南，周末一般不办理")
    online = make_guide("x", "某事项", online={"available": True})
    assert "网上办理" in guide_answers.weekend(online)


def test_online_unavailable():
    assert guide_answers.online(FREE) == "结婚登记暂时不能网上办理，需要到现场办理（一般1次）。"


def test_phone_and_place():
    assert guide_answers.phone(FREE) == "咨询电话：0851-00000000\n监督投诉电话：12345"
    assert "地址：观山湖区长岭北路" in guide_answers.place(FREE)


def test_faq_answer_keeps_only_the_answer():
    assert guide_answers.faq_answer("问：能代办吗？\n答：可以委托他人。") == "可以委托他人。"
    assert guide_answers.faq_answer("没有格式的文本") == "没有格式的文本"


def _with_hours(*hours: str, online: bool = False):
    locations = [{"name": f"地点{i}", "address": f"地址{i}", "hours": h} for i, h in enumerate(hours, 1)]
    return make_guide("x", "某事项", locations=locations, online={"available": online})


def test_weekend_open_round_the_clock_is_not_called_closed():
    text = guide_answers.weekend(_with_hours("全天24小时", "周一至周五 9:00-12:00，13:00-17:00（法定节假日除外）"))
    assert text.startswith("周末可以办理")
    assert "地点1（地址1）：全天24小时" in text and "地点2" not in text


def test_weekend_not_stated_in_the_guide_is_not_guessed():
    text = guide_answers.weekend(_with_hours("以各银行网点营业时间为准"))
    assert "周末一般不办理" not in text and "周末可以办理" not in text
    assert "没有写明" in text and "以各银行网点营业时间为准" in text
    no_place = guide_answers.weekend(make_guide("x", "某事项", locations=[]))
    assert "周末一般不办理" not in no_place and "没有写明" in no_place


def test_weekend_closed_when_the_hours_say_so():
    assert guide_answers.weekend(_with_hours("周一至周五 9:00-17:00；周六、周日休息")).startswith(
        "按办事指南，周末一般不办理"
    )
    assert guide_answers.weekend(_with_hours("工作日办公时间")).startswith("按办事指南，周末一般不办理")
    assert guide_answers.weekend(_with_hours("周一至周五 9:00-17:00；周六 9:00-17:00（法定节假日除外）")).startswith(
        "周末可以办理"
    )


def test_the_source_line_states_the_guide_s_own_provenance():
    official = make_guide("official", "某事项", source="贵州省政务服务网（2026年11月发布）")
    kb = FakeKnowledgeBase()
    kb.guide = lambda guide_id: {"official": official}[guide_id]  # type: ignore[method-assign]
    knowledge_base.use_knowledge_base(kb)
    try:
        dispatcher = CollectingDispatcher()
        answer_with_guide(dispatcher, guide_id="official", aspect="fees")
        text = dispatcher.messages[0]["text"]
        assert text.endswith("来源：《某事项》办事指南 · 收费标准（贵州省政务服务网（2026年11月发布））")
        # An imported document (no full guide) is not labelled sample data either.
        dispatcher = CollectingDispatcher()
        doc_hit = Hit("item-1", "某导入事项", "materials", "申请材料", "申请书", 0.9)
        answer_with_guide(dispatcher, guide_id="item-1", aspect="materials", hit=doc_hit)
        assert "示例数据" not in dispatcher.messages[0]["text"]
    finally:
        knowledge_base.use_knowledge_base(None)
