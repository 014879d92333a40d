"""The conversations of issue 4 through the gateway's /api/v1/chat, answered by the real Rasa server, action
server and knowledge index (the stack of tests/e2e; or an already running gateway at GOVCHAT_TEST_GATEWAY_URL).
"""

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.handover.service import WAITING_ACK_TEXT


pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def chat(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    url = os.environ.get("GOVCHAT_TEST_GATEWAY_URL")
    if url:
        with httpx.Client(base_url=url, timeout=120.0) as client:
            yield client
    else:
        yield request.getfixturevalue("gateway")


class Citizen:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.session_id = client.post("/api/v1/chat/sessions").json()["session_id"]

    def say(self, text: str) -> dict[str, Any]:
        response = self.client.post("/api/v1/chat", json={"session_id": self.session_id, "text": text})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def source(self, text: str) -> dict[str, Any]:
        body = self.say(text)
        sources = [m["source"] for m in body["messages"] if m.get("source")]
        assert sources, body
        return {**sources[-1], "text": "\n".join(m["text"] for m in body["messages"]), "body": body}


def test_answer_follow_ups_and_a_new_topic(chat: httpx.Client) -> None:
    citizen = Citizen(chat)
    first = citizen.source("身份证丢了怎么补办")
    assert first["guide_id"] == "id-card-replacement"
    assert "示例数据，以官方发布为准" in first["text"]
    titles = [b["title"] for m in first["body"]["messages"] for b in m.get("buttons") or []]
    assert {"需要哪些材料", "在哪里办", "要多少钱", "能不能网上办", "我要办理"} <= set(titles)

    for text, section, expected in [
        ("要带什么材料", "materials", "照片"),
        ("那要多少钱", "fees", "40元"),
        ("周末能办吗", "place", "周六"),
        ("可以网上办吗", "online", "网上办理"),
    ]:
        answer = citizen.source(text)
        assert (answer["guide_id"], answer["section"]) == ("id-card-replacement", section), text
        assert expected in answer["text"], text

    assert citizen.source("另外问下结婚登记要带什么")["guide_id"] == "marriage-registration"


def test_clarification_choice_and_not_this_one(chat: httpx.Client) -> None:
    citizen = Citizen(chat)
    body = citizen.say("公积金能取吗")
    buttons = [b for m in body["messages"] for b in m.get("buttons") or []]
    choices = [b for b in buttons if b["payload"].startswith("/choose_guide")]
    assert len(choices) >= 2 and all("公积金" in b["title"] for b in choices), body
    assert not any(m.get("source") for m in body["messages"])

    chosen = citizen.source(choices[1]["payload"])
    assert chosen["title"] == choices[1]["title"]
    other = citizen.source("不是这个")
    assert other["guide_id"] != chosen["guide_id"]


def test_small_talk_is_handled_politely(chat: httpx.Client) -> None:
    citizen = Citizen(chat)
    for text, expected in [
        ("你好", "您好"),
        ("今天天气怎么样", "超出了我的服务范围"),
        ("你是机器人吗", "机器人"),
        ("你们窗口态度太差了", "12345"),
        ("你个废物", "文明"),
        ("谢谢", "不客气"),
        ("再见", "再见"),
    ]:
        body = citizen.say(text)
        reply = "".join(m["text"] for m in body["messages"])
        assert expected in reply, (text, reply)
        assert not any(m.get("source") for m in body["messages"])


def test_rephrase_then_offer_then_handover_and_silence(chat: httpx.Client) -> None:
    citizen = Citizen(chat)
    assert "换个说法" in citizen.say("呃呃那个啥")["messages"][-1]["text"]
    offer = citizen.say("就是那个东西嘛")["messages"][-1]
    assert "转接人工" in offer["text"] and offer["buttons"][0]["payload"] == "/request_human"
    handed = citizen.say("转人工")
    assert "人工服务时间" in handed["messages"][-1]["text"] or "分钟内接入" in handed["messages"][-1]["text"]
    assert handed["state"] != "bot"
    # Staff hold the conversation: the bot stays silent; the citizen's first message while waiting is acknowledged.
    assert [m["text"] for m in citizen.say("还在吗")["messages"]] == [WAITING_ACK_TEXT]
    assert citizen.say("有人吗")["messages"] == []
