from actions import guide_answers
from tests.actions.conftest import GUIDES, make_guide

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
