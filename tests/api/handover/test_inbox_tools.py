"""The agent's tools around a handover: the question and wait level in the inbox, canned replies, guide sections,
internal notes, transfer, the agent's name and the acknowledgement while waiting."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.conversations.models import ConversationState
from api.handover import service
from govchat.settings import Settings
from knowledge.aspects import SECTION_TITLES
from tests.api.handover.test_handover_api import _ask_for_person, _inbox
from tests.api.staff.factories import PHONE, make_conversation, make_staff, staff_client
from tests.api.staff.factories import StaffClient as Staff


def _waiting_since(client: TestClient, session_id: str, minutes: float, turns: list[dict[str, Any]]) -> int:
    return make_conversation(client, session_id=session_id, turns=turns, state=ConversationState.WAITING,
                             created_at=datetime.now(UTC) - timedelta(minutes=minutes))


def test_inbox_shows_the_question_not_the_request_for_a_person_masked_with_wait_levels(client: TestClient) -> None:
    asked = _waiting_since(client, "s-question", 10, [
        {"q": f"我的电话{PHONE}，社保卡丢了怎么补办", "a": "请问您要办理哪项业务？"},
        {"q": "好的", "a": "正在为您转接人工客服。", "handed_over": True},  # accepted an offer: not the question
        {"q": "转人工", "intent": "request_human"},
    ])
    _waiting_since(client, "s-amber", 3, [{"q": "营业执照变更要多久", "a": "转接中", "handed_over": True}])
    _waiting_since(client, "s-green", 0.5, [{"q": "你好"}])
    inbox = _inbox(staff_client(client, "agent"))
    by_id = {i["id"]: i for i in inbox["waiting"]}
    assert by_id[asked]["question"] == "我的电话138****5678，社保卡丢了怎么补办"
    assert [i["wait_level"] for i in inbox["waiting"]] == ["red", "amber", "green"]  # oldest first
    assert inbox["waiting"][1]["question"] == ""  # its only message asked for a person
    assert inbox["alert_after_seconds"] == 300


def test_wait_level_thresholds_are_one_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert [service.wait_level(s, (60, 90)) for s in (59, 60, 89, 90)] == ["green", "amber", "amber", "red"]
    monkeypatch.setenv("GOVCHAT_HANDOVER_WAIT_SECONDS", "[60, 90]")
    assert Settings().handover_wait_seconds == (60, 90)
    with pytest.raises(ValidationError):
        Settings(handover_wait_seconds=(300, 120))


def test_canned_replies_are_managed_by_admins_audited_and_read_by_agents(client: TestClient) -> None:
    admin, agent = staff_client(client, "admin"), staff_client(client, "agent")
    greeting = {"title": "问候", "text": "您好，请问有什么可以帮您？"}
    created = admin.post("/api/v1/handover/canned-replies", json=greeting)
    assert created.status_code == 201, created.text
    reply_id = created.json()["id"]
    assert admin.post("/api/v1/handover/canned-replies", json={"title": "问候", "text": "x"}).status_code == 409
    assert agent.post("/api/v1/handover/canned-replies", json={"title": "x", "text": "x"}).status_code == 403
    assert agent.get("/api/v1/handover/canned-replies").json()[0]["text"] == "您好，请问有什么可以帮您？"
    updated = admin.put(f"/api/v1/handover/canned-replies/{reply_id}", json={"title": "问候", "text": "您好！"})
    assert updated.status_code == 200 and updated.json()["text"] == "您好！"
    assert agent.delete(f"/api/v1/handover/canned-replies/{reply_id}").status_code == 403
    assert admin.delete(f"/api/v1/handover/canned-replies/{reply_id}").status_code == 204
    assert admin.delete(f"/api/v1/handover/canned-replies/{reply_id}").status_code == 404
    assert agent.get("/api/v1/handover/canned-replies").json() == []
    actions = [e["action"] for e in admin.get("/api/v1/staff/audit").json()["items"]]
    assert {"canned_reply_create", "canned_reply_update", "canned_reply_delete"} <= set(actions)


def test_guide_sections_use_the_guide_section_names_and_end_with_the_source_line(client: TestClient) -> None:
    agent = staff_client(client, "agent")
    sections = agent.get("/api/v1/handover/guides/birth-registration/sections")
    assert sections.status_code == 200, sections.text
    by_section = {s["section"]: s for s in sections.json()}
    assert by_section["materials"]["title"] == SECTION_TITLES["materials"] == "申请材料"
    assert by_section["materials"]["text"].splitlines()[-1].startswith("来源：《")
    assert "办事指南 · 申请材料（" in by_section["materials"]["text"]
    assert "faq" not in by_section
    assert agent.get("/api/v1/handover/guides/no-such-guide/sections").status_code == 422


def test_internal_notes_are_staff_only_audited_and_masked_in_exports(client: TestClient, fake_rasa: Any) -> None:
    sid = _ask_for_person(client, fake_rasa)
    agent = staff_client(client, "agent")
    conversation_id = _inbox(agent)["waiting"][0]["id"]
    added = agent.post(f"/api/v1/handover/{conversation_id}/notes", json={"text": f"群众留了电话{PHONE}，需回访"})
    assert added.status_code == 201, added.text
    [note] = added.json()
    assert note["text"] == "群众留了电话138****5678，需回访" and note["staff_name"] == "agent1同志"
    assert agent.get(f"/api/v1/handover/{conversation_id}/notes").json() == added.json()
    citizen_view = client.get(f"/api/v1/chat/{sid}/messages", params={"after": 0}).json()["messages"]
    assert not any("回访" in m["text"] for m in citizen_view)
    admin = staff_client(client, "admin")
    export = admin.get("/api/v1/review/export/conversations.csv").content.decode("utf-8-sig")
    assert "note,群众留了电话138****5678，需回访" in export and PHONE not in export
    assert "handover_note" in {e["action"] for e in admin.get("/api/v1/staff/audit").json()["items"]}


def test_transfer_to_another_agent(client: TestClient, fake_rasa: Any) -> None:
    sid = _ask_for_person(client, fake_rasa)
    first = staff_client(client, "agent")
    second_id = make_staff(client, "agent2", "agent")
    analyst_id = make_staff(client, "analyst1", "analyst")
    second = Staff(client, "agent2")
    conversation_id = _inbox(first)["waiting"][0]["id"]
    url = f"/api/v1/handover/{conversation_id}/transfer"
    assert first.post(url, json={"staff_id": second_id}).status_code == 409  # nobody holds it yet
    first.post(f"/api/v1/handover/{conversation_id}/claim")
    assert {a["display_name"] for a in first.get("/api/v1/handover/agents").json()} == {"agent1同志", "agent2同志"}
    assert first.post(url, json={"staff_id": analyst_id}).status_code == 422
    assert second.post(url, json={"staff_id": second_id}).status_code == 403  # only the holder transfers
    assert first.post(url, json={"staff_id": second_id}).status_code == 204

    [held] = _inbox(second)["in_progress"]
    assert held["assigned_staff_id"] == second_id and held["assigned_staff_name"] == "agent2同志"
    assert first.post(f"/api/v1/handover/{conversation_id}/reply", json={"text": "还在吗"}).status_code == 403
    assert second.post(f"/api/v1/handover/{conversation_id}/reply", json={"text": "您好"}).status_code == 201
    seen = client.get(f"/api/v1/chat/{sid}/messages", params={"after": 0}).json()["messages"]
    assert any(m["role"] == "system" and m["text"] == "已为您转接工作人员 agent2同志，请稍候。" for m in seen)
    assert seen[-1]["sender"] == "agent2同志"
    audit = staff_client(client, "admin").get("/api/v1/staff/audit", params={"action": "handover_transfer"}).json()
    assert audit["items"][0]["detail"] == {"from_staff_id": first.me["id"], "to_staff_id": second_id}


def test_citizen_writing_while_waiting_is_acknowledged_once_per_wait(client: TestClient, fake_rasa: Any) -> None:
    sid = _ask_for_person(client, fake_rasa)
    first = client.post("/api/v1/chat", json={"session_id": sid, "text": "我想补办社保卡"}).json()
    assert [m["text"] for m in first["messages"]] == [service.WAITING_ACK_TEXT] and first["state"] == "waiting"
    second = client.post("/api/v1/chat", json={"session_id": sid, "text": "在吗"}).json()
    assert second["messages"] == []
    agent = staff_client(client, "agent")
    conversation_id = _inbox(agent)["waiting"][0]["id"]
    assert _inbox(agent)["waiting"][0]["question"] == "在吗"
    agent.post(f"/api/v1/handover/{conversation_id}/hand-back")
    client.post("/api/v1/chat", json={"session_id": sid, "text": "我要找人工"})  # a new wait
    third = client.post("/api/v1/chat", json={"session_id": sid, "text": "还是补办社保卡的事"}).json()
    assert [m["text"] for m in third["messages"]] == [service.WAITING_ACK_TEXT]
