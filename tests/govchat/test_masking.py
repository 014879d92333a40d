"""govchat.masking: every way citizens type ID and mobile numbers is masked, in any surrounding text, and the masks
never show the birth date (the tracking verifier)."""

import datetime as dt
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from govchat.identity import check_digit
from govchat.masking import mask_birth_dates, mask_entities, mask_message, mask_text

_FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
# Surrounding text never ends or starts with a digit: a number glued to other digits is a different number.
_AROUND = st.text(alphabet="的电话身份证号，。：（）请联系 abcXYZ\n", max_size=12)
_SEPARATORS = st.sampled_from(["", "", " ", "-", "\u3000", "－"])


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["520102", "520103", "110101", "440305", "522601"]))
    birth = draw(st.dates(dt.date(1900, 1, 1), dt.date(2026, 12, 31))).strftime("%Y%m%d")
    first17 = region + birth + draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    return first17 + check_digit(first17)


@st.composite
def phones(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["138", "139", "150", "186", "199", "177"])) + draw(
        st.from_regex(r"[0-9]{8}", fullmatch=True)
    )


@st.composite
def typed(draw: st.DrawFn, number: str, groups: tuple[int, ...]) -> str:
    """The number as a citizen might type it: grouped with spaces or dashes, full-width, lower-case x."""
    sep = draw(_SEPARATORS)
    parts, start = [], 0
    for size in groups:
        parts.append(number[start:start + size])
        start += size
    text = sep.join(parts)
    if draw(st.booleans()):
        text = text.replace("X", "x")
    if draw(st.booleans()):
        text = text.translate(_FULL_WIDTH)
    return text


def _normalised(text: str) -> str:
    return re.sub(r"[\s\-－]", "", unicodedata.normalize("NFKC", text)).upper()


@given(st.data(), id_numbers(), _AROUND, _AROUND)
def test_every_spelling_of_an_id_number_is_masked(data: st.DataObject, number: str, before: str, after: str) -> None:
    groups = data.draw(st.sampled_from([(18,), (6, 8, 4), (6, 4, 4, 4), (4, 4, 4, 4, 2), (3, 3, 4, 4, 4)]))
    masked = mask_text(before + data.draw(typed(number, groups)) + after)
    assert masked == before + f"{number[:6]}********{number[-4:]}" + after
    assert number[6:14] not in _normalised(masked)  # the birth date, i.e. the tracking verifier


@given(st.data(), phones(), _AROUND, _AROUND)
def test_every_spelling_of_a_mobile_number_is_masked(data: st.DataObject, phone: str, before: str, after: str) -> None:
    prefix = data.draw(st.sampled_from(["", "+86", "+86 ", "0086", "86", "86-", "＋８６ "]))
    groups = data.draw(st.sampled_from([(11,), (3, 4, 4), (3, 8), (4, 4, 3)]))
    masked = mask_text(before + prefix + data.draw(typed(phone, groups)) + after)
    assert masked == before + f"{phone[:3]}****{phone[-4:]}" + after


@given(st.from_regex(r"[0-9]{12,17}|[0-9]{19,24}", fullmatch=True))
def test_other_digit_runs_are_left_alone(digits: str) -> None:
    if not re.fullmatch(r"(86|0086)?1[3-9][0-9]{9}", digits):
        assert mask_text(f"订单号{digits}。") == f"订单号{digits}。"


def test_names_the_citizen_introduces_are_masked() -> None:
    assert mask_text("我叫张三，想补办身份证") == "我叫张*，想补办身份证"
    assert mask_text("你好我是李四") == "你好我是李*"
    assert mask_text("我是欧阳娜娜") == "我是欧***"
    assert mask_text("申请人：王小明\n身份证号：520102********1234") == "申请人：王**\n身份证号：520102********1234"
    assert mask_text("姓名: 赵六") == "姓名: 赵*"
    # "我是" followed by something that does not start with a surname is not a name.
    assert mask_text("我是来办身份证的") == "我是来办身份证的"
    assert mask_text("我是不是要带户口本") == "我是不是要带户口本"


def test_known_names_are_masked_with_their_given_name() -> None:
    assert mask_text("李小明的申请，小明本人来办", names=["李小明"]) == "李**的申请，小*本人来办"
    assert mask_message("张三要办", names=["张三", "", "李"]) == "张*要办"


def test_entities_mask_their_values_in_the_message() -> None:
    entities = [{"entity": "applicant_name", "value": "刘备"}, {"entity": "phone", "value": "13812345678"}]
    assert mask_message("刘备 13812345678", entities) == "刘* 138****5678"
    assert mask_entities(entities) == [
        {"entity": "applicant_name", "value": "刘*"}, {"entity": "phone", "value": "138****5678"}
    ]


def test_birth_dates_in_a_verifier_answer() -> None:
    for typed in ("19900101", "1990-1-1", "出生日期：1990年01月01日", "１９９０ ０１ ０１"):
        assert "1990" not in mask_birth_dates(typed) and "１９９０" not in mask_birth_dates(typed), typed
    assert mask_birth_dates("GZ20261126ABCD2345 19900101") == "GZ20261126ABCD2345 ********"
    assert mask_birth_dates("第3个") == "第3个"


def test_log_lines_are_masked_in_every_format() -> None:
    import logging

    from govchat.logging import _ContextFilter

    record = logging.LogRecord("t", logging.INFO, __file__, 1, "callback %s for %s", ("+86 138 1234 5678",
                               "５２０１０２１９９００１０１１２３ｘ"), None)
    _ContextFilter().filter(record)
    assert record.getMessage() == "callback 138****5678 for 520102********123X"
