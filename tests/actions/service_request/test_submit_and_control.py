"""Starting, stopping, correcting and submitting: the tracking number only after the gateway stored it, and a
repeated or retried confirmation sends the same idempotency key."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions.service_request import applications, control, fields, rating, submit, tracking
from tests.actions.service_request.conftest import FILLED, OFFICE, FakeGateway, bookable, slot_values, texts, tracker


def run(action: Action, dispatcher: CollectingDispatcher, **kwargs: Any) -> list[dict[str, Any]]:
    return asyncio.run(action.run(dispatcher, tracker(**kwargs), {}))


def test_start_for_the_current_guide(dispatcher: CollectingDispatcher) -> None:
    events = run(
        control.ActionStartServiceRequest(),
        dispatcher,
        slots={"current_guide_id": "id-card-replacement"},
        intent="start_service_request",
        form=None,
    )
    values = slot_values(events)
    assert values["sr_guide_ready"] is True and values["sr_guide_id"] == "id-card-replacement"
    assert values["sr_name"] is None  # a fresh form
    assert "居民身份证补领" in texts(dispatcher)[0]


def test_start_without_a_guide_asks_which_service(dispatcher: CollectingDispatcher) -> None:
    events = run(control.ActionStartServiceRequest(), dispatcher, intent="start_service_request", form=None)
    assert slot_values(events) == {"sr_guide_ready": False}
    assert "请问您要办理哪项业务" in texts(dispatcher)[0]


def test_start_for_a_guide_that_takes_no_applications(dispatcher: CollectingDispatcher) -> None:
    events = run(
        control.ActionStartServiceRequest(), dispatcher, slots={"current_guide_id": "farmland-subsidy"}, form=None
    )
    assert slot_values(events) == {"sr_guide_ready": False}
    assert "暂不支持在线申请" in texts(dispatcher)[0]


def test_stop_at_any_point_forgets_everything(dispatcher: CollectingDispatcher) -> None:
    events = run(control.ActionStopServiceRequest(), dispatcher, intent="stop", slots=FILLED, requested="sr_phone")
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)
    values = slot_values(events)
    assert all(values[s] is None for s in ("sr_name", "sr_id_number", "sr_phone", "requested_slot"))
    assert "已为您退出本次办理" in texts(dispatcher)[0]
    # The gateway then removes what Rasa's tracker store kept of the answers (api/retention/tracker.py).
    assert dispatcher.messages[0]["custom"]["personal_data"] == "abandoned"


def test_correct_a_field_by_text_or_button(dispatcher: CollectingDispatcher) -> None:
    events = run(
        control.ActionCorrectServiceRequestField(),
        dispatcher,
        text="手机号写错了",
        intent="correct_field",
        slots=FILLED,
        requested="sr_confirmed",
    )
    assert slot_values(events) == {"sr_confirmed": None, "sr_phone": None}
    assert "手机号码" in texts(dispatcher)[0]

    dispatcher = CollectingDispatcher()
    events = run(
        control.ActionCorrectServiceRequestField(),
        dispatcher,
        text='/correct_field{"sr_field":"sr_mode"}',
        intent="correct_field",
        entities=[{"entity": "sr_field", "value": "sr_mode"}],
        slots=FILLED,
    )
    assert slot_values(events) == {
        "sr_confirmed": None,
        "sr_mode": None,
        "sr_office": None,
        "sr_date": None,
        "sr_period": None,
    }

    dispatcher = CollectingDispatcher()
    events = run(
        control.ActionCorrectServiceRequestField(), dispatcher, text="有一项不对", intent="correct_field", slots=FILLED
    )
    assert slot_values(events) == {"sr_confirmed": None}
    assert len(dispatcher.messages[0]["buttons"]) == 4


def test_correction_after_submission_is_explained(dispatcher: CollectingDispatcher) -> None:
    events = run(control.ActionCorrectServiceRequestField(), dispatcher, text="手机号写错了", form=None)
    assert events == [] and "提交后不能在线修改" in texts(dispatcher)[0]


def test_correction_after_a_failed_submission_reopens_the_form(dispatcher: CollectingDispatcher) -> None:
    # The gateway was down: confirmed answers kept, nothing stored, no form running. Nothing to "cancel" yet.
    events = run(
        control.ActionCorrectServiceRequestField(), dispatcher, text="手机号写错了", form=None, slots=FILLED
    )
    assert slot_values(events) == {"sr_confirmed": None, "sr_phone": None}
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "service_request_form"
    assert texts(dispatcher) == ["您的申请还没有提交成功，可以先修改再提交。", "好的，请重新填写手机号码。"]


def test_submit_shows_the_number_only_after_the_gateway_stored_it(
    dispatcher: CollectingDispatcher, fake_gateway: FakeGateway
) -> None:
    events = run(submit.ActionSubmitServiceRequest(), dispatcher, slots=FILLED, form=None)
    assert "受理编号：GZ20261126ABCD0002" in texts(dispatcher)[0]
    assert dispatcher.messages[0]["custom"]["personal_data"] == "submitted"  # the gateway masks them in Rasa's store
    assert all(v is None for k, v in slot_values(events).items() if k != "sr_guide_ready")
    sent = json.loads(fake_gateway.requests[0].content)
    assert sent["session_id"] == "web-citizen-1" and sent["id_number"] == "52010219900101123X"
    assert fake_gateway.requests[0].headers["authorization"] == "Bearer dev-service-token"


def test_repeated_confirmation_sends_the_same_key(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    run(submit.ActionSubmitServiceRequest(), dispatcher, slots=FILLED, form=None)
    run(submit.ActionSubmitServiceRequest(), dispatcher, slots=FILLED, form=None)
    keys = {r.headers["idempotency-key"] for r in fake_gateway.requests}
    assert len(keys) == 1 and len(fake_gateway.created) == 1
    assert texts(dispatcher)[0] == texts(dispatcher)[1]
    # Another conversation or other contents make another key.
    other = applications.idempotency_key("web-citizen-2", submit.build_payload(tracker(slots=FILLED)) or {})
    assert other not in keys


def test_gateway_down_shows_no_number_and_keeps_the_form_for_a_retry(
    dispatcher: CollectingDispatcher, fake_gateway: FakeGateway
) -> None:
    fake_gateway.down = True
    events = run(submit.ActionSubmitServiceRequest(), dispatcher, slots=FILLED, form=None)
    assert events == [] and "personal_data" not in dispatcher.messages[0]["custom"]  # nothing forgotten
    assert "没有提交成功" in texts(dispatcher)[0] and "GZ" not in texts(dispatcher)[0]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/submit_service_request", "/stop"]

    fake_gateway.down = False
    dispatcher = CollectingDispatcher()
    run(submit.ActionSubmitServiceRequest(), dispatcher, slots=FILLED, form=None, intent="submit_service_request")
    assert "受理编号：GZ" in texts(dispatcher)[0]
    assert len({r.headers["idempotency-key"] for r in fake_gateway.requests}) == 1 and len(fake_gateway.created) == 1


def test_applying_again_after_cancelling_stores_a_new_request(
    dispatcher: CollectingDispatcher, fake_gateway: FakeGateway
) -> None:
    run(submit.ActionSubmitServiceRequest(), dispatcher, slots=FILLED, form=None)
    first = next(iter(fake_gateway.created.values()))
    first["status"] = "cancelled"  # the citizen cancelled it, then applies again with the same answers
    run(submit.ActionSubmitServiceRequest(), dispatcher, slots=FILLED, form=None)
    assert len(fake_gateway.created) == 2
    second = [r for r in fake_gateway.created.values() if r is not first][0]
    assert f"受理编号：{second['tracking_no']}" in texts(dispatcher)[1]
    assert first["tracking_no"] not in texts(dispatcher)[1]
    # A retry of the new application finds it again instead of making a third.
    run(submit.ActionSubmitServiceRequest(), dispatcher, slots=FILLED, form=None)
    assert len(fake_gateway.created) == 2 and texts(dispatcher)[2] == texts(dispatcher)[1]


def test_a_slot_taken_meanwhile_asks_for_another(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    fake_gateway.refuse = (409, "slot_full", "这个时段已经约满了")
    slots = {
        **FILLED,
        "sr_mode": "window",
        "sr_office": OFFICE,
        "sr_date": bookable()[0].isoformat(),
        "sr_period": "09:00-10:00",
    }
    events = run(submit.ActionSubmitServiceRequest(), dispatcher, slots=slots, form=None)
    assert any(e["event"] == "followup" and e["name"] == "service_request_form" for e in events)
    assert slot_values(events) == {"sr_date": None, "sr_period": None, "sr_confirmed": None}
    assert "刚刚被约满" in texts(dispatcher)[0]


def test_nothing_to_submit(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    run(submit.ActionSubmitServiceRequest(), dispatcher, slots={**FILLED, "sr_confirmed": None}, form=None)
    assert fake_gateway.requests == [] and "没有待提交的申请" in texts(dispatcher)[0]


REQUEST = {
    "tracking_no": "GZ20261126ABCD2345",
    "status": "rejected",
    "status_label": "不予受理",
    "service_title": "居民身份证补领",
    "office": None,
    "day": None,
    "period": None,
    "history": [
        {
            "status": "submitted",
            "label": "已提交，等待受理",
            "by": "申请人",
            "reason": None,
            "at": "2026-11-26T02:00:00+00:00",
        },
        {
            "status": "rejected",
            "label": "不予受理",
            "by": "工作人员",
            "reason": "户籍不在本市",
            "at": "2026-11-27T03:30:00+00:00",
        },
    ],
}
LOOKUP_SLOTS = {"sr_tracking_no": "GZ20261126ABCD2345", "sr_verifier": "19900101"}


def test_start_lookup_takes_the_number_from_the_message(dispatcher: CollectingDispatcher) -> None:
    events = run(tracking.ActionStartLookup(), dispatcher, text="查一下 gz20261126abcd2345 的进度", form=None)
    assert slot_values(events) == {"sr_tracking_no": "GZ20261126ABCD2345", "sr_verifier": None, "sr_lookup_ready": True}


def test_track_shows_status_and_history(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    fake_gateway.lookup_reply = (200, REQUEST)
    run(tracking.ActionTrackRequest(), dispatcher, slots=LOOKUP_SLOTS, form=None)
    text = texts(dispatcher)[0]
    assert "当前状态：不予受理" in text and "11月26日 10:00 已提交" in text and "（户籍不在本市）" in text
    assert json.loads(fake_gateway.requests[0].content) == {"tracking_no": "GZ20261126ABCD2345", "verifier": "19900101"}
    assert dispatcher.messages[0]["custom"]["personal_data"] == "verified"  # the gateway masks the typed verifier


def test_wrong_pair_and_gateway_down(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    fake_gateway.lookup_reply = (
        404,
        {"code": "request_not_found", "detail": "没有找到与这个受理编号和验证信息相符的办件"},
    )
    events = run(tracking.ActionTrackRequest(), dispatcher, slots=LOOKUP_SLOTS, form=None)
    assert "没有找到" in texts(dispatcher)[0]
    assert slot_values(events) == {"sr_tracking_no": None, "sr_verifier": None}
    fake_gateway.down = True
    run(tracking.ActionTrackRequest(), dispatcher, slots=LOOKUP_SLOTS, form=None)
    assert "暂时无法查询" in texts(dispatcher)[1]


def test_cancel(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    fake_gateway.lookup_reply = (200, {**REQUEST, "status": "cancelled", "day": "2026-12-01", "office": OFFICE})
    run(tracking.ActionCancelRequest(), dispatcher, slots=LOOKUP_SLOTS, form=None)
    assert "已为您取消" in texts(dispatcher)[0] and "名额已释放" in texts(dispatcher)[0]
    assert fake_gateway.requests[0].url.path == "/api/v1/service-requests/GZ20261126ABCD2345/cancel"
    fake_gateway.lookup_reply = (409, {"code": "cannot_cancel", "detail": "您的申请已经受理或已结束，不能在线取消"})
    run(tracking.ActionCancelRequest(), dispatcher, slots=LOOKUP_SLOTS, form=None)
    assert "不能在线取消" in texts(dispatcher)[1]


def test_lookup_form_validation(dispatcher: CollectingDispatcher) -> None:
    domain = {
        "slots": {"sr_tracking_no": {"type": "text"}, "sr_verifier": {"type": "text"}},
        "forms": {"track_request_form": {"required_slots": ["sr_tracking_no", "sr_verifier"]}},
    }
    action = tracking.ValidateTrackRequestForm()
    events = asyncio.run(
        action.run(dispatcher, tracker("GZ2026", requested="sr_tracking_no", form="track_request_form"), domain)
    )
    assert slot_values(events)["sr_tracking_no"] is None and "受理编号格式不对" in texts(dispatcher)[0]
    events = asyncio.run(
        action.run(
            dispatcher,
            tracker(
                "出生日期 1990年1月1日",
                requested="sr_verifier",
                form="track_request_form",
                slots={"sr_tracking_no": "GZ20261126ABCD2345"},
            ),
            domain,
        )
    )
    assert slot_values(events)["sr_verifier"] == "19900101"
    events = asyncio.run(
        action.run(
            dispatcher,
            tracker(
                "后四位123x",
                requested="sr_verifier",
                form="track_request_form",
                slots={"sr_tracking_no": "GZ20261126ABCD2345"},
            ),
            domain,
        )
    )
    assert slot_values(events)["sr_verifier"] is None and "出生日期" in texts(dispatcher)[-1]


def test_rating_button_in_the_chat(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    fake_gateway.lookup_reply = (201, {"message": "感谢您的评价！很抱歉没能让您满意，工作人员会尽快联系您。"})
    entities = [
        {"entity": "rating_level", "value": "不满意"},
        {"entity": "sr_tracking_no", "value": "GZ20261126ABCD2345"},
    ]
    run(rating.ActionRateRequest(), dispatcher, intent="rate_request", entities=entities, form=None)
    assert "工作人员会尽快联系您" in texts(dispatcher)[0]
    sent = fake_gateway.requests[0]
    assert sent.url.path == "/api/v1/ratings/from-chat"
    assert json.loads(sent.content) == {
        "tracking_no": "GZ20261126ABCD2345", "session_id": "web-citizen-1", "level": "不满意"
    }
    run(rating.ActionRateRequest(), dispatcher, text="我要评价办件", intent="rate_request", form=None)
    assert "办结通知下方的评价按钮" in texts(dispatcher)[1]  # this conversation made no request to rate
    assert [r.url.path for r in fake_gateway.requests][1:] == ["/api/v1/service-requests/by-session/web-citizen-1"]


def test_rating_in_the_applying_session_needs_no_number(
    dispatcher: CollectingDispatcher, fake_gateway: FakeGateway
) -> None:
    fake_gateway.session_requests["web-citizen-1"] = [{**REQUEST, "ratable": True}, {**REQUEST, "ratable": False}]
    run(rating.ActionRateRequest(), dispatcher, text="我要评价办件", intent="rate_request", form=None)
    assert "GZ20261126ABCD2345" in texts(dispatcher)[0] and len(dispatcher.messages[0]["buttons"]) == 5
    fake_gateway.lookup_reply = (201, {"message": "感谢您的评价！"})
    entities = [{"entity": "rating_level", "value": "满意"}]
    run(rating.ActionRateRequest(), dispatcher, text="满意", intent="rate_request", entities=entities, form=None)
    assert texts(dispatcher)[-1] == "感谢您的评价！"
    assert json.loads(fake_gateway.requests[-1].content) == {
        "tracking_no": "GZ20261126ABCD2345", "session_id": "web-citizen-1", "level": "满意"
    }


def test_track_in_the_applying_session_needs_no_number(
    dispatcher: CollectingDispatcher, fake_gateway: FakeGateway
) -> None:
    fake_gateway.session_requests["web-citizen-1"] = [{**REQUEST, "ratable": True}]
    events = run(tracking.ActionStartLookup(), dispatcher, text="我的申请办到哪了", intent="track_request", form=None)
    assert slot_values(events) == {"sr_lookup_ready": False}  # no form: nothing to type
    assert "当前状态：不予受理" in texts(dispatcher)[0] and "（户籍不在本市）" in texts(dispatcher)[0]
    buttons = dispatcher.messages[0]["buttons"]
    assert [b["title"] for b in buttons] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert json.loads(buttons[1]["payload"].removeprefix("/rate_request")) == {
        "rating_level": "满意", "sr_tracking_no": "GZ20261126ABCD2345"
    }
    assert "personal_data" not in dispatcher.messages[0]["custom"]  # nothing typed that needs masking
    assert "受理编号" in texts(dispatcher)[-1]
    assert fake_gateway.requests[0].url.path.endswith("/by-session/web-citizen-1")


def test_track_without_rating_buttons_when_not_ratable(
    dispatcher: CollectingDispatcher, fake_gateway: FakeGateway
) -> None:
    fake_gateway.session_requests["web-citizen-1"] = [{**REQUEST, "status": "submitted", "ratable": False}]
    run(tracking.ActionStartLookup(), dispatcher, text="办到哪了", intent="track_request", form=None)
    assert not dispatcher.messages[0]["buttons"]


@pytest.mark.parametrize("down", [False, True])
def test_track_from_another_session_asks_for_number_and_birth_date(
    dispatcher: CollectingDispatcher, fake_gateway: FakeGateway, down: bool
) -> None:
    fake_gateway.down = down
    events = run(tracking.ActionStartLookup(), dispatcher, text="我的申请办到哪了", intent="track_request", form=None)
    assert slot_values(events) == {"sr_tracking_no": None, "sr_verifier": None, "sr_lookup_ready": True}
    assert texts(dispatcher) == []


def test_cancelling_still_asks_for_the_verifier(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    fake_gateway.session_requests["web-citizen-1"] = [REQUEST]
    events = run(tracking.ActionStartLookup(), dispatcher, text="我要取消申请", intent="cancel_request", form=None)
    assert slot_values(events)["sr_lookup_ready"] is True and fake_gateway.requests == []


def test_asking_how_to_apply_is_no_question_about_ones_own_application() -> None:
    for text in ("单位说有遗属的抚恤金，咋个申请", "小学报名审核没通过咋个办", "可以网上预约吗"):
        assert not fields.mentions_request(text), text
    for text in ("我的申请办到哪了", "上周申请了低保 审核到哪一步了", "预约号忘了", "想取消申请"):
        assert fields.mentions_request(text), text
