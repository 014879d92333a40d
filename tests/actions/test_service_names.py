from actions.service_names import NameIndex

TERMS = ["身份证", "公积金", "住房公积金", "结婚证", "结婚登记", "租房", "证明", "补办", "补证", "丢了", "要多少钱"]
INDEX = NameIndex(
    {
        "id-card-replacement": ["居民身份证补领", "身份证丢了", "补办身份证", "身份证补证"],
        "id-card-renewal": ["居民身份证换领", "身份证到期换领"],
        "hpf-rent-withdrawal": ["住房公积金租房提取", "租房提公积金"],
        "hpf-purchase-withdrawal": ["住房公积金购房提取", "买房提公积金"],
        "marriage-registration": ["结婚登记", "领结婚证"],
        **{f"other-{i}": [f"某证补办{i}", "证明补办", f"某证补证{i}"] for i in range(6)},
    },
    TERMS + ["换领"],
)


def test_a_follow_up_names_no_service():
    for text in ("那要多少钱", "周末能办吗", "那补办要带什么", "丢了咋办", "要些啥子证明"):
        assert INDEX.named(text) == set(), text


def test_a_new_topic_names_its_service():
    assert INDEX.names("公积金怎么取", "hpf-rent-withdrawal")
    assert INDEX.names("另外问下结婚证怎么领", "marriage-registration")
    assert INDEX.named("身份证换领要多少钱") == {"id-card-renewal"}  # two terms beat one


def test_a_reply_to_a_choice_names_one_candidate_by_a_piece_only_it_has():
    candidates = ["hpf-rent-withdrawal", "hpf-purchase-withdrawal"]
    assert INDEX.among("租房那个", candidates) == ["hpf-rent-withdrawal"]
    assert INDEX.among("公积金那个", candidates) == []


def test_a_document_to_bring_names_no_service():
    documents = ("要带身份证不", "拿结婚证去就行了吗", "身份证复印件要带不", "需要房东的身份证和结婚证吗",
                 "报名要户口本结婚证")
    for text in documents:
        assert INDEX.named(text) == set(), text
    # ... but a document that is lost, or a service done with it, is named.
    assert INDEX.named("身份证丢了咋个补") == {"id-card-replacement"}
    assert INDEX.named("拿身份证去办结婚登记要带啥") == {"marriage-registration"}
    assert INDEX.named("我需要补办身份证") == {"id-card-replacement"}
    # One already had, as the time of the question, names nothing; getting one at the end does.
    assert INDEX.named("拿到结婚证后身份证丢了咋个补") == {"id-card-replacement"}
    assert INDEX.named("多久能拿到结婚证") == {"marriage-registration"}


def test_where_someone_is_registered_names_no_service():
    index = NameIndex({"hukou-transfer": ["户口迁移", "迁户口"]}, ["户口", "迁移"])
    for text in ("男方户口在外省能办不", "户口所在地能办吗", "户口不在这边得不得"):
        assert index.named(text) == set(), text
    assert index.named("户口迁到贵阳咋个办") == {"hukou-transfer"}


def test_a_term_too_broad_to_name_a_guide_still_tells_the_topic():
    assert INDEX.named("补证也要去 咋个弄") == set()  # 补证 is in more guides' names than names one
    assert INDEX.mentioned("补证也要去 咋个弄") == {"id-card-replacement", *(f"other-{i}" for i in range(6))}
    # What is done to a document tells no topic: "补办要钱不" after 出生证明 is about 出生证明.
    assert INDEX.mentioned("补办要钱不") == set()
    assert INDEX.mentioned("要带啥子") == set()


def test_a_number_pasted_in_names_no_service():
    index = NameIndex({"hotline-12345": ["12345政务服务便民热线", "12345"]}, ["12345"])
    assert index.named("娃娃落地要办啥 她电话13985012345") == set()
    assert index.named("打12345能投诉不") == {"hotline-12345"}
    assert INDEX.named("身份证号522401195803124567 退休要办啥") == set()
