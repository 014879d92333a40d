from knowledge.homophones import Homophones

NAMES = Homophones(
    [
        ("社会保障卡申领", ["社保卡", "办社保卡"]),
        ("普通护照签发", ["办护照"]),
        ("住房公积金租房提取", ["租房提公积金"]),
        ("用水报装", ["装水表"]),
        ("个人所得税综合所得年度汇算", ["个税"]),
        ("老年人优待证办理", ["老年证"]),
        ("居民身份证补领", ["补办身份证"]),
    ]
)


def test_a_near_miss_of_a_name_is_read_as_the_name():
    assert NAMES.correct("社包卡丢了咋个补") == "社保卡丢了咋个补"
    assert NAMES.correct("护找快过期了") == "护照快过期了"
    assert NAMES.correct("公积斤租房提取") == "公积金租房提取"
    assert NAMES.correct("老年人有待证") == "老年人优待证"


def test_real_words_that_sound_alike_are_left_alone():
    assert NAMES.correct("装个水表要好多钱") == "装个水表要好多钱"  # not 个税
    assert NAMES.correct("我想问下公鸡怎么养") == "我想问下公鸡怎么养"  # 公鸡 is a word, not a slip of 公积
    assert NAMES.correct("今天天气好") == "今天天气好"
    assert NAMES.correct("周末办不办") == "周末办不办"  # 不 is typed on purpose, not a slip of 补办


def test_a_name_typed_in_pinyin_is_written_as_the_name():
    assert NAMES.correct("shebaoka丢了咋个补") == "社保卡丢了咋个补"
    assert NAMES.correct("gong ji jin zu fang ti qu 要带啥") == "公积金租房提取 要带啥"
    assert NAMES.correct("huzhao zenme ban") == "护照zenmeban"  # the name; the rest of the pinyin is left as letters


def test_letters_that_spell_no_name_are_left_as_typed():
    assert NAMES.correct("APP上传照片失败") == "APP上传照片失败"
    assert NAMES.correct("I want a passport") == "I want a passport"


def test_a_piece_many_names_share_stands_only_as_a_term_of_the_dictionary():
    six = "一二三四五六"
    many = Homophones([(f"医保{n}", []) for n in six] + [(f"申请{n}", []) for n in six])
    assert many.correct("新生娃娃的医宝咋个交") == "新生娃娃的医保咋个交"  # 医保 is a government term
    assert many.correct("申晴一下") == "申晴一下"  # 申请 is only a common word of six names
