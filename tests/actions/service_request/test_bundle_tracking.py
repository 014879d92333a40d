""""办到哪了" for a bundle request: each item with its own number, status and latest change; rating per item."""

from __future__ import annotations

import json

from rasa_sdk.executor import CollectingDispatcher

from actions.service_request import fields, rating, tracking
from tests.actions.service_request.conftest import FakeGateway, texts
from tests.actions.service_request.test_submit_and_control import LOOKUP_SLOTS, REQUEST, run

BUNDLE = {
    "tracking_no": "GZ20261126BCDE2345",
    "event_title": "新生儿出生“一件事”",
    "office": "测试区政务服务中心“一件事”综合窗口",
    "day": "2026-12-02",
    "period": "09:00-10:00",
    "items": [
        {**REQUEST, "tracking_no": "GZ20261126BCDE234501", "service_title": "出生登记", "ratable": True},
        {
            **REQUEST, "tracking_no": "GZ20261126BCDE234502", "service_title": "社会保障卡申领",
            "status": "submitted", "status_label": "已提交，等待受理", "history": REQUEST["history"][:1],
            "ratable": False,
        },
    ],
}


def test_an_items_number_is_read_whole_and_the_bundles_alone() -> None:
    assert fields.find_tracking_no("查一下 GZ20261126BCDE2345-01 的进度") == "GZ20261126BCDE234501"
    assert fields.find_tracking_no("GZ20261126BCDE2345 办到哪了") == "GZ20261126BCDE2345"
    assert fields.find_tracking_no("GZ20261126BCDE2345123") == "GZ20261126BCDE2345"


def test_lookup_of_a_bundle_shows_each_item(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    fake_gateway.lookup_reply = (200, BUNDLE)
    run(tracking.ActionTrackRequest(), dispatcher, slots=LOOKUP_SLOTS, form=None)
    text = texts(dispatcher)[0]
    assert "新生儿出生“一件事”一次申请（受理编号 GZ20261126BCDE2345）共2个事项" in text
    assert "1. 出生登记（GZ20261126BCDE234501）：不予受理" in text and "（户籍不在本市）" in text
    assert "2. 社会保障卡申领（GZ20261126BCDE234502）：已提交，等待受理" in text
    assert "预约：测试区政务服务中心“一件事”综合窗口，12月2日（周三） 09:00-10:00" in text
    assert not dispatcher.messages[0]["buttons"]  # a bundle is not cancelled online as a whole


def test_track_in_the_applying_session_shows_the_bundle_and_rates_each_item(
    dispatcher: CollectingDispatcher, fake_gateway: FakeGateway
) -> None:
    fake_gateway.session_bundles["web-citizen-1"] = [BUNDLE]
    run(tracking.ActionStartLookup(), dispatcher, text="办到哪了", intent="track_request", form=None)
    assert "共2个事项" in texts(dispatcher)[0]
    # Only the finished item offers the 好差评 buttons, under its own number.
    assert "出生登记" in texts(dispatcher)[1] and len(dispatcher.messages[1]["buttons"]) == 5
    payload = json.loads(dispatcher.messages[1]["buttons"][0]["payload"].removeprefix("/rate_request"))
    assert payload["sr_tracking_no"] == "GZ20261126BCDE234501"
    fake_gateway.lookup_reply = (201, {"message": "感谢您的评价！"})
    entities = [{"entity": "rating_level", "value": "满意"}]
    run(rating.ActionRateRequest(), dispatcher, text="满意", intent="rate_request", entities=entities, form=None)
    assert json.loads(fake_gateway.requests[-1].content)["tracking_no"] == "GZ20261126BCDE234501"


def test_a_finished_bundle_offers_rating_the_whole(dispatcher: CollectingDispatcher, fake_gateway: FakeGateway) -> None:
    finished = {**BUNDLE, "ratable": True, "items": [{**i, "ratable": False} for i in BUNDLE["items"]]}
    fake_gateway.session_bundles["web-citizen-1"] = [finished]
    run(tracking.ActionStartLookup(), dispatcher, text="办到哪了", intent="track_request", form=None)
    assert "整体评价" in texts(dispatcher)[0]
    payload = json.loads(dispatcher.messages[0]["buttons"][0]["payload"].removeprefix("/rate_request"))
    assert payload["sr_tracking_no"] == "GZ20261126BCDE2345"
    dispatcher.messages.clear()
    run(rating.ActionRateRequest(), dispatcher, text="我要评价", intent="rate_request", form=None)
    assert "新生儿出生“一件事”" in texts(dispatcher)[0] and len(dispatcher.messages[0]["buttons"]) == 5
