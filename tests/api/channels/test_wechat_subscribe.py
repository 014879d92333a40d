"""Subscribe messages (订阅消息) against the fake WeChat server: what the mini-program is offered, status changes,
the pick-up notice, and the day-before reminder sent exactly once across replicas and restarts."""

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.channels.wechat.client import WeChatApi
from api.db import session_scope
from api.main import create_app
from api.notifications import flows
from api.notifications.models import SubscribeGrant, SubscribeMessage
from api.service_requests import service as requests_service
from api.service_requests.models import ServiceRequest
from govchat import calendar
from govchat.settings import Settings
from tests.api.channels.conftest import READY, REMINDER, STATUS
from tests.api.channels.fake_wechat import FakeWeChat
from tests.api.service_requests.conftest import request_body, window_body
from tests.conftest import FROZEN_NOW, SAMPLE_HOLIDAYS, FakeRasa, free_port

OPENID = "o-alice"
SERVICE_AUTH = {"Authorization": "Bearer dev-service-token"}


@pytest.fixture
def wx_api(notify_settings: Settings) -> Iterator[WeChatApi]:
    api = WeChatApi(notify_settings, retry_wait=0.01)
    yield api
    api.close()


def login(client: TestClient) -> tuple[dict[str, str], str]:
    body = client.post("/api/v1/wechat/login", json={"code": "code-alice"}).json()
    return {"Authorization": f"Bearer {body['token']}"}, body["session_id"]


def submit(client: TestClient, session_id: str, body: dict[str, Any], key: str = "mp-key-0001") -> str:
    response = client.post("/api/v1/service-requests", json={**body, "session_id": session_id},
                           headers={**SERVICE_AUTH, "Idempotency-Key": key})
    assert response.status_code == 201, response.text
    return str(response.json()["tracking_no"])


def subscribe(client: TestClient, auth: dict[str, str], fake: FakeWeChat, results: dict[str, str]) -> Any:
    offer = client.get("/api/v1/wechat/subscriptions", headers=auth).json()
    for template_id, result in results.items():
        if result == "accept":  # what WeChat itself records when the citizen taps 允许
            fake.allowances[(OPENID, template_id)] = fake.allowances.get((OPENID, template_id), 0) + 1
    response = client.post("/api/v1/wechat/subscriptions", headers=auth,
                           json={"tracking_no": offer["tracking_no"], "results": results})
    assert response.status_code == 200, response.text
    return response.json()


def send(sessions: sessionmaker[Session], api: WeChatApi, settings: Settings, at: dt.datetime) -> flows.SendReport:
    return flows.send_due(sessions=sessions, api=api, settings=settings, at=at)


def move(sessions: sessionmaker[Session], tracking_no: str, *statuses: str, reason: str | None = None) -> None:
    for status in statuses:
        with session_scope(sessions) as session:
            requests_service.change_status(session=session, tracking_no=tracking_no, to=status, actor="staff:1",
                                           reason=reason)


def test_offer_follows_the_request_and_the_answers(app_client: TestClient, fake_wechat: FakeWeChat) -> None:
    auth, session_id = login(app_client)
    assert app_client.get("/api/v1/wechat/subscriptions", headers=auth).json() == {
        "tracking_no": None, "templates": []}
    no = submit(app_client, session_id, window_body())
    offer = app_client.get("/api/v1/wechat/subscriptions", headers=auth).json()
    assert offer["tracking_no"] == no
    assert [(t["kind"], t["template_id"]) for t in offer["templates"]] == [
        ("status", STATUS), ("reminder", REMINDER), ("ready", READY)]
    answered = subscribe(app_client, auth, fake_wechat, {STATUS: "accept", REMINDER: "accept", READY: "reject"})
    assert answered == {"accepted": ["status", "reminder"]}
    assert app_client.get("/api/v1/wechat/subscriptions", headers=auth).json()["templates"] == []
    assert app_client.get("/api/v1/wechat/subscriptions").status_code == 401


