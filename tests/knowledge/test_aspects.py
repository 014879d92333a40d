"""Aspect rules for short follow-ups in Guizhou speech (knowledge/aspects.py): what is received, what is paid,
where, when and whether, each told by a pattern rather than a listed sentence."""

import pytest

from knowledge.aspects import detect_aspect


@pytest.mark.parametrize(
    ("question", "aspect"),
    [
        # How much the citizen receives: a receiving verb or an allowance, then 多少 / 好多.
        ("能领好多", "benefits"),
        ("一次能补好多", "benefits"),
        ("救助能给好多", "benefits"),
        ("最多能贷好多", "benefits"),
        ("每个月有好多", "benefits"),
        ("一亩地补好多钱", "benefits"),
        ("抚恤金好多", "benefits"),
        ("退役了享受哪些优待", "benefits"),
        ("报销费用能报好多", "benefits"),
    ],
)
def test_what_is_received(question: str, aspect: str) -> None:
    assert detect_aspect(question) == aspect


@pytest.mark.parametrize(
    "question",
    [
        # Reissuing a document is paid for: 补发 / 补领 / 换领 are the service, not money received.
        "证件补发要好多钱",
        "补领一本好多钱",
        "换领要交好多钱",
        # Rent, deposits and named fees are paid, whatever period they are counted in.
        "房租好多",
        "押金要好多",
        "廉租房租金一个月好多",
        "手续费要好多",
    ],
)
def test_what_is_paid(question: str) -> None:
    assert detect_aspect(question) == "fees"


def test_a_service_named_after_its_benefits_is_no_benefit_question() -> None:
    assert detect_aspect("优待证咋个申请") == "process"
    assert detect_aspect("优待证手机上办得不") == "online"


@pytest.mark.parametrize(
    "question",
    [
        "哪个派出所都可以办吗",
        "随便哪家银行能办不",
        "在街道就能办不",
        "是去社区办还是去镇上办",
    ],
)
def test_which_office_is_a_place_question(question: str) -> None:
    assert detect_aspect(question) == "place"


@pytest.mark.parametrize(
    "question",
    [
        # Someone else doing it for the citizen.
        "我儿子可以帮我去弄吗",
        "我老婆替我去办得不",
        "亲戚帮他申请行不",
        # Guizhou "is it all right": 得不得, 还有不, and the conditions to be met before.
        "房子是租的得不得",
        "没在本地住还有不",
        "要缴满几年才能领",
    ],
)
def test_whether_the_citizen_qualifies(question: str) -> None:
    assert detect_aspect(question) == "conditions"


@pytest.mark.parametrize(
    "question",
    [
        "哪个月开始发",
        "每个月几号发",
        "是按季度发还是一年发一次",
    ],
)
def test_when_money_is_paid_is_a_time_question(question: str) -> None:
    assert detect_aspect(question) == "time"


@pytest.mark.parametrize(
    ("question", "aspect"),
    [
        # Rules that stayed: the specific cue beats the generic can-I, a rented flat is no fee.
        ("手机上得不得", "online"),
        ("每个月交的公积金能不能拿出来付房租", "conditions"),
        ("一次要交好多钱", "fees"),
        ("要等几天才能拿到", "time"),
        ("帮我查一下", None),
    ],
)
def test_specific_cues_still_win(question: str, aspect: str | None) -> None:
    assert detect_aspect(question) == aspect


@pytest.mark.parametrize(
    ("question", "aspect"),
    [
        # Whether the citizen's situation stands in the way, or whether they must do it at all, is eligibility;
        # what a service is for or what happens without it stays the overview.
        ("我老婆是离过婚的 她那个离婚证搞丢了 影响不", "conditions"),
        ("超时了有没有影响", "conditions"),
        ("我一年收入不到六万 需要办吗", "conditions"),
        ("不办会有什么影响", "overview"),
        ("公积金还没取 影响领养老金不", "conditions"),
        ("卖方的房产证搞丢了 影响过户吗", "conditions"),
        ("要单位盖章不", "materials"),
    ],
)
def test_whether_it_matters_or_must_be_done_is_eligibility(question: str, aspect: str | None) -> None:
    assert detect_aspect(question) == aspect


@pytest.mark.parametrize(
    ("question", "aspect"),
    [
        # A document asked for is a question of materials; getting one at the end ("拿到驾照") is not.
        ("要房东的房产证不", "materials"),
        ("需要房东的身份证和房产证吗", "materials"),
        ("多久能拿到驾照", "time"),
        ("小娃娃要本人去照相不", "conditions"),
        # Being there in person, a minimum period paid in, who the money goes to.
        ("买卖双方都要到场不", "conditions"),
        ("孩子才五岁 办护照家长要陪同吗", "conditions"),
        ("要交社保满好久才领得到", "conditions"),
        ("田流转给别个种了 补贴归哪个", "conditions"),
        ("补贴是给我还是给他们", "conditions"),
        # Going back to where it began is a place; free for the holder is what the holder receives.
        ("要回生娃娃的那个医院补吗", "place"),
        ("办了坐公交车免费不", "benefits"),
        ("办证免费不", "fees"),
        # Where on the web is online; a fine, a contribution level or a period's amount say which money.
        ("网上在哪点报", "online"),
        ("电子标志在哪点看", "online"),
        ("网上办不了 要去哪个窗口", "place"),
        ("罚好多 扣好多分", "fees"),
        ("交费有几个档次", "fees"),
        ("一个月大概好多", "benefits"),
        ("一个月要交好多", "fees"),
        ("认定后门诊买药能报销多少", "benefits"),
    ],
)
def test_documents_presence_and_which_money(question: str, aspect: str | None) -> None:
    assert detect_aspect(question) == aspect
