"""Subscribe-message fields: WeChat's per-type limits, and template mappings checked when settings load."""

import datetime as dt

import pytest
from pydantic import ValidationError

from govchat.settings import Settings, SubscribeTemplate
from govchat.subscribe import fit


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("thing1", "短文本", "短文本"),
    ("thing1", "一" * 21, "一" * 19 + "…"),
    ("phrase3", "已提交，等待受理", "已提交，等待"[:5]),
    ("name2", "欧阳" * 6, "欧阳" * 4 + "欧…"),
    ("character_string1", "GZ20261130ABCD2345（补）", "GZ20261130ABCD2345"),
    ("character_string1", "A" * 40, "A" * 32),
])
def test_text_is_cut_to_the_type(key: str, value: str, expected: str) -> None:
    assert fit(key, value) == expected


def test_times_and_dates_in_wechats_format() -> None:
    at = dt.datetime(2026, 12, 3, 14, 0)
    assert fit("time2", at) == "2026年12月03日 14:00"
    assert fit("date4", at) == "2026年12月03日"
    assert fit("thing5", at) == "12月03日 14:00"


def test_settings_refuse_unknown_fields_and_values() -> None:
    with pytest.raises(ValidationError):
        SubscribeTemplate(id="T", fields={"thing1": "applicant_phone"})
    with pytest.raises(ValidationError):
        SubscribeTemplate(id="T", fields={"colour1": "service"})
    template = Settings(wechat_subscribe_status={"id": "T", "fields": {"thing1": "service"}}).wechat_subscribe_status
    assert template.id == "T"
