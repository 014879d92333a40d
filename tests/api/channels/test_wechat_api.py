"""Login, the mini-program chat API and the access-token cache, against the fake WeChat server."""

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.channels.wechat.client import WeChatApi
from api.channels.wechat.exceptions import WeChatApiError
from tests.api.channels.fake_wechat import FakeWeChat
from tests.conftest import FakeRasa


def login(client: TestClient, code: str = "code-alice") -> Any:
    return client.post("/api/v1/wechat/login", json={"code": code})


def test_login_issues_our_token_and_never_the_session_key(wx_client: TestClient) -> None:
    response = login(wx_client)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_in", "session_id"}
    assert "SECRET-SESSION-KEY" not in response.text and "session_key" not in response.text
    assert body["session_id"].startswith("wxmp-") and "o-alice" not in body["session_id"]


@pytest.mark.parametrize(("code", "fail", "status", "problem"), [
    ("nonsense", [], 401, "wechat_code_invalid"),
    ("used", [], 401, "wechat_code_invalid"),
    ("code-a", [45011], 429, "wechat_rate_limited"),
    ("code-a", [-1, -1, -1], 503, "service_unavailable"),
])
def test_login_errors_are_chinese_problems(
    wx_client: TestClient, fake_wechat: FakeWeChat, code: str, fail: list[int], status: int, problem: str
) -> None:
    fake_wechat.fail["login"] = list(fail)
    response = login(wx_client, code)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == problem


def test_login_retries_system_busy(wx_client: TestClient, fake_wechat: FakeWeChat) -> None:
    fake_wechat.fail["login"] = [-1]
    assert login(wx_client).status_code == 200
    assert fake_wechat.login_requests == 2


def test_fake_wechat_minute_quota_surfaces_as_429(wx_client: TestClient, fake_wechat: FakeWeChat) -> None:
    fake_wechat.login_quota_per_minute = 2
    statuses = [login(wx_client, f"code-{i}").status_code for i in range(3)]
    assert statuses == [200, 200, 429]


def test_bad_login_body_is_422_or_400(wx_client: TestClient) -> None:
    assert wx_client.post("/api/v1/wechat/login", json={"code": "<script>"}).status_code == 422
    bad = wx_client.post("/api/v1/wechat/login", content=b"{", headers={"content-type": "application/json"})
    assert bad.status_code == 400


def test_mini_program_chat_uses_the_token(wx_client: TestClient, fake_rasa: FakeRasa) -> None:
    token = login(wx_client).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    reply = wx_client.post("/api/v1/wechat/chat", json={"text": "社保卡怎么办"}, headers=headers)
    assert reply.status_code == 200
    assert reply.json()["messages"][0]["text"] == "收到：社保卡怎么办"
    assert fake_rasa.received[0]["metadata"] == {"channel": "wechat"}
    page = wx_client.get("/api/v1/wechat/chat/messages", params={"after": 0}, headers=headers).json()
    assert [m["text"] for m in page["messages"]] == ["收到：社保卡怎么办"]
    huge = wx_client.get("/api/v1/wechat/chat/messages", params={"after": "9" * 30}, headers=headers)
    assert huge.status_code == 422 and huge.headers["content-type"] == "application/problem+json"
    for bad in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Bearer {token[:-2]}xx"},
                {"Authorization": f"Basic {token}"}):
        denied = wx_client.post("/api/v1/wechat/chat", json={"text": "hi"}, headers=bad)
        assert denied.status_code == 401
        assert denied.headers["content-type"] == "application/problem+json"


