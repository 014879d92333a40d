from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from tests.conftest import FakeRasa


def test_answer_carries_source_and_buttons(client: TestClient, fake_rasa: FakeRasa) -> None:
    source = {"guide_id": "id-card-replacement", "title": "居民身份证补领", "section": "materials", "url": "https://x"}
    fake_rasa.handler = lambda body: {
        "messages": [{
            "text": "补领需要带户口簿。",
            "buttons": [{"title": "要多少钱", "payload": "要多少钱"}],
            "custom": {"source": source, "turn": {"guide_id": "id-card-replacement", "section": "materials",
                                                  "score": 0.8, "decision": "answer"}},
        }],
        "nlu": {"intent": "ask_service", "confidence": 0.97, "entities": []},
    }
    response = client.post("/api/v1/chat", json={"session_id": "s-1", "text": "身份证丢了怎么补办"})
    assert response.status_code == 200
    message = response.json()["messages"][0]
    assert message["text"] == "补领需要带户口簿。"
    assert message["source"] == source
    assert message["buttons"] == [{"title": "要多少钱", "payload": "要多少钱"}]
    assert fake_rasa.received[0] == {"sender": "s-1", "message": "身份证丢了怎么补办", "metadata": {"channel": "web"}}
    # Sent with its offset (SQLite stores none), so the page never reads a UTC time as its own local time.
    assert datetime.fromisoformat(message["created_at"]).utcoffset() == timedelta(0)
    polled = client.get("/api/v1/chat/s-1/messages").json()["messages"][0]
    assert datetime.fromisoformat(polled["created_at"]).utcoffset() == timedelta(0)


