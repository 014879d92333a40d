"""Resident ID (GB 11643) and mobile number validators, with the examples of the standard and real-shaped numbers."""

import datetime as dt

import pytest

from govchat.identity import (
    IdentityError,
    birth_date,
    birth_date_verifier,
    check_digit,
    validate_id_number,
    validate_mobile,
    validate_person_name,
)

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("11010519491231002X", "11010519491231002X"),  # example in GB 11643-1999
        ("522701198512304564", "522701198512304564"),  # Duyun, Qiannan
        ("11010519491231002x", "11010519491231002X"),  # lower-case x
        ("520102199001011 23X", "52010219900101123X"),  # space typed in the middle
        ("５２２７０１１９８５１２３０４５６４", "522701198512304564"),  # full-width digits from a Chinese IME
        ("520101200002290014", "520101200002290014"),  # 29 February of a leap year
    ],
)
def test_valid_id_numbers(raw: str, normalised: str) -> None:
    assert validate_id_number(raw, today=TODAY) == normalised


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ("", "请输入18位"),
        ("52010219900101123", "应为18位，您输入的是17位"),
        ("5201021990010112345", "您输入的是19位"),
        ("52010219900101A23X", "前17位应为数字"),
        ("52010219900101123Y", "最后一位为数字或字母X"),
        ("00010219900101123X", "省份代码"),
        ("520102199013011234", "不是一个真实的日期"),  # month 13
        ("520303201002291234", "不是一个真实的日期"),  # 2010 is not a leap year
        ("520102203001011234", "晚于今天"),
        ("520102189001011234", "早于1900年"),
        ("110105194912310021", "校验码不对"),  # wrong check digit
        ("110105194921310020", "不是一个真实的日期"),
        ("52010219900110123X", "校验码不对"),  # two digits of the birth date swapped
        ("440524188001010014", "早于1900年"),  # the standard's own example: valid digits, born 1880
        ("52٠١٠٢١٩٩٠٠١٠١١٢٣X", "前17位应为数字"),  # Arabic-Indic digits: isdigit() says yes, NFKC keeps them
    ],
)
def test_invalid_id_numbers_say_what_is_wrong(raw: str, message_part: str) -> None:
    with pytest.raises(IdentityError) as error:
        validate_id_number(raw, today=TODAY)
    assert message_part in str(error.value)


def test_check_digit_and_birth_date() -> None:
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"
    assert birth_date("11010519491231002X") == dt.date(1949, 12, 31)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 139 8501 2345", "13985012345"),
        ("8618685012345", "18685012345"),
        ("１５９８５０１２３４５", "15985012345"),
        ("19912345678", "19912345678"),
        ("16612345678", "16612345678"),
        ("17785123456", "17785123456"),
    ],
)
def test_valid_mobile_numbers(raw: str, normalised: str) -> None:
    assert validate_mobile(raw) == normalised


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ("", "请输入11位"),
        ("1381234567", "应为11位，您输入的是10位"),
        ("138123456789", "您输入的是12位"),
        ("0851-85123456", "应以1开头"),
        ("12012345678", "不是有效的手机号段"),
        ("11012345678", "不是有效的手机号段"),
        ("15412345678", "不是有效的手机号段"),
        ("1381234567a", "只能包含数字"),
        ("1٣٨١٢٣٤٥٦٧٨", "只能包含数字"),
    ],
)
def test_invalid_mobile_numbers_say_what_is_wrong(raw: str, message_part: str) -> None:
    with pytest.raises(IdentityError) as error:
        validate_mobile(raw)
    assert message_part in str(error.value)


@pytest.mark.parametrize("raw", ["张三", "欧阳娜娜", "阿卜杜·热合曼", "买买提・艾力", "Anna Smith", "  李  四 "])
def test_valid_names(raw: str) -> None:
    assert validate_person_name(raw)


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ("", "请填写"),
        ("张", "只能包含汉字"),
        ("张" * 31, "最多30个字，您输入了31个字"),
        ("<script>alert(1)</script>", "只能包含汉字"),
        ("x'; DROP TABLE t;--", "只能包含汉字"),
        ("张三123", "不要输入数字"),
        ("你好", "真实姓名"),
    ],
)
def test_invalid_names(raw: str, message_part: str) -> None:
    with pytest.raises(IdentityError) as error:
        validate_person_name(raw)
    assert message_part in str(error.value)


@pytest.mark.parametrize(
    ("raw", "verifier"),
    [
        ("19900101", "19900101"),
        ("１９９００１０１", "19900101"),
        ("1990-1-1", "19900101"),
        ("1990.01.31", "19900131"),
        ("出生日期是 1987年3月21日", "19870321"),
        ("生日19761125", "19761125"),
        ("19900231", None),  # not a date
        ("123X", None),  # the old verifier, the last 4 that masks show
        ("2345", None),
        ("GZ20261126ABCD2345", None),  # the date inside a tracking number is not a birth date
        ("199001011", None),
        ("", None),
    ],
)
def test_birth_date_verifier(raw: str, verifier: str | None) -> None:
    assert birth_date_verifier(raw) == verifier
