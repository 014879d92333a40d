"""Customer-service message push through the real app: every mode and format, replies via the fake WeChat API."""

import json
import secrets
import time
from typing import Any

from fastapi.testclient import TestClient

from api.channels.wechat.crypto import PushCodec, sha1_signature
from tests.api.channels.conftest import AES_KEY, TOKEN
from tests.api.channels.fake_wechat import FakeWeChat
from tests.conftest import FakeRasa

OPENID = "oUser-1"
codec = PushCodec(token=TOKEN, encoding_aes_key=AES_KEY, appid=FakeWeChat.APPID)


def text_fields(content: str = "身份证怎么补办", msg_id: int = 1001, openid: str = OPENID) -> dict[str, Any]:
    return {"ToUserName": "gh_app", "FromUserName": openid, "CreateTime": int(time.time()), "MsgType": "text",
            "Content": content, "MsgId": msg_id}


def to_xml(fields: dict[str, Any]) -> str:
    inner = "".join(
        f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()
    )
    return f"<xml>{inner}</xml>"


def query(ts: str | None = None, nonce: str | None = None, **extra: str) -> dict[str, str]:
    """A fresh signed query string; like WeChat's, each has its own random nonce."""
    ts = ts or str(int(time.time()))
    nonce = nonce or secrets.token_hex(8)
    return {"signature": sha1_signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce,
            "openid": OPENID, **extra}


def push(client: TestClient, body: str, fmt: str, mode: str = "plain", **params: str) -> Any:
    """POST as WeChat would in plaintext, compatible or secure mode."""
    q = query(**params)
    if mode != "plain":
        plain_fields = json.loads(body) if fmt == "json" else None
        encrypt, msg_signature = codec.encrypt(body, nonce=q["nonce"], timestamp=q["timestamp"])
        q.update(encrypt_type="aes", msg_signature=msg_signature)
        if fmt == "json":
            outer: dict[str, Any] = {"ToUserName": "gh_app", "Encrypt": encrypt}
            if mode == "compatible":
                outer = {**(plain_fields or {}), "Encrypt": encrypt}
            body = json.dumps(outer, ensure_ascii=False)
        else:
            inner = body[len("<xml>"):-len("</xml>")] if mode == "compatible" else "<ToUserName>gh_app</ToUserName>"
            body = f"<xml>{inner}<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    content_type = "application/json" if fmt == "json" else "text/xml"
    return client.post("/api/v1/wechat/push", params=q, content=body.encode(), headers={"content-type": content_type})


def test_url_verification_echoes_echostr(wx_client: TestClient) -> None:
    ok = wx_client.get("/api/v1/wechat/push", params={**query(), "echostr": "1234567890"})
    assert ok.status_code == 200
    assert ok.text == "1234567890"
    forged = wx_client.get("/api/v1/wechat/push", params={**query(), "signature": "f" * 40, "echostr": "x"})
    assert forged.status_code == 403
    assert forged.headers["content-type"] == "application/problem+json"
    assert forged.json()["code"] == "wechat_signature_invalid"
    old = str(int(time.time()) - 3600)
    stale = wx_client.get("/api/v1/wechat/push", params={**query(ts=old), "echostr": "x"})
    assert stale.status_code == 403
    assert stale.json()["code"] == "wechat_request_stale"


def test_every_mode_and_format_is_answered_through_the_send_api(
    wx_client: TestClient, fake_wechat: FakeWeChat, fake_rasa: FakeRasa
) -> None:
    msg_id = 2000
    for fmt in ("xml", "json"):
        for mode in ("plain", "compatible", "secure"):
            msg_id += 1
            fields = text_fields(content=f"{fmt}-{mode}", msg_id=msg_id)
            body = to_xml(fields) if fmt == "xml" else json.dumps(fields, ensure_ascii=False)
            response = push(wx_client, body, fmt, mode)
            assert response.status_code == 200, (fmt, mode, response.text)
            assert response.text == "success"
    assert fake_wechat.texts_to(OPENID) == [
        f"收到：{fmt}-{mode}" for fmt in ("xml", "json") for mode in ("plain", "compatible", "secure")
    ]
    assert {m["metadata"]["channel"] for m in fake_rasa.received} == {"wechat"}
    # WeChat wants raw UTF-8, not \u escapes.
    assert "收到".encode() in fake_wechat.sent[0]["raw"]