def test_expired_token_is_refused(wx_client: TestClient) -> None:
    from api.channels.wechat import tokens

    secret = wx_client.app.state.settings.secret_key.get_secret_value()
    old = tokens.issue(secret=secret, openid="o-x", ttl_seconds=60, now=0)
    denied = wx_client.post("/api/v1/wechat/chat", json={"text": "hi"}, headers={"Authorization": f"Bearer {old}"})
    assert denied.status_code == 401
    assert "过期" in denied.json()["detail"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def api_for(settings: Any, clock: Clock | None = None) -> WeChatApi:
    return WeChatApi(settings, clock=clock or Clock(), retry_wait=0.01)


def test_access_token_is_cached_and_refreshed_before_expiry(
    wechat_settings: Any, fake_wechat: FakeWeChat
) -> None:
    clock = Clock()
    api = api_for(wechat_settings, clock)
    api.send_text("o-1", "一")
    api.send_text("o-1", "二")
    assert fake_wechat.token_requests == 1
    clock.now += 7200 - 301  # just outside the 5-minute margin: still cached
    api.send_text("o-1", "三")
    assert fake_wechat.token_requests == 1
    clock.now += 2  # inside the margin: refreshed before WeChat would expire it
    api.send_text("o-1", "四")
    assert fake_wechat.token_requests == 2
    assert fake_wechat.texts_to("o-1") == ["一", "二", "三", "四"]
    api.close()


def test_one_refresh_at_a_time(wechat_settings: Any, fake_wechat: FakeWeChat) -> None:
    fake_wechat.token_delay = 0.3
    api = api_for(wechat_settings)
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda: tokens.append(api.access_token())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake_wechat.token_requests == 1
    assert len(set(tokens)) == 1 and len(tokens) == 8
    api.close()


def test_invalid_token_is_refreshed_once_and_the_send_repeated(
    wechat_settings: Any, fake_wechat: FakeWeChat
) -> None:
    api = api_for(wechat_settings)
    api.send_text("o-1", "一")
    fake_wechat.expire_all_tokens()  # e.g. the secret was reset in the console
    api.send_text("o-1", "二")
    assert fake_wechat.token_requests == 2
    assert fake_wechat.texts_to("o-1") == ["一", "二"]
    api.close()


def test_transient_errors_are_retried_and_permanent_ones_are_not(
    wechat_settings: Any, fake_wechat: FakeWeChat
) -> None:
    api = api_for(wechat_settings)
    fake_wechat.fail["token"] = [-1]
    fake_wechat.fail["send"] = [-1]
    api.send_text("o-1", "忙完再发")
    assert fake_wechat.texts_to("o-1") == ["忙完再发"]
    fake_wechat.fail["send"] = [45047]  # too many customer-service messages: give up at once
    with pytest.raises(WeChatApiError) as caught:
        api.send_text("o-1", "不会重试")
    assert caught.value.errcode == 45047
    assert fake_wechat.fail["send"] == []
    api.close()


def test_unreachable_wechat_is_a_transient_error(wechat_settings: Any) -> None:
    api = api_for(wechat_settings.model_copy(update={"wechat_api_base_url": "http://127.0.0.1:9"}))
    with pytest.raises(WeChatApiError):
        api.access_token()
    api.close()


def test_long_replies_are_cut_to_wechats_limit(wechat_settings: Any, fake_wechat: FakeWeChat) -> None:
    api = api_for(wechat_settings)
    api.send_text("o-1", "字" * 3000)
    sent = fake_wechat.texts_to("o-1")[0]
    assert len(sent.encode()) <= 2048 and sent.endswith("…")
    api.close()


def test_polling_does_not_use_up_the_citizens_message_limit(
    wechat_settings: Any, fake_rasa: FakeRasa, fake_wechat: FakeWeChat
) -> None:
    """The mini-program polls every 3 s while staff hold the conversation: 20 polls a minute, the whole default
    per-openid limit. Like the web chat's per-session limit, the per-openid one counts what the citizen sends."""
    from api.main import create_app

    settings = wechat_settings.model_copy(update={"rate_limit_per_openid": "2/minute"})
    with TestClient(create_app(settings, rasa_transport=fake_rasa.transport())) as client:
        headers = {"Authorization": f"Bearer {login(client).json()['token']}"}
        for _ in range(5):
            assert client.get("/api/v1/wechat/chat/messages", headers=headers).status_code == 200
        sent = [client.post("/api/v1/wechat/chat", json={"text": "你好"}, headers=headers).status_code
                for _ in range(3)]
    assert sent == [200, 200, 429]
