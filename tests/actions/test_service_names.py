from actions.service_names import NameIndex, pieces

INDEX = NameIndex(
    {
        "id-card-replacement": ["居民身份证补领", "身份证丢了", "补办身份证"],
        "hpf-rent-withdrawal": ["住房公积金租房提取", "租房提公积金"],
        "hpf-purchase-withdrawal": ["住房公积金购房提取", "买房提公积金"],
        "marriage-registration": ["结婚登记", "领结婚证"],
        **{f"other-{i}": [f"某证补办{i}", "证明补办"] for i in range(6)},
    }
)


def test_pieces_are_chinese_bigrams():
    assert pieces("要多少钱?") == {"要多", "多少", "少钱"}
    assert pieces("a") == set()


def test_a_follow_up_names_no_service():
    for text in ("那要多少钱", "周末能办吗", "那补办要带什么"):
        assert not any(INDEX.names(text, gid) for gid in INDEX.pieces), text


def test_a_new_topic_names_its_service():
    assert INDEX.names("公积金怎么取", "hpf-rent-withdrawal")
    assert INDEX.names("另外问下结婚证怎么领", "marriage-registration")
    assert INDEX.names("租房那个", "hpf-rent-withdrawal")
    assert not INDEX.names("租房那个", "hpf-purchase-withdrawal")