def test_retries_with_the_same_msg_id_are_processed_once(
    wx_client: TestClient, fake_wechat: FakeWeChat, fake_rasa: FakeRasa
) -> None:
    body = to_xml(text_fields(msg_id=777))
    for _ in range(3):
        assert push(wx_client, body, "xml", "secure").text == "success"
    assert len(fake_rasa.received) == 1
    assert len(fake_wechat.sent) == 1


def test_forged_or_stale_pushes_are_rejected_and_nothing_is_sent(
    wx_client: TestClient, fake_wechat: FakeWeChat, fake_rasa: FakeRasa
) -> None:
    body = to_xml(text_fields(msg_id=888))
    q = query()
    q["signature"] = "0" * 40
    assert wx_client.post("/api/v1/wechat/push", params=q, content=body).status_code == 403
    # Right URL signature but a forged msg_signature over the ciphertext.
    q = query()
    encrypt, _ = codec.encrypt(body, nonce=q["nonce"], timestamp=q["timestamp"])
    q.update(encrypt_type="aes", msg_signature="1" * 40)
    forged = wx_client.post("/api/v1/wechat/push", params=q, content=f"<xml><Encrypt>{encrypt}</Encrypt></xml>")
    assert forged.status_code == 403
    # Encrypted with another key.
    other = PushCodec(token=TOKEN, encoding_aes_key="B" * 43, appid=FakeWeChat.APPID)
    q = query()
    encrypt, msg_signature = other.encrypt(body, nonce=q["nonce"], timestamp=q["timestamp"])
    q.update(encrypt_type="aes", msg_signature=msg_signature)
    wrong_key = wx_client.post("/api/v1/wechat/push", params=q, content=f"<xml><Encrypt>{encrypt}</Encrypt></xml>")
    assert wrong_key.status_code == 403
    stale = push(wx_client, body, "xml", "plain", ts=str(int(time.time()) - 3600))
    assert stale.status_code == 403
    assert fake_rasa.received == [] and fake_wechat.sent == []


def test_enter_session_event_gets_a_welcome_and_media_a_polite_decline(
    wx_client: TestClient, fake_wechat: FakeWeChat, fake_rasa: FakeRasa
) -> None:
    event = {"ToUserName": "gh_app", "FromUserName": OPENID, "CreateTime": int(time.time()), "MsgType": "event",
             "Event": "user_enter_tempsession", "SessionFrom": "wxapp"}
    assert push(wx_client, json.dumps(event), "json").text == "success"
    image = {**text_fields(msg_id=31), "MsgType": "image", "PicUrl": "http://x/y.jpg", "MediaId": "m"}
    image.pop("Content")
    voice = {**text_fields(msg_id=32), "MsgType": "voice", "MediaId": "m", "Format": "amr"}
    voice.pop("Content")
    assert push(wx_client, to_xml(image), "xml", "secure").text == "success"
    assert push(wx_client, json.dumps(voice), "json").text == "success"
    texts = fake_wechat.texts_to(OPENID)
    assert "政务服务智能助手" in texts[0]
    assert all("只能看懂文字" in t for t in texts[1:]) and len(texts) == 3
    assert fake_rasa.received == []


def test_buttons_and_sources_become_plain_text_with_safe_links_only(
    wx_client: TestClient, fake_wechat: FakeWeChat, fake_rasa: FakeRasa
) -> None:
    fake_rasa.handler = lambda body: {"messages": [
        {"text": "补领需要户口簿。", "buttons": [{"title": "要多少钱", "payload": "要多少钱"}],
         "custom": {"source": {"guide_id": "g", "title": "居民身份证补领", "url": "https://zwfw.guizhou.gov.cn/g"}}},
        {"text": "另见", "custom": {"source": {"guide_id": "h", "title": "指南", "url": "javascript:alert(1)"}}},
    ], "nlu": {}}
    push(wx_client, to_xml(text_fields(msg_id=41)), "xml")
    first, second = fake_wechat.texts_to(OPENID)
    assert "您可以回复：「要多少钱」" in first and "https://zwfw.guizhou.gov.cn/g" in first
    assert "javascript" not in second and "来源：指南" in second


