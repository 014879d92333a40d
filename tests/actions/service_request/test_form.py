"""validate_service_request_form and the questions of the form, with trackers built from dicts."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.service_request import form
from govchat import calendar
from tests.actions.service_request.conftest import (
    FILLED,
    HOLIDAYS,
    OFFICE,
    FakeGateway,
    bookable,
    slot_values,
    texts,
    tracker,
)

DOMAIN: dict[str, Any] = {
    "slots": {name: {"type": "any", "mappings": [{"type": "custom"}]} for name in (*form.FORM_SLOTS, form.GUIDE)},
    "forms": {
        "service_request_form": {
            "required_slots": [form.NAME, form.ID_NUMBER, form.PHONE, form.MODE, *form.YES_NO_SLOTS]
        }
    },
}
GUIDE = {"sr_guide_id": "id-card-replacement"}


def run_form(dispatcher: CollectingDispatcher, text: str, requested: str, **kwargs: Any) -> dict[str, Any]:
    slots = {**GUIDE, **kwargs.pop("slots", {})}
    events = asyncio.run(
        form.ValidateServiceRequestForm().run(
            dispatcher, tracker(text, requested=requested, slots=slots, **kwargs), DOMAIN
        )
    )
    return slot_values(events)


@pytest.mark.parametrize(
    ("requested", "text", "expected"),
    [
        ("sr_name", " 张晓梅 ", "张晓梅"),
        ("sr_id_number", "52010219900101123x", "52010219900101123X"),
        ("sr_id_number", "５２２７０１１９８５１２３０４５６４", "522701198512304564"),
        ("sr_phone", "139 8501 2345", "13985012345"),
        ("sr_mode", "我去窗口办", "window"),
        ("sr_mode", "网上办理", "online"),
    ],
)
def test_valid_answers_are_stored_normalised(
    dispatcher: CollectingDispatcher, requested: str, text: str, expected: str
) -> None:
    # 社会保障卡申领 takes online applications; 居民身份证补领 (GUIDE) needs a visit for photo and fingerprints.
    slots = {"sr_guide_id": "social-security-card"} if expected == "online" else {}
    values = run_form(dispatcher, text, requested, slots=slots)
    assert values[requested] == expected
    assert texts(dispatcher) == []


@pytest.mark.parametrize(
    ("requested", "text", "message_part"),
    [
        ("sr_name", "<script>alert(1)</script>", "只能包含汉字"),
        ("sr_name", "x'); DROP TABLE t;--", "只能包含汉字"),
        ("sr_name", "张" * 40, "最多30个字，您输入了40个字"),
        ("sr_id_number", "520102199001011234", "校验码不对"),
        ("sr_id_number", "520102199002301234", "不是一个真实的日期"),
        ("sr_id_number", "5201021990", "应为18位，您输入的是10位"),
        ("sr_phone", "12345678901", "不是有效的手机号段"),
        ("sr_phone", "0851-8512345", "应以1开头"),
        ("sr_mode", "随便", "请选择办理方式"),
    ],
)
def test_invalid_answers_say_what_is_wrong_and_ask_again(
    dispatcher: CollectingDispatcher, requested: str, text: str, message_part: str
) -> None:
    values = run_form(dispatcher, text, requested)
    assert values[requested] is None
    assert values.get("requested_slot", requested) == requested  # the form asks the same thing again
    assert message_part in texts(dispatcher)[0]


def test_a_question_mid_form_is_not_taken_as_an_answer(dispatcher: CollectingDispatcher) -> None:
    values = run_form(dispatcher, "补办要带什么材料？", "sr_id_number", intent="ask_service")
    assert "sr_id_number" not in values  # nothing extracted: the form rejects and the rules answer the question
    assert texts(dispatcher) == []


def test_control_intents_are_not_answers(dispatcher: CollectingDispatcher) -> None:
    for intent, text in [("stop", "算了不办了"), ("correct_field", "手机号填错了"), ("request_human", "转人工")]:
        values = run_form(dispatcher, text, "sr_name", intent=intent)
        assert "sr_name" not in values


def test_a_clear_answer_wins_over_a_doubtful_intent(dispatcher: CollectingDispatcher) -> None:
    values = run_form(dispatcher, "13985012345", "sr_phone", intent="ask_service")
    assert values["sr_phone"] == "13985012345"


def test_window_mode_adds_office_date_and_period(dispatcher: CollectingDispatcher) -> None:
    values = run_form(dispatcher, "窗口办理", "sr_mode", slots={**FILLED, "sr_mode": None, "sr_confirmed": None})
    assert values["sr_mode"] == "window"
    assert values["requested_slot"] == "sr_office"


def test_online_not_offered_for_a_guide_without_it(dispatcher: CollectingDispatcher) -> None:
    values = run_form(dispatcher, "网上办", "sr_mode", slots={"sr_guide_id": "temp-id-card"})
    assert values["sr_mode"] == "window"
    assert "暂不支持网上办理" in texts(dispatcher)[0]


def test_office_matches_a_location_of_the_guide(dispatcher: CollectingDispatcher) -> None:
    values = run_form(dispatcher, "政务服务中心公安户政", "sr_office", slots={"sr_mode": "window"})
    assert values["sr_office"] == OFFICE
    values = run_form(dispatcher, "'; DELETE FROM x; --", "sr_office", slots={"sr_mode": "window"})
    assert values["sr_office"] is None and "没有找到这个办理地点" in texts(dispatcher)[-1]


WINDOW = {"sr_mode": "window", "sr_office": OFFICE}


def first_working_day_after(day: dt.date) -> dt.date:
    while not calendar.is_working_day(day, HOLIDAYS):
        day += dt.timedelta(days=1)
    return day


# A weekday, a Saturday, the last day of a year (the window crosses into a year the table may not cover).
@pytest.mark.parametrize(
    "at",
    [
        dt.datetime(2026, 11, 30, 10, 0, tzinfo=calendar.TZ),
        dt.datetime(2026, 12, 5, 10, 0, tzinfo=calendar.TZ),
        dt.datetime(2026, 12, 31, 23, 30, tzinfo=calendar.TZ),
    ],
)
def test_date_must_be_a_free_working_day(
    dispatcher: CollectingDispatcher,
    fake_gateway: FakeGateway,
    freeze_now: Callable[[dt.datetime], None],
    at: dt.datetime,
) -> None:
    freeze_now(at)
    first = bookable()[0]
    values = run_form(dispatcher, first.isoformat(), "sr_date", slots=WINDOW)
    assert values["sr_date"] == first.isoformat()

    today = at.date()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    cases = [
        (today.isoformat(), "明天及以后"),
        ((today - dt.timedelta(days=2)).isoformat(), "明天及以后"),
        (saturday.isoformat(), "休息日"),
        (first_working_day_after(today + dt.timedelta(days=45)).isoformat(), "两周内"),
        ("下个月圆之夜", "没看懂这个日期"),
    ]
    for text, message in cases:
        dispatcher = CollectingDispatcher()
        values = run_form(dispatcher, text, "sr_date", slots=WINDOW)
        assert values["sr_date"] is None, text
        assert message in texts(dispatcher)[0], (text, texts(dispatcher))

    fake_gateway.full_days.add(first.isoformat())
    dispatcher = CollectingDispatcher()
    values = run_form(dispatcher, first.isoformat(), "sr_date", slots=WINDOW)
    assert values["sr_date"] is None and "约满" in texts(dispatcher)[0]


def test_date_accepted_when_the_gateway_is_down(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    fake_gateway.down = True
    first = bookable()[0]
    values = run_form(dispatcher, first.isoformat(), "sr_date", slots=WINDOW)
    assert values["sr_date"] == first.isoformat()  # checked again when submitted


def test_period_in_working_hours(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    slots = {**WINDOW, "sr_date": bookable()[0].isoformat()}
    assert (run_form(dispatcher, "上午10点", "sr_period", slots=slots))["sr_period"] == "10:00-11:00"
    assert (run_form(dispatcher, "下午两点", "sr_period", slots=slots))["sr_period"] == "14:00-15:00"
    values = run_form(dispatcher, "晚上8点", "sr_period", slots=slots)
    assert values["sr_period"] is None and "工作时间" in texts(dispatcher)[-1]


@pytest.mark.parametrize(
    ("requested", "message_part"),
    [("sr_materials_ok", "带齐以上材料"), ("sr_consent", "没有您的同意"), ("sr_confirmed", "点击要修改的内容")],
)
def test_no_keeps_the_form_waiting(dispatcher: CollectingDispatcher, requested: str, message_part: str) -> None:
    values = run_form(dispatcher, "不同意", requested, intent="deny")
    assert values[requested] is None and message_part in texts(dispatcher)[0]
    dispatcher = CollectingDispatcher()
    values = run_form(dispatcher, "好的", requested, intent="affirm")
    assert values[requested] is True


def test_summary_masks_personal_data(dispatcher: CollectingDispatcher) -> None:
    asyncio.run(form.ActionAskSrConfirmed().run(dispatcher, tracker(slots={**FILLED, "sr_confirmed": None}), {}))
    text = texts(dispatcher)[0]
    assert "居民身份证补领" in text and "张晓梅" in text
    assert "520102********123X" in text and "139****2345" in text
    assert "52010219900101123X" not in text
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles[0] == "确认提交" and "修改手机号" in titles and titles[-1] == "不办了"


def test_materials_are_listed_from_the_guide(dispatcher: CollectingDispatcher) -> None:
    asyncio.run(form.ActionAskSrMaterialsOk().run(dispatcher, tracker(slots=GUIDE), {}))
    assert "居民户口簿" in texts(dispatcher)[0]


def test_date_buttons_show_free_working_days(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    asyncio.run(form.ActionAskSrDate().run(dispatcher, tracker(slots={**GUIDE, **WINDOW}), {}))
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads[0] == '/inform{"sr_date": "' + bookable()[0].isoformat() + '"}'
    fake_gateway.down = True
    dispatcher = CollectingDispatcher()
    asyncio.run(form.ActionAskSrDate().run(dispatcher, tracker(slots={**GUIDE, **WINDOW}), {}))
    assert "暂时查不到剩余名额" in texts(dispatcher)[0]


def test_button_payload_entities_fill_the_slot(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    day = bookable()[0].isoformat()
    values = run_form(
        dispatcher,
        '/inform{"sr_date": "' + day + '"}',
        "sr_date",
        slots=WINDOW,
        entities=[{"entity": "sr_date", "value": day}],
    )
    assert values["sr_date"] == day


def test_slots_reset_when_the_form_starts_are_not_validated(dispatcher: CollectingDispatcher) -> None:
    """rasa-sdk validates every slot set since the last message, including the resets of the start action."""
    resets = [{"event": "slot", "name": name, "value": None} for name in form.FORM_SLOTS]
    start = tracker("/start_service_request", intent="start_service_request", slots=GUIDE, requested=None)
    start.events = [{"event": "user", "text": "/start_service_request"}, *resets]
    events = asyncio.run(form.ValidateServiceRequestForm().run(dispatcher, start, DOMAIN))
    assert texts(dispatcher) == []  # no "身份证号码应为18位" for a value nobody typed
    assert slot_values(events).get("requested_slot") in (None, "sr_name")


def test_an_unmistakable_answer_wins_over_a_doubtful_intent(dispatcher: CollectingDispatcher) -> None:
    # The trained model took this ID number for "choose_guide" (0.52) in a run through the real Rasa server.
    values = run_form(dispatcher, "520102199001011234", "sr_id_number", intent="choose_guide")
    assert values["sr_id_number"] is None and "校验码不对" in texts(dispatcher)[0]
    values = run_form(dispatcher, "第二个", "sr_id_number", intent="choose_guide")
    assert "sr_id_number" not in values


@pytest.mark.parametrize(("payload", "intent", "expected"), [("/affirm", "affirm", True), ("/deny", "deny", False)])
@pytest.mark.parametrize("requested", ["sr_materials_ok", "sr_consent", "sr_confirmed"])
def test_the_forms_own_yes_no_buttons_answer(requested: str, payload: str, intent: str, expected: bool) -> None:
    # Clicking 已备齐 / 同意 / 确认提交 sends the payload, not the title: it must fill the slot like typed text.
    answer = form.extract_answer(requested, tracker(payload, intent=intent, requested=requested))
    assert answer == {requested: expected}
