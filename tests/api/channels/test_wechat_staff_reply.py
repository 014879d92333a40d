"""A staff reply during a handover reaches a WeChat citizen through the customer-service send API."""

from typing import Any

from fastapi.testclient import TestClient

from tests.api.channels.fake_wechat import FakeWeChat
from tests.api.channels.test_wechat_push import OPENID, push, text_fields, to_xml
from tests.api.staff.factories import staff_client
from tests.conftest import FakeRasa


def _handover(body: dict[str, Any]) -> dict[str, Any]:
    return {"messages": [{"text": "好的，正在为您转接人工客服。", "custom": {"turn": {"handover": True}}}], "nlu": {}}


def test_staff_reply_is_pushed_to_the_wechat_citizen(
    wx_client: TestClient, fake_wechat: FakeWeChat, fake_rasa: FakeRasa
) -> None:
    fake_rasa.handler = _handover
    assert push(wx_client, to_xml(text_fields(content="转人工", msg_id=71)), "xml").text == "success"
    assert fake_wechat.texts_to(OPENID)[0] == "好的，正在为您转接人工客服。"

    agent = staff_client(wx_client, "agent")
    conversation_id = agent.get("/api/v1/handover/inbox").json()["waiting"][0]["id"]
    assert agent.post(f"/api/v1/handover/{conversation_id}/claim").status_code == 200
    reply = agent.post(f"/api/v1/handover/{conversation_id}/reply", json={"text": "您好，我是工作人员小李。"})
    assert reply.status_code == 201
    assert fake_wechat.texts_to(OPENID)[-1] == "agent1同志：您好，我是工作人员小李。"  # signed with the agent's name