def test_rasa_down_gives_polite_busy_message(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.down = True
    response = client.post("/api/v1/chat", json={"session_id": "s-2", "text": "你好"})
    assert response.status_code == 200
    assert "忙" in response.json()["messages"][0]["text"]
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert "rasa" in ready.json()["failing"]


def test_empty_reply_from_rasa_counts_as_busy(client: TestClient, fake_rasa: FakeRasa) -> None:
    # Rasa answers with no messages when the action server is down.
    fake_rasa.handler = lambda body: {"messages": [], "nlu": {}}
    response = client.post("/api/v1/chat", json={"session_id": "s-3", "text": "公积金怎么取"})
    assert "忙" in response.json()["messages"][0]["text"]


def test_bad_input_is_problem_json_in_chinese(client: TestClient) -> None:
    cases = [
        ({"session_id": "s", "text": "   "}, 422, "empty_message"),
        ({"session_id": "s", "text": "长" * 501}, 422, "message_too_long"),
        ({"text": "你好"}, 422, "invalid_request"),
        ({"session_id": "bad id with spaces", "text": "你好"}, 422, "invalid_request"),
    ]
    for body, status, code in cases:
        response = client.post("/api/v1/chat", json=body)
        assert response.status_code == status, body
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code
    malformed = client.post("/api/v1/chat", content=b"{not json", headers={"content-type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json()["detail"] == "请求内容不是有效的 JSON。"


def test_long_messages_are_refused_with_the_configured_limit_and_huge_bodies_before_parsing(client: TestClient) -> None:
    very_long = client.post("/api/v1/chat", json={"session_id": "s", "text": "长" * 20_000})
    assert very_long.status_code == 422
    assert very_long.json()["detail"] == "您的消息有 20000 个字，超过了 500 字的上限，请精简后再发送。"
    huge = client.post("/api/v1/chat", json={"session_id": "s", "text": "x" * (2 * 1024 * 1024)})
    assert huge.status_code == 413  # Starlette's plain-text 413, as nginx (client_max_body_size 1m) answers first


def test_polling_with_an_impossible_message_id_is_a_422_not_a_500(client: TestClient) -> None:
    client.post("/api/v1/chat", json={"session_id": "s-10", "text": "你好"})
    response = client.get("/api/v1/chat/s-10/messages?after=" + "9" * 30)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_handover_silences_the_bot_and_staff_messages_are_polled(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.handler = lambda body: {
        "messages": [{"text": "已为您转人工。", "custom": {"turn": {"handover": True}}}], "nlu": {}
    }
    first = client.post("/api/v1/chat", json={"session_id": "s-4", "text": "转人工"})
    assert first.json()["state"] == "waiting"
    fake_rasa.received.clear()
    second = client.post("/api/v1/chat", json={"session_id": "s-4", "text": "有人吗"})
    assert second.json() == {"session_id": "s-4", "messages": [], "state": "waiting", "listen": True}
    assert fake_rasa.received == []
    seen = client.get("/api/v1/chat/s-4/messages").json()["messages"]
    assert [m["text"] for m in seen] == ["已为您转人工。"]
    assert client.get(f"/api/v1/chat/s-4/messages?after={seen[-1]['id']}").json()["messages"] == []


def test_writing_to_a_closed_conversation_reopens_it_for_the_bot(client: TestClient, fake_rasa: FakeRasa) -> None:
    from api.conversations.models import Conversation, ConversationState

    client.post("/api/v1/chat", json={"session_id": "s-7", "text": "你好"})
    with client.app.state.sessionmaker.begin() as session:
        session.query(Conversation).filter_by(session_id="s-7").update({"state": ConversationState.CLOSED})
    body = client.post("/api/v1/chat", json={"session_id": "s-7", "text": "还有个问题"}).json()
    assert body["state"] == "bot"
    assert body["messages"][0]["text"] == "收到：还有个问题"


def test_turn_facts_are_recorded_for_review(client: TestClient, fake_rasa: FakeRasa) -> None:
    from sqlalchemy import select

    from api.conversations.models import Message, Role

    fake_rasa.handler = lambda body: {
        "messages": [{"text": "答复", "custom": {"turn": {"guide_id": "dibao", "section": "fees", "score": 0.5,
                                                            "decision": "answer", "fell_back": False}}}],
        "nlu": {"intent": "ask_service", "confidence": 0.42, "entities": [{"entity": "aspect", "value": "fees"}]},
    }
    client.post("/api/v1/chat", json={"session_id": "s-5", "text": "低保要钱不"})
    with client.app.state.sessionmaker() as session:
        citizen, bot = session.scalars(select(Message).order_by(Message.id)).all()
    assert (citizen.role, citizen.intent, citizen.confidence) == (Role.CITIZEN, "ask_service", 0.42)
    assert citizen.latency_ms is not None
    assert (bot.guide_id, bot.section, bot.score, bot.decision) == ("dibao", "fees", 0.5, "answer")


def test_absent_buttons_source_and_entities_are_sql_null_not_json_null(client: TestClient) -> None:
    # Review filters and analytics ask "IS NULL"; a JSON 'null' would slip past them.
    from sqlalchemy import text

    client.post("/api/v1/chat", json={"session_id": "s-8", "text": "你好"})  # fake Rasa: no buttons, no entities
    with client.app.state.sessionmaker() as session:
        rows = session.execute(
            text("SELECT role, buttons IS NULL, source IS NULL, entities IS NULL FROM messages ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [("citizen", 1, 1, 1), ("bot", 1, 1, 1)]


def test_a_handover_reply_queues_the_conversation_unless_staff_already_hold_it(
    client: TestClient, fake_rasa: FakeRasa
) -> None:
    from api.conversations.models import Conversation, ConversationState

    fake_rasa.handler = lambda body: {
        "messages": [{"text": "正在为您转接人工客服。", "custom": {"turn": {"handover": True}}}],
        "nlu": {"intent": "request_human", "confidence": 0.99, "entities": []},
    }
    assert client.post("/api/v1/chat", json={"session_id": "s-9", "text": "转人工"}).json()["state"] == "waiting"
    with client.app.state.sessionmaker.begin() as session:
        conversation = session.query(Conversation).filter_by(session_id="s-9").one()
        assert conversation.handover_requested_at is not None
        conversation.state = ConversationState.BOT  # handed back; then a staff member takes it during the next turn

    def staff_take_it_meanwhile(body: dict[str, object]) -> dict[str, object]:
        with client.app.state.sessionmaker.begin() as session:
            session.query(Conversation).filter_by(session_id="s-9").update({"state": ConversationState.HUMAN})
        return {"messages": [{"text": "正在为您转接人工客服。", "custom": {"turn": {"handover": True}}}], "nlu": {}}

    fake_rasa.handler = staff_take_it_meanwhile
    assert client.post("/api/v1/chat", json={"session_id": "s-9", "text": "转人工"}).json()["state"] == "human"