def test_over_long_text_is_declined_politely(wx_client: TestClient, fake_wechat: FakeWeChat) -> None:
    push(wx_client, to_xml(text_fields(content="长" * 600, msg_id=51)), "xml")
    assert "超过了" in fake_wechat.texts_to(OPENID)[0]


def test_send_failures_are_retried_or_logged_but_never_break_the_push(
    wx_client: TestClient, fake_wechat: FakeWeChat
) -> None:
    fake_wechat.fail["send"] = [-1, -1]  # system busy twice, then fine
    assert push(wx_client, to_xml(text_fields(msg_id=61)), "xml").text == "success"
    assert len(fake_wechat.texts_to(OPENID)) == 1
    fake_wechat.fail["send"] = [45015]  # the citizen's 48-hour window is over: not retried
    assert push(wx_client, to_xml(text_fields(msg_id=62)), "xml").text == "success"
    assert len(fake_wechat.texts_to(OPENID)) == 1


def test_malformed_pushes_get_400_never_500(wx_client: TestClient) -> None:
    for body in (b"<xml><Content>unclosed", b"{oops", b"plain words", b'{"MsgType": "text"}',
                 b'<!DOCTYPE x [<!ENTITY a "b">]><xml><Content>&a;</Content></xml>',
                 b'{"ToUserName":"a","FromUserName":"o","CreateTime":"soon","MsgType":"text"}'):
        response = wx_client.post("/api/v1/wechat/push", params=query(), content=body)
        assert response.status_code == 400, body
        assert response.headers["content-type"] == "application/problem+json"
    q = query(encrypt_type="aes", msg_signature="x")
    assert wx_client.post("/api/v1/wechat/push", params=q, content=b"<xml><A>1</A></xml>").status_code == 400


def test_per_openid_rate_limit_answers_politely(
    wechat_settings: Any, fake_rasa: FakeRasa, fake_wechat: FakeWeChat
) -> None:
    from api.main import create_app

    settings = wechat_settings.model_copy(update={"rate_limit_per_openid": "2/minute"})
    with TestClient(create_app(settings, rasa_transport=fake_rasa.transport())) as client:
        for msg_id in (71, 72, 73):
            push(client, to_xml(text_fields(msg_id=msg_id)), "xml")
    texts = fake_wechat.texts_to(OPENID)
    assert len(fake_rasa.received) == 2
    assert "请稍等" in texts[2]


def test_push_without_configuration_is_503(client: TestClient) -> None:
    response = client.get("/api/v1/wechat/push", params={**query(), "echostr": "x"})
    assert response.status_code == 503
    assert response.json()["code"] == "wechat_not_configured"


def test_a_used_signature_cannot_carry_another_body(
    wx_client: TestClient, fake_wechat: FakeWeChat, fake_rasa: FakeRasa
) -> None:
    """In plaintext mode the URL signature covers token, timestamp and nonce, not the body: whoever sees one
    push's query string (a proxy log) could post any message as any citizen until the timestamp goes stale."""
    q = query(nonce="seen-once")
    url = "/api/v1/wechat/push"
    assert wx_client.post(url, params=q, content=to_xml(text_fields(msg_id=91))).text == "success"
    forged = to_xml(text_fields(content="帮我取消办件", msg_id=92, openid="oVictim"))
    assert wx_client.post(url, params=q, content=forged).text == "success"  # WeChat must not retry it either
    assert len(fake_rasa.received) == 1
    assert fake_wechat.texts_to("oVictim") == []


def test_replay_memory_outlasts_the_accepted_clock_skew(wechat_settings: Any) -> None:
    from api.channels.wechat.dedupe import make_deduper

    deduper = make_deduper(wechat_settings.model_copy(update={"wechat_max_clock_skew_seconds": 1800}))
    # A timestamp is accepted from skew seconds before it until skew seconds after it.
    assert deduper.ttl_seconds >= 2 * 1800
