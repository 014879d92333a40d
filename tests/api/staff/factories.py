"""Test data for staff-side tests: accounts, logged-in clients, conversations with turn facts."""

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from api.conversations.models import Conversation, ConversationState, Message, Role
from api.db import session_scope
from api.staff import service as staff_service
from api.staff.models import StaffRole

PASSWORD = "Gui-zhou-2026!"


def make_staff(client: TestClient, username: str, role: StaffRole | str, password: str = PASSWORD) -> int:
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        user = staff_service.create(session=session, username=username, password=password, role=StaffRole(role),
                                    display_name=f"{username}同志")
        return user.id


class StaffClient:
    """A TestClient with its own cookie jar, logged in, sending the CSRF header on every change."""

    def __init__(self, client: TestClient, username: str, password: str = PASSWORD) -> None:
        self.http = TestClient(client.app)
        response = self.http.post("/api/v1/staff/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        self.csrf = response.json()["csrf_token"]
        self.me = response.json()["staff"]

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.http.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.http.post(url, headers={"X-CSRF-Token": self.csrf}, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.http.put(url, headers={"X-CSRF-Token": self.csrf}, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self.http.patch(url, headers={"X-CSRF-Token": self.csrf}, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.http.delete(url, headers={"X-CSRF-Token": self.csrf}, **kwargs)


def staff_client(client: TestClient, role: str) -> StaffClient:
    make_staff(client, f"{role}1", role)
    return StaffClient(client, f"{role}1")


def make_conversation(
    client: TestClient,
    *,
    session_id: str,
    turns: list[dict[str, Any]],
    channel: str = "web",
    state: ConversationState = ConversationState.BOT,
    created_at: datetime | None = None,
    identified: bool = False,
    callback_phone: str | None = None,
) -> int:
    """turns: dicts with `q` (citizen text), optional intent/confidence/entities, and `a` (bot text) with
    guide_id/section/score/decision/fell_back/handed_over."""
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        conversation = Conversation(session_id=session_id, channel=channel, state=state, identified=identified,
                                    callback_phone=callback_phone)
        if created_at:
            conversation.created_at = created_at
            conversation.updated_at = created_at
        if state in (ConversationState.WAITING, ConversationState.HUMAN):
            conversation.handover_requested_at = created_at or datetime.now().astimezone()
        session.add(conversation)
        session.flush()
        for turn in turns:
            stamp = {"created_at": created_at} if created_at else {}
            session.add(Message(conversation_id=conversation.id, role=Role.CITIZEN, text=turn["q"],
                                intent=turn.get("intent"), confidence=turn.get("confidence"),
                                entities=turn.get("entities"), latency_ms=turn.get("latency_ms", 120), **stamp))
            if "a" in turn:
                session.add(Message(
                    conversation_id=conversation.id, role=Role.BOT, text=turn["a"],
                    guide_id=turn.get("guide_id"), section=turn.get("section"), score=turn.get("score"),
                    decision=turn.get("decision"), fell_back=turn.get("fell_back", False),
                    handed_over=turn.get("handed_over", False), latency_ms=turn.get("latency_ms", 120),
                    life_event=turn.get("life_event"),
                    source={"guide_id": turn["guide_id"], "title": turn.get("title", turn["guide_id"]),
                            "section": turn.get("section")} if turn.get("guide_id") else None,
                    **stamp,
                ))
        session.flush()
        return conversation.id


ID_NUMBER = "520102199001011234"
PHONE = "13812345678"

SAMPLE_TURNS: list[dict[str, Any]] = [
    {"q": f"我叫张三，身份证 {ID_NUMBER}，手机 {PHONE}，身份证丢了咋整", "intent": "ask_service",
     "confidence": 0.92, "entities": [{"entity": "name", "value": "张三"}],
     "a": "补领居民身份证需要带户口簿到户籍所在地派出所办理。", "guide_id": "id-card-replacement",
     "section": "materials", "score": 0.81, "decision": "answer", "title": "居民身份证补领"},
    {"q": "那个娃娃上户口呢", "intent": "ask_service", "confidence": 0.41,
     "a": "您是想问出生登记还是其他户口业务？", "guide_id": "birth-registration", "section": "overview",
     "score": 0.44, "decision": "clarify"},
    {"q": "算了找人工", "intent": "human_handoff", "confidence": 0.2,
     "a": "好的，正在为您转接人工客服。", "decision": "fallback", "fell_back": True, "handed_over": True},
]