def test_online_requests_offer_status_only_and_answers_need_this_chats_request(
    app_client: TestClient, fake_wechat: FakeWeChat
) -> None:
    auth, session_id = login(app_client)
    submit(app_client, session_id, request_body())
    offer = app_client.get("/api/v1/wechat/subscriptions", headers=auth).json()
    assert [t["kind"] for t in offer["templates"]] == ["status"]
    other = submit(app_client, "web-someone-else", request_body(), key="mp-key-0002")
    refused = app_client.post("/api/v1/wechat/subscriptions", headers=auth,
                              json={"tracking_no": other, "results": {STATUS: "accept"}})
    assert refused.status_code == 404


def test_status_change_is_sent_once_with_fields_that_fit(
    app_client: TestClient, fake_wechat: FakeWeChat, sessions: sessionmaker[Session], wx_api: WeChatApi,
    notify_settings: Settings,
) -> None:
    auth, session_id = login(app_client)
    no = submit(app_client, session_id, request_body())
    assert send(sessions, wx_api, notify_settings, FROZEN_NOW).sent == 0  # nothing allowed yet
    subscribe(app_client, auth, fake_wechat, {STATUS: "accept"})
    assert send(sessions, wx_api, notify_settings, FROZEN_NOW).sent == 0  # nothing happened yet
    move(sessions, no, "rejected", reason="申请人户籍不在本市，请到户籍所在地的政务服务中心窗口办理")
    assert send(sessions, wx_api, notify_settings, FROZEN_NOW).sent == 1
    assert send(sessions, wx_api, notify_settings, FROZEN_NOW).sent == 0
    [message] = fake_wechat.subscribe_sent
    assert message["touser"] == OPENID and message["template_id"] == STATUS
    assert message["page"] == "pages/chat/chat" and message["miniprogram_state"] == "formal"
    data = {key: value["value"] for key, value in message["data"].items()}
    assert data["character_string1"] == no and data["thing2"] == "社会保障卡申领" and data["phrase3"] == "不予受理"
    assert len(data["thing5"]) == 20 and data["thing5"].endswith("…")  # WeChat's 20 characters for thing
    assert data["time4"].startswith("2026年")


def test_replicas_racing_send_once(
    app_client: TestClient, fake_wechat: FakeWeChat, sessions: sessionmaker[Session], notify_settings: Settings
) -> None:
    auth, session_id = login(app_client)
    no = submit(app_client, session_id, request_body())
    subscribe(app_client, auth, fake_wechat, {STATUS: "accept"})
    fake_wechat.allowances[(OPENID, STATUS)] = 10  # WeChat would accept more: the gateway must not send them
    move(sessions, no, "accepted")
    apis = [WeChatApi(notify_settings) for _ in range(4)]
    barrier = threading.Barrier(len(apis))

    def replica(api: WeChatApi) -> None:
        barrier.wait()
        send(sessions, api, notify_settings, FROZEN_NOW)

    threads = [threading.Thread(target=replica, args=(api,)) for api in apis]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for api in apis:
        api.close()
    assert len(fake_wechat.subscribe_sent) == 1


def test_completed_window_request_ready_to_collect(
    app_client: TestClient, fake_wechat: FakeWeChat, sessions: sessionmaker[Session], wx_api: WeChatApi,
    notify_settings: Settings,
) -> None:
    auth, session_id = login(app_client)
    no = submit(app_client, session_id, window_body())
    subscribe(app_client, auth, fake_wechat, {STATUS: "accept", READY: "accept"})
    move(sessions, no, "accepted", "completed")
    assert send(sessions, wx_api, notify_settings, FROZEN_NOW).sent == 1  # the pick-up notice says it all
    [message] = fake_wechat.subscribe_sent
    assert message["template_id"] == READY
    data = {key: value["value"] for key, value in message["data"].items()}
    assert data["thing3"] == "贵阳市政务服务中心公安户政窗口" and "领取" in data["thing4"]
    # A day after the end the grants (and the openid with them) are gone.
    with session_scope(sessions) as session:
        session.execute(update(ServiceRequest).values(updated_at=FROZEN_NOW - dt.timedelta(days=2)))
    send(sessions, wx_api, notify_settings, FROZEN_NOW)
    with sessions() as session:
        assert session.scalars(select(SubscribeGrant)).all() == []


