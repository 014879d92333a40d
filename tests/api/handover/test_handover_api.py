"""Handover inbox: a citizen asks for a person, an agent claims, replies (seen via the chat API), hands back, closes."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.conversations.models import Conversation, Message, Role
from api.db import session_scope
from api.handover import service
from api.handover.exceptions import ClaimedByOther, StateChanged
from api.staff.models import StaffUser
from govchat import office_hours
from tests.api.staff.factories import PHONE, make_staff, staff_client
from tests.api.staff.factories import StaffClient as Staff
from tests.conftest import new_session


def _handover_reply(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "messages": [{"text": "好的，正在为您转接人工客服。", "buttons": None,
                      "custom": {"turn": {"decision": "fallback", "fell_back": True, "handover": True}}}],
        "nlu": {"intent": "human_handoff", "confidence": 0.97, "entities": []},
    }


def _ask_for_person(client: TestClient, fake_rasa: Any) -> str:
    """A web conversation waiting for staff; returns its session id."""
    fake_rasa.handler = _handover_reply
    session_id = new_session(client)
    response = client.post("/api/v1/chat", json={"session_id": session_id, "text": "我要找人工"})
    assert response.status_code == 200 and response.json()["state"] == "waiting"
    return session_id


def _inbox(staff: Staff) -> dict[str, Any]:
    response = staff.get("/api/v1/handover/inbox")
    assert response.status_code == 200, response.text
    return response.json()


def test_full_handover_round_trip(client: TestClient, fake_rasa: Any) -> None:
    sid = _ask_for_person(client, fake_rasa)
    agent = staff_client(client, "agent")
    inbox = _inbox(agent)
    assert len(inbox["waiting"]) == 1 and inbox["in_progress"] == []
    item = inbox["waiting"][0]
    assert "session_id" not in item and item["channel"] == "web" and item["waiting_seconds"] >= 0
    # The only message asked for a person: there is no question to show yet.
    assert item["question"] == "" and item["wait_level"] == "green" and isinstance(inbox["office_open"], bool)
    conversation_id = item["id"]

    claimed = agent.post(f"/api/v1/handover/{conversation_id}/claim")
    assert claimed.status_code == 200 and claimed.json()["conversation"]["state"] == "human"
    assert _inbox(agent)["in_progress"][0]["assigned_staff_name"] == "agent1同志"

    greeting = {"text": "您好，我是工作人员小王，请问有什么可以帮您？"}
    sent = agent.post(f"/api/v1/handover/{conversation_id}/reply", json=greeting)
    assert sent.status_code == 201

    # The citizen's client polls and sees the staff reply.
    polled = client.get(f"/api/v1/chat/{sid}/messages", params={"after": 0}).json()
    assert polled["state"] == "human"
    staff_messages = [m for m in polled["messages"] if m["role"] == "staff"]
    assert staff_messages and staff_messages[-1]["text"].startswith("您好，我是工作人员小王")
    assert staff_messages[-1]["sender"] == "agent1同志"  # the citizen sees who answers, not "人工客服"
    assert any(m["role"] == "system" and m["text"].startswith("工作人员 agent1同志 已接入") for m in polled["messages"])

    # While staff hold it, the assistant stays silent.
    calls = len(fake_rasa.received)
    quiet = client.post("/api/v1/chat", json={"session_id": sid, "text": "我想补办身份证"})
    assert quiet.json()["messages"] == [] and len(fake_rasa.received) == calls
    history = agent.get(f"/api/v1/handover/{conversation_id}").json()
    assert history["turns"][-1]["citizen"]["text"] == "我想补办身份证"

    assert agent.post(f"/api/v1/handover/{conversation_id}/hand-back").status_code == 204
    after = client.get(f"/api/v1/chat/{sid}/messages", params={"after": staff_messages[-1]["id"]}).json()
    assert after["state"] == "bot" and "智能助手" in after["messages"][-1]["text"]
    assert _inbox(agent) == {**_inbox(agent), "waiting": [], "in_progress": []}

    admin = staff_client(client, "admin")
    actions = {e["action"] for e in admin.get("/api/v1/staff/audit").json()["items"]}
    assert {"handover_claim", "handover_reply", "handover_hand_back"} <= actions


def test_second_agent_cannot_take_or_answer_a_claimed_conversation(client: TestClient, fake_rasa: Any) -> None:
    sid = _ask_for_person(client, fake_rasa)
    first = staff_client(client, "agent")
    make_staff(client, "agent2", "agent")
    second = Staff(client, "agent2")
    conversation_id = _inbox(first)["waiting"][0]["id"]
    assert first.post(f"/api/v1/handover/{conversation_id}/claim").status_code == 200
    taken = second.post(f"/api/v1/handover/{conversation_id}/claim")
    assert taken.status_code == 409 and taken.json()["code"] == "claimed_by_other"
    assert second.post(f"/api/v1/handover/{conversation_id}/reply", json={"text": "hi"}).status_code == 403
    assert second.post(f"/api/v1/handover/{conversation_id}/close").status_code == 403
    assert first.post(f"/api/v1/handover/{conversation_id}/close").status_code == 204
    assert client.get(f"/api/v1/chat/{sid}/messages").json()["state"] == "closed"
    again = first.post(f"/api/v1/handover/{conversation_id}/claim")
    assert again.status_code == 409 and again.json()["code"] == "not_waiting"


def test_reply_needs_a_claim_and_analysts_have_no_inbox(client: TestClient, fake_rasa: Any) -> None:
    _ask_for_person(client, fake_rasa)
    agent = staff_client(client, "agent")
    conversation_id = _inbox(agent)["waiting"][0]["id"]
    unclaimed = agent.post(f"/api/v1/handover/{conversation_id}/reply", json={"text": "您好"})
    assert unclaimed.status_code == 409
    analyst = staff_client(client, "analyst")
    assert analyst.post(f"/api/v1/handover/{conversation_id}/claim").status_code == 403
    assert analyst.get(f"/api/v1/handover/{conversation_id}").status_code == 403


def test_callback_phone_is_masked_in_inbox_and_audited_when_shown(client: TestClient, fake_rasa: Any) -> None:
    sid = _ask_for_person(client, fake_rasa)
    bad = client.post("/api/v1/handover/callback", json={"session_id": sid, "phone": "12345"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_phone"
    unknown = client.post("/api/v1/handover/callback", json={"session_id": "nobody", "phone": PHONE})
    assert unknown.status_code == 404
    left = client.post("/api/v1/handover/callback", json={"session_id": sid, "phone": "138 1234 5678"})
    assert left.status_code == 201 and left.json()["phone"] == "138****5678"
    polled = client.get(f"/api/v1/chat/{sid}/messages").json()["messages"]
    assert any("138****5678" in m["text"] for m in polled) and not any(PHONE in m["text"] for m in polled)

    agent = staff_client(client, "agent")
    item = _inbox(agent)["waiting"][0]
    assert item["callback_phone"] == "138****5678"
    assert agent.post(f"/api/v1/handover/{item['id']}/callback-phone").status_code == 403  # claim first
    agent.post(f"/api/v1/handover/{item['id']}/claim")
    shown = agent.post(f"/api/v1/handover/{item['id']}/callback-phone")
    assert shown.json()["phone"] == PHONE
    admin = staff_client(client, "admin")
    assert admin.get("/api/v1/staff/audit", params={"action": "reveal_callback_phone"}).json()["total"] == 1


def test_office_hours_endpoint(client: TestClient) -> None:
    body = client.get("/api/v1/handover/office-hours").json()
    assert body["office_hours"] == "周一至周五 09:00-12:00、14:00-17:30"
    assert (body["notice"] is None) == body["open"]


def test_office_hours_rules() -> None:
    hours = office_hours.parse("1-5 09:00-12:00,14:00-17:30; 6 09:00-12:00", "Asia/Shanghai")
    # 2026-11-27 is a Friday. 10:00 Beijing = 02:00 UTC.
    assert hours.is_open(datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 11, 27, 4, 30, tzinfo=UTC))  # 12:30 lunch
    assert not hours.is_open(datetime(2026, 11, 29, 2, 0, tzinfo=UTC))  # Sunday
    friday_evening = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # 19:00
    opening = hours.next_opening(friday_evening)
    assert opening is not None and (opening.isoweekday(), opening.hour) == (6, 9)
    notice = office_hours.closed_notice(hours, friday_evening)
    assert "11月28日（周六）09:00" in notice and "手机号码" in notice
    assert hours.describe() == "周一至周五 09:00-12:00、14:00-17:30；周六 09:00-12:00"


def test_two_agents_claiming_at_once_only_one_gets_it(client: TestClient, fake_rasa: Any) -> None:
    """Both read the conversation while it waits; the second claim must not silently take it over."""
    _ask_for_person(client, fake_rasa)
    first_id, second_id = make_staff(client, "agent1", "agent"), make_staff(client, "agent2", "agent")
    sessions = client.app.state.sessionmaker  # type: ignore[attr-defined]
    with sessions() as first, sessions() as second:
        conversation_id = first.scalar(select(Conversation.id))
        mine = first.get_one(Conversation, conversation_id)
        theirs = second.get_one(Conversation, conversation_id)
        assert mine.state == theirs.state == "waiting"
        service.claim(session=second, conversation=theirs, staff=second.get_one(StaffUser, second_id))
        second.commit()
        with pytest.raises(ClaimedByOther):
            service.claim(session=first, conversation=mine, staff=first.get_one(StaffUser, first_id))
        first.rollback()
    with session_scope(sessions) as session:
        conversation = session.get_one(Conversation, conversation_id)
        assert conversation.state == "human" and conversation.assigned_staff_id == second_id
        greetings = session.scalar(select(func.count()).select_from(Message).where(
            Message.conversation_id == conversation_id, Message.role == Role.SYSTEM,
            Message.text == service.CLAIMED_TEXT.format(name="agent2同志")))
        assert greetings == 1


def test_callback_phone_is_only_for_the_agent_still_holding_the_conversation(client: TestClient,
                                                                              fake_rasa: Any) -> None:
    sid = _ask_for_person(client, fake_rasa)
    client.post("/api/v1/handover/callback", json={"session_id": sid, "phone": PHONE})
    agent = staff_client(client, "agent")
    conversation_id = _inbox(agent)["waiting"][0]["id"]
    agent.post(f"/api/v1/handover/{conversation_id}/claim")
    assert agent.post(f"/api/v1/handover/{conversation_id}/callback-phone").json()["phone"] == PHONE
    assert agent.post(f"/api/v1/handover/{conversation_id}/close").status_code == 204
    after = agent.post(f"/api/v1/handover/{conversation_id}/callback-phone")
    assert after.status_code == 403 and after.json()["code"] == "not_holder"


@pytest.mark.parametrize("action", ["hand_back", "close"])
def test_handing_back_or_closing_a_conversation_just_claimed_by_another_agent_is_refused(
    client: TestClient, fake_rasa: Any, action: str
) -> None:
    _ask_for_person(client, fake_rasa)
    first_id, second_id = make_staff(client, "agent1", "agent"), make_staff(client, "agent2", "agent")
    sessions = client.app.state.sessionmaker  # type: ignore[attr-defined]
    with sessions() as first, sessions() as second:
        conversation_id = first.scalar(select(Conversation.id))
        stale = first.get_one(Conversation, conversation_id)
        assert stale.state == "waiting"
        service.claim(session=second, conversation=second.get_one(Conversation, conversation_id),
                      staff=second.get_one(StaffUser, second_id))
        second.commit()
        with pytest.raises(StateChanged):
            getattr(service, action)(session=first, conversation=stale, staff=first.get_one(StaffUser, first_id),
                                     admin=False)
        first.rollback()
    with session_scope(sessions) as session:
        conversation = session.get_one(Conversation, conversation_id)
        assert conversation.state == "human" and conversation.assigned_staff_id == second_id
