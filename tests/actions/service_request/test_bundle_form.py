"""The combined form of a life event: shared facts once, own facts after, summary, one submission with one key;
corrections and stopping as in the single form. Events are small YAML files (tests/bundle_events.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.bundle_request import form as bundle_form
from actions.bundle_request import submit as bundle_submit
from actions.service_request import control, form, submit
from govchat.settings import ROOT, get_settings
from tests.actions.conftest import FakeKnowledgeBase, SearchResult, hit
from tests.actions.service_request.conftest import FakeGateway, bookable, slot_values, texts, tracker
from tests.bundle_events import WINDOW, write_events

DOMAIN: dict[str, Any] = {
    "slots": {
        name: {"type": "any", "mappings": [{"type": "custom"}]}
        for name in (*form.FORM_SLOTS, form.GUIDE, *slots.BUNDLE_SLOTS)
    },
    "forms": {"bundle_request_form": {"required_slots": [form.NAME, form.ID_NUMBER, form.PHONE, *form.YES_NO_SLOTS]}},
}
ANSWERS = {
    form.NAME: "张晓梅", form.ID_NUMBER: "52010219900101123X", form.PHONE: "13985012345", form.PERIOD: "上午9点",
    form.MATERIALS: "已备齐", form.CONSENT: "同意", form.CONFIRMED: "确认提交",
}
FACT_ANSWERS = {"text": "李小宝", "date": "2026年11月20日"}


@pytest.fixture(autouse=True)
def life_events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = write_events(tmp_path / "life_events")
    monkeypatch.setenv("GOVCHAT_LIFE_EVENTS_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def start(dispatcher: CollectingDispatcher, event_id: str = "newborn") -> dict[str, Any]:
    entities = [{"entity": "life_event", "value": event_id}]
    events = asyncio.run(bundle_form.ActionStartBundleRequest().run(
        dispatcher, tracker("/start_bundle_request", intent="start_bundle_request", entities=entities, form=None), {}
    ))
    return slot_values(events)


def step(dispatcher: CollectingDispatcher, values: dict[str, Any], text: str, requested: str) -> dict[str, Any]:
    """One answer through validate_bundle_request_form; returns the slots after it."""
    events = asyncio.run(bundle_form.ValidateBundleRequestForm().run(
        dispatcher, tracker(text, requested=requested, slots=values, form="bundle_request_form"), DOMAIN
    ))
    return {**values, **slot_values(events)}


async def _next_slot(values: dict[str, Any]) -> str | None:
    required = await bundle_form.ValidateBundleRequestForm().required_slots(
        [], CollectingDispatcher(), tracker(slots=values, form="bundle_request_form"), DOMAIN
    )
    return next((s for s in required if values.get(s) is None), None)


def answer_for(requested: str, dispatcher: CollectingDispatcher, values: dict[str, Any]) -> str:
    """What a citizen answers to the question the form asks (it is asked through the form's own ask action)."""
    if requested == form.DATE:
        return bookable()[0].isoformat()
    if requested != slots.BUNDLE_FACT:
        return ANSWERS[requested]
    asked = CollectingDispatcher()
    asyncio.run(bundle_form.ActionAskBrFact().run(asked, tracker(slots=values, form="bundle_request_form"), {}))
    buttons = asked.messages[0]["buttons"]
    if buttons:
        return str(json.loads(buttons[0]["payload"].removeprefix("/inform"))[slots.BUNDLE_FACT])
    return FACT_ANSWERS["date" if "日期" in asked.messages[0]["text"] else "text"]


def fill(dispatcher: CollectingDispatcher, values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    asked: list[str] = []
    while (requested := asyncio.run(_next_slot(values))) is not None:
        asked.append(requested)
        assert len(asked) < 30, asked
        values = step(dispatcher, {**values, "requested_slot": requested},
                      answer_for(requested, dispatcher, values), requested)
    return values, asked


def test_three_services_ask_no_more_than_the_longest_single_form_plus_their_own_facts(
    dispatcher: CollectingDispatcher, fake_gateway: FakeGateway
) -> None:
    values = start(dispatcher)
    assert "3个事项：1.出生登记、2.城乡居民基本医疗保险参保登记、3.社会保障卡申领" in texts(dispatcher)[0]
    assert values[form.OFFICE] == WINDOW  # the one window: nothing to choose
    values, asked = fill(dispatcher, values)
    # The longest single form: a window guide with two offices asks name, ID, phone, mode, office, date, period,
    # materials, consent and confirmation.
    longest_single = len(asyncio.run(form.ValidateServiceRequestForm().required_slots(
        [], dispatcher, tracker(slots={form.MODE: "window"}), DOMAIN
    )))
    own_facts = 4
    assert longest_single == 10
    assert len(asked) == 12 <= longest_single + own_facts
    assert asked.count(slots.BUNDLE_FACT) == own_facts and asked.count(form.NAME) == 1
    assert values[slots.BUNDLE_FACTS] == {
        "birth-registration": {"baby_name": "李小宝", "relation": "本人"},
        "resident-medical-insurance": {"birth_date": "2026-11-20"},
        "social-security-card": {"pickup": "邮寄"},
    }


def test_an_online_event_asks_no_appointment(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    values = start(dispatcher, "online-only")
    assert values[form.OFFICE] is None
    _, asked = fill(dispatcher, values)
    assert asked == [form.NAME, form.ID_NUMBER, form.PHONE, form.MATERIALS, form.CONSENT, form.CONFIRMED]


def test_own_fact_answers_are_checked(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    values = {**start(dispatcher), form.NAME: "张晓梅", form.ID_NUMBER: "52010219900101123X",
              form.PHONE: "13985012345", form.DATE: bookable()[0].isoformat(), form.PERIOD: "09:00-10:00",
              slots.BUNDLE_FACTS: {"birth-registration": {"baby_name": "李小宝"}}}
    refused = step(dispatcher, values, "外公", slots.BUNDLE_FACT)
    assert refused[slots.BUNDLE_FACTS] == {"birth-registration": {"baby_name": "李小宝"}}
    assert "本人、子女、配偶" in texts(dispatcher)[-1]
    taken = step(dispatcher, values, "是他子女", slots.BUNDLE_FACT)
    assert taken[slots.BUNDLE_FACTS]["birth-registration"]["relation"] == "子女"
    no_year = step(dispatcher, taken, "11月20日", slots.BUNDLE_FACT)
    assert "resident-medical-insurance" not in no_year[slots.BUNDLE_FACTS] and "包括年份" in texts(dispatcher)[-1]


def test_summary_and_one_submission_with_one_key(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    values, _ = fill(dispatcher, start(dispatcher))
    asyncio.run(bundle_form.ActionAskBundleRequestFormSrConfirmed().run(
        dispatcher, tracker(slots={**values, form.CONFIRMED: None}, form="bundle_request_form"), {}
    ))
    summary = texts(dispatcher)[-1]
    assert "身份证号：520102********123X" in summary and "52010219900101123X" not in summary
    assert "1. 出生登记（到窗口）" in summary and "宝宝的姓名是：李小宝" in summary
    assert "修改各事项信息" in [b["title"] for b in dispatcher.messages[-1]["buttons"]]

    def submit_once() -> list[dict[str, Any]]:
        action = bundle_submit.ActionSubmitBundleRequest()
        return asyncio.run(action.run(dispatcher, tracker(slots=values, form=None), {}))

    events = submit_once()
    assert "受理编号：GZ20261126BCDE0002" in texts(dispatcher)[-1] and "共3个事项" in texts(dispatcher)[-1]
    assert dispatcher.messages[-1]["custom"]["personal_data"] == "submitted"
    assert slot_values(events)[slots.BUNDLE_EVENT] is None and slot_values(events)[form.NAME] is None
    submit_once()  # the confirmation again (a double click, a retry): the same key, the same bundle
    sent = [r for r in fake_gateway.requests if r.url.path == "/api/v1/bundle-requests"]
    assert len(sent) == 2 and len({r.headers["idempotency-key"] for r in sent}) == 1
    body = json.loads(sent[0].content)
    assert [i["guide_id"] for i in body["items"]] == ["birth-registration", "resident-medical-insurance",
                                                       "social-security-card"]
    assert (body["office"], body["period"], body["life_event_id"]) == (WINDOW, "09:00-10:00", "newborn")
    assert len(fake_gateway.created) == 1


def test_a_failed_submission_keeps_the_answers_and_retries_with_the_same_key(
    dispatcher: CollectingDispatcher, fake_gateway: FakeGateway
) -> None:
    values, _ = fill(dispatcher, start(dispatcher))
    fake_gateway.down = True
    events = asyncio.run(bundle_submit.ActionSubmitBundleRequest().run(dispatcher, tracker(slots=values), {}))
    assert events == [] and "还没有提交成功" in texts(dispatcher)[-1]
    # "重新提交" is the single form's retry, which submits a combined application as such.
    fake_gateway.down = False
    asyncio.run(submit.ActionSubmitServiceRequest().run(
        dispatcher, tracker("重新提交", intent="submit_service_request", slots=values, form=None), {}
    ))
    keys = {r.headers["idempotency-key"] for r in fake_gateway.requests if r.url.path == "/api/v1/bundle-requests"}
    assert len(keys) == 1 and "受理编号" in texts(dispatcher)[-1] and "共3个事项" in texts(dispatcher)[-1]


def test_corrections_and_stopping(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    values, _ = fill(dispatcher, start(dispatcher))
    in_form = {"form": "bundle_request_form", "intent": "correct_field"}
    phone = asyncio.run(control.ActionCorrectServiceRequestField().run(
        dispatcher, tracker("电话写错了", slots=values, **in_form), {}
    ))
    assert slot_values(phone) == {form.CONFIRMED: None, form.PHONE: None} and "手机号码" in texts(dispatcher)[-1]
    when = asyncio.run(control.ActionCorrectServiceRequestField().run(
        dispatcher, tracker("窗口时间要改", slots=values, **in_form), {}
    ))
    assert slot_values(when) == {form.CONFIRMED: None, form.DATE: None, form.PERIOD: None}  # the window stays
    facts = asyncio.run(control.ActionCorrectServiceRequestField().run(
        dispatcher, tracker("/correct_field", slots=values, entities=[{"entity": "sr_field", "value": "br_facts"}],
                            **in_form), {}
    ))
    assert slot_values(facts) == {form.CONFIRMED: None, slots.BUNDLE_FACTS: None, slots.BUNDLE_FACT: None}
    stopped = asyncio.run(control.ActionStopServiceRequest().run(
        dispatcher, tracker("算了不办了", intent="stop", slots=values, form="bundle_request_form"), {}
    ))
    assert "不会保存" in texts(dispatcher)[-1] and dispatcher.messages[-1]["custom"]["personal_data"] == "abandoned"
    cleared = slot_values(stopped)
    assert cleared[slots.BUNDLE_EVENT] is None and cleared[slots.BUNDLE_FACTS] is None and cleared[form.NAME] is None


def test_without_a_life_event_it_asks_which_one(dispatcher: CollectingDispatcher) -> None:
    events = asyncio.run(bundle_form.ActionStartBundleRequest().run(
        dispatcher, tracker("一起办", intent="start_bundle_request", form=None), {}
    ))
    assert slot_values(events) == {slots.BUNDLE_READY: False} and "哪件事" in texts(dispatcher)[0]


def test_a_typed_question_nlu_took_for_one_application_is_answered(
    dispatcher: CollectingDispatcher, kb: FakeKnowledgeBase
) -> None:
    text = "一次能取好多"  # "一次" reads like 一次申请 to NLU; it asks how much can be withdrawn at once
    kb.script(text, SearchResult([hit("hpf-retirement-withdrawal", 0.9)], "benefits", 0.8, "answer"))
    events = asyncio.run(bundle_form.ActionStartBundleRequest().run(
        dispatcher, tracker(text, intent="start_bundle_request", slots={slots.LIFE_EVENT: "retirement"}, form=None), {}
    ))
    assert slot_values(events)[slots.BUNDLE_READY] is False
    assert dispatcher.messages[-1]["custom"]["source"]["guide_id"] == "hpf-retirement-withdrawal"


SHIPPED = sorted(p.stem for p in (ROOT / "knowledge" / "life_events").glob("*.yaml"))


@pytest.mark.parametrize("event_id", SHIPPED)
def test_every_shipped_event_keeps_the_question_goal(
    event_id: str, dispatcher: CollectingDispatcher, fake_gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVCHAT_LIFE_EVENTS_DIR", str(ROOT / "knowledge" / "life_events"))
    get_settings.cache_clear()
    values = start(dispatcher, event_id)
    if not values[slots.BUNDLE_READY]:  # fewer than two services applied for together: the checklist only
        assert "逐项办理" in texts(dispatcher)[0]
        return
    values, asked = fill(dispatcher, values)
    own_facts = asked.count(slots.BUNDLE_FACT)
    assert len(asked) <= 10 + own_facts, asked  # the longest single form asks 10
    assert values[form.CONFIRMED] is True
    assert all(fact for facts in values[slots.BUNDLE_FACTS].values() for fact in facts.values())
