import pytest

from knowledge.aspects import NamedAspects, detect_aspect
from knowledge.textproc import bigram_tokens, canonical_terms, normalize, word_tokens


@pytest.mark.parametrize(
    ("question", "aspect"),
    [
        ("要带什么", "materials"),
        ("补身份证要带些啥子东西", "materials"),
        ("换个身份证工本费要好多钱哦", "fees"),
        ("要等几天才拿得到", "time"),
        ("观山湖哪点可以办", "place"),
        ("驾照到期了咋个换", "process"),
        ("我才来四个月，能办居住证不", "conditions"),
        ("可以在手机上办吗", "online"),
        ("有没有咨询电话", "phone"),
        ("低保是什么", "overview"),
        ("", None),
        ("居民身份证补领", None),
        # The one clause that asks decides, not the story before it ("钱包" is no fee, "资料" no material list).
        ("昨天挤公交钱包遭摸了，身份证银行卡全部没得了，现在咋个整嘛", "process"),
        ("公积金贷款审批要多久，开发商天天催我交资料", "time"),
        ("身份证用了十几年，照片都花了，想换张新的，观山湖哪点可以办", "place"),
        # Two clauses ask: read together, as before.
        ("生完孩子多久可以申请生育金，过了一年还能申请不", "time"),
    ],
)
def test_detect_aspect(question: str, aspect: str | None) -> None:
    assert detect_aspect(question) == aspect


def test_synonyms_meet_official_terms() -> None:
    assert "社会保险" in canonical_terms(normalize("社保断了"))
    assert "住房公积金" in word_tokens("公积金咋个取")
    assert "居民身份证" in word_tokens("身份证掉了")
    assert "驾驶证" in word_tokens("驾照过期")


def test_stopwords_dropped_and_bigrams() -> None:
    assert "的" not in word_tokens("我的身份证")
    assert bigram_tokens("补办") == ["补办", "补领"] or "补办" in bigram_tokens("补办")
    assert normalize("Ａ，b！ c") == "abc"


def test_a_service_name_that_reads_as_an_aspect_does_not_decide_it() -> None:
    aspect_of = NamedAspects(["领取养老金资格认证", "领取资格认证", "补办结婚证", "护照多少钱"])
    assert aspect_of("今年的养老金资格认证要咋个弄") == "process"  # 资格认证 is the name's, not eligibility
    assert aspect_of("我要补办结婚证") == "process"  # 办结 is no deadline here
    assert aspect_of("领取养老金资格认证在哪做") == "place"
    assert aspect_of("有没有资格领低保") == "conditions"  # no name: eligibility asked
    assert aspect_of("护照多少钱") == "fees"  # an alias that is a question keeps what it asks