def test_a_refused_send_is_recorded_not_retried(
    app_client: TestClient, fake_wechat: FakeWeChat, sessions: sessionmaker[Session], wx_api: WeChatApi,
    notify_settings: Settings,
) -> None:
    auth, session_id = login(app_client)
    no = submit(app_client, session_id, request_body())
    subscribe(app_client, auth, fake_wechat, {STATUS: "accept"})
    fake_wechat.allowances.clear()  # e.g. the citizen turned the notices off in WeChat's settings
    move(sessions, no, "accepted")
    assert send(sessions, wx_api, notify_settings, FROZEN_NOW).failed == 1
    assert send(sessions, wx_api, notify_settings, FROZEN_NOW).failed == 0
    with sessions() as session:
        stored = session.scalars(select(SubscribeMessage)).one()
    assert (stored.state, stored.errcode) == ("failed", 43101)


def test_reminder_due_while_down_goes_out_once_after_restart(
    notify_settings: Settings, fake_rasa: FakeRasa, fake_wechat: FakeWeChat,
    freeze_now: Any,
) -> None:
    settings = notify_settings.model_copy(update={"wechat_notify_interval_seconds": 3600})
    day = calendar.bookable_days(at=FROZEN_NOW, table=SAMPLE_HOLIDAYS)[2]  # Thursday 3 December: not due on Monday
    with TestClient(create_app(settings, rasa_transport=fake_rasa.transport())) as client:
        auth, session_id = login(client)
        submit(client, session_id, window_body(day=day, period="14:00-15:00"))
        subscribe(client, auth, fake_wechat, {REMINDER: "accept"})
    assert fake_wechat.subscribe_sent == []  # stopped before it was due
    freeze_now(dt.datetime.combine(day - dt.timedelta(days=1), dt.time(10, 30), tzinfo=calendar.TZ))
    for _ in range(2):  # restarted, then restarted again
        with TestClient(create_app(settings, rasa_transport=fake_rasa.transport())):
            pass  # the pass at start-up has run when the lifespan ends (the notifier is joined)
    [message] = fake_wechat.subscribe_sent
    assert message["template_id"] == REMINDER
    data = {key: value["value"] for key, value in message["data"].items()}
    assert data["time2"] == f"{day:%Y年%m月%d日} 14:00"


def test_reminder_not_before_the_day_before_nor_after_the_start(
    app_client: TestClient, fake_wechat: FakeWeChat, sessions: sessionmaker[Session], wx_api: WeChatApi,
    notify_settings: Settings,
) -> None:
    auth, session_id = login(app_client)
    day = calendar.bookable_days(at=FROZEN_NOW, table=SAMPLE_HOLIDAYS)[2]
    submit(app_client, session_id, window_body(day=day))
    subscribe(app_client, auth, fake_wechat, {REMINDER: "accept"})
    the_day_before_8am = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(8), tzinfo=calendar.TZ)
    assert send(sessions, wx_api, notify_settings, the_day_before_8am).sent == 0
    too_late = dt.datetime.combine(day, dt.time(9, 30), tzinfo=calendar.TZ)
    assert send(sessions, wx_api, notify_settings, too_late).sent == 0


def test_surely_undelivered_messages_are_tried_again(
    app_client: TestClient, fake_wechat: FakeWeChat, sessions: sessionmaker[Session], wx_api: WeChatApi,
    notify_settings: Settings,
) -> None:
    auth, session_id = login(app_client)
    no = submit(app_client, session_id, request_body())
    subscribe(app_client, auth, fake_wechat, {STATUS: "accept"})
    move(sessions, no, "accepted")
    unreachable = WeChatApi(notify_settings.model_copy(
        update={"wechat_api_base_url": f"http://127.0.0.1:{free_port()}"}), retry_wait=0.01)
    try:  # WeChat cannot be reached at all: nothing is claimed
        assert send(sessions, unreachable, notify_settings, FROZEN_NOW) == flows.SendReport()
    finally:
        unreachable.close()
    fake_wechat.fail["subscribe"] = [-1, -1, -1]  # 系统繁忙 on every retry: WeChat did not send it
    assert send(sessions, wx_api, notify_settings, FROZEN_NOW).deferred == 1
    assert send(sessions, wx_api, notify_settings, FROZEN_NOW).sent == 1
    assert send(sessions, wx_api, notify_settings, FROZEN_NOW) == flows.SendReport()
    assert len(fake_wechat.subscribe_sent) == 1
