from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.conversations import service as conversations
from api.conversations.models import Message, Role
from api.db import session_scope
from api.errors import MALFORMED_BODY
from govchat.text import UnencodableText
from tests.conftest import FakeRasa, new_session


def test_answer_carries_source_and_buttons(client: TestClient, fake_rasa: FakeRasa) -> None:
    sid = new_session(client)
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
    response = client.post("/api/v1/chat", json={"session_id": sid, "text": "身份证丢了怎么补办"})
    assert response.status_code == 200
    message = response.json()["messages"][0]
    assert message["text"] == "补领需要带户口簿。"
    assert message["source"] == source
    assert message["buttons"] == [{"title": "要多少钱", "payload": "要多少钱"}]
    assert fake_rasa.received[0] == {"sender": sid, "message": "身份证丢了怎么补办", "metadata": {"channel": "web"}}
    # Sent with its offset (SQLite stores none), so the page never reads a UTC time as its own local time.
    assert datetime.fromisoformat(message["created_at"]).utcoffset() == timedelta(0)
    polled = client.get(f"/api/v1/chat/{sid}/messages").json()["messages"][0]
    assert datetime.fromisoformat(polled["created_at"]).utcoffset() == timedelta(0)


def test_rasa_down_gives_polite_busy_message(client: TestClient, fake_rasa: FakeRasa) -> None:
    sid = new_session(client)
    fake_rasa.down = True
    response = client.post("/api/v1/chat", json={"session_id": sid, "text": "你好"})
    assert response.status_code == 200
    assert "忙" in response.json()["messages"][0]["text"]
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert "rasa" in ready.json()["failing"]


def test_empty_reply_from_rasa_counts_as_busy(client: TestClient, fake_rasa: FakeRasa) -> None:
    sid = new_session(client)
    # Rasa answers with no messages when the action server is down.
    fake_rasa.handler = lambda body: {"messages": [], "nlu": {}}
    response = client.post("/api/v1/chat", json={"session_id": sid, "text": "公积金怎么取"})
    assert "忙" in response.json()["messages"][0]["text"]


def test_bad_input_is_problem_json_in_chinese(client: TestClient) -> None:
    sid = new_session(client)
    cases = [
        ({"session_id": sid, "text": "   "}, 422, "empty_message"),
        ({"session_id": sid, "text": "长" * 501}, 422, "message_too_long"),
        ({"text": "你好"}, 422, "invalid_request"),
        ({"session_id": "bad id with spaces", "text": "你好"}, 422, "invalid_request"),
        ({"session_id": "1", "text": "你好"}, 404, "unknown_session"),  # chosen by the client, not issued
        ({"session_id": sid[:-1] + ("A" if sid[-1] != "A" else "B"), "text": "你好"}, 404, "unknown_session"),
    ]
    for body, status, code in cases:
        response = client.post("/api/v1/chat", json=body)
        assert response.status_code == status, body
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code
    malformed = client.post("/api/v1/chat", content=b"{not json", headers={"content-type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json()["detail"] == MALFORMED_BODY
    not_utf8 = client.post("/api/v1/chat", content=b'{"session_id": "s", "text": "\xff"}',
                           headers={"content-type": "application/json"})
    assert not_utf8.status_code == 400 and not_utf8.json() == malformed.json()  # was English


def test_long_messages_are_refused_with_the_configured_limit_and_huge_bodies_before_parsing(client: TestClient) -> None:
    very_long = client.post("/api/v1/chat", json={"session_id": new_session(client), "text": "长" * 20_000})
    assert very_long.status_code == 422
    assert very_long.json()["detail"] == "您的消息有 20000 个字，超过了 500 字的上限，请精简后再发送。"
    huge = client.post("/api/v1/chat", json={"session_id": "s", "text": "x" * (2 * 1024 * 1024)})
    # As nginx (client_max_body_size 1m) would answer first, but as problem+json in Chinese like every error.
    assert huge.status_code == 413 and huge.headers["content-type"] == "application/problem+json"
    assert huge.json()["code"] == "body_too_large" and huge.json()["detail"] == "请求内容过大，最多 1024 KB。"

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"session_id": "s", "text": "'
        yield from (b"x" * 65536 for _ in range(20))
        yield b'"}'

    streamed = client.post("/api/v1/chat", content=chunked(), headers={"content-type": "application/json"})
    assert (streamed.status_code, streamed.json()) == (413, huge.json())  # was a 400 "cannot parse"


def test_polling_with_an_impossible_message_id_is_a_422_not_a_500(client: TestClient) -> None:
    sid = new_session(client)
    client.post("/api/v1/chat", json={"session_id": sid, "text": "你好"})
    response = client.get(f"/api/v1/chat/{sid}/messages?after=" + "9" * 30)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_handover_silences_the_bot_and_staff_messages_are_polled(client: TestClient, fake_rasa: FakeRasa) -> None:
    sid = new_session(client)
    fake_rasa.handler = lambda body: {
        "messages": [{"text": "已为您转人工。", "custom": {"turn": {"handover": True}}}], "nlu": {}
    }
    first = client.post("/api/v1/chat", json={"session_id": sid, "text": "转人工"})
    assert first.json()["state"] == "waiting"
    fake_rasa.received.clear()
    second = client.post("/api/v1/chat", json={"session_id": sid, "text": "有人吗"})
    body = second.json()
    # Only the acknowledgement that staff will see the message (once per wait); the assistant stays silent.
    assert [(m["role"], m["text"]) for m in body["messages"]] == [("system", "已收到，工作人员接入后会看到您的消息。")]
    assert body["state"] == "waiting" and body["listen"] is True
    assert fake_rasa.received == []
    seen = client.get(f"/api/v1/chat/{sid}/messages").json()["messages"]
    assert [m["text"] for m in seen] == ["已为您转人工。", "已收到，工作人员接入后会看到您的消息。"]
    assert client.get(f"/api/v1/chat/{sid}/messages?after={seen[-1]['id']}").json()["messages"] == []


def test_writing_to_a_closed_conversation_reopens_it_for_the_bot(client: TestClient, fake_rasa: FakeRasa) -> None:
    sid = new_session(client)
    from api.conversations.models import Conversation, ConversationState

    client.post("/api/v1/chat", json={"session_id": sid, "text": "你好"})
    with client.app.state.sessionmaker.begin() as session:
        session.query(Conversation).filter_by(session_id=sid).update({"state": ConversationState.CLOSED})
    body = client.post("/api/v1/chat", json={"session_id": sid, "text": "还有个问题"}).json()
    assert body["state"] == "bot"
    assert body["messages"][0]["text"] == "收到：还有个问题"


def test_turn_facts_are_recorded_for_review(client: TestClient, fake_rasa: FakeRasa) -> None:
    sid = new_session(client)
    from sqlalchemy import select

    from api.conversations.models import Message, Role

    fake_rasa.handler = lambda body: {
        "messages": [{"text": "答复", "custom": {"turn": {"guide_id": "dibao", "section": "fees", "score": 0.5,
                                                            "decision": "answer", "fell_back": False}}}],
        "nlu": {"intent": "ask_service", "confidence": 0.42, "entities": [{"entity": "aspect", "value": "fees"}]},
    }
    client.post("/api/v1/chat", json={"session_id": sid, "text": "低保要钱不"})
    with client.app.state.sessionmaker() as session:
        citizen, bot = session.scalars(select(Message).order_by(Message.id)).all()
    assert (citizen.role, citizen.intent, citizen.confidence) == (Role.CITIZEN, "ask_service", 0.42)
    assert citizen.latency_ms is not None
    assert (bot.guide_id, bot.section, bot.score, bot.decision) == ("dibao", "fees", 0.5, "answer")


def test_absent_buttons_source_and_entities_are_sql_null_not_json_null(client: TestClient) -> None:
    sid = new_session(client)
    # Review filters and analytics ask "IS NULL"; a JSON 'null' would slip past them.
    from sqlalchemy import text

    client.post("/api/v1/chat", json={"session_id": sid, "text": "你好"})  # fake Rasa: no buttons, no entities
    with client.app.state.sessionmaker() as session:
        rows = session.execute(
            text("SELECT role, buttons IS NULL, source IS NULL, entities IS NULL FROM messages ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [("citizen", 1, 1, 1), ("bot", 1, 1, 1)]


def test_a_handover_reply_queues_the_conversation_unless_staff_already_hold_it(
    client: TestClient, fake_rasa: FakeRasa
) -> None:
    sid = new_session(client)
    from api.conversations.models import Conversation, ConversationState

    fake_rasa.handler = lambda body: {
        "messages": [{"text": "正在为您转接人工客服。", "custom": {"turn": {"handover": True}}}],
        "nlu": {"intent": "request_human", "confidence": 0.99, "entities": []},
    }
    assert client.post("/api/v1/chat", json={"session_id": sid, "text": "转人工"}).json()["state"] == "waiting"
    with client.app.state.sessionmaker.begin() as session:
        conversation = session.query(Conversation).filter_by(session_id=sid).one()
        assert conversation.handover_requested_at is not None
        conversation.state = ConversationState.BOT  # handed back; then a staff member takes it during the next turn

    def staff_take_it_meanwhile(body: dict[str, object]) -> dict[str, object]:
        with client.app.state.sessionmaker.begin() as session:
            session.query(Conversation).filter_by(session_id=sid).update({"state": ConversationState.HUMAN})
        return {"messages": [{"text": "正在为您转接人工客服。", "custom": {"turn": {"handover": True}}}], "nlu": {}}

    fake_rasa.handler = staff_take_it_meanwhile
    assert client.post("/api/v1/chat", json={"session_id": sid, "text": "转人工"}).json()["state"] == "human"


def test_a_lone_surrogate_is_refused_in_chinese_and_control_characters_are_not_stored(
    client: TestClient, fake_rasa: FakeRasa
) -> None:
    sid = new_session(client)
    refused = client.post("/api/v1/chat", content=b'{"session_id": "%s", "text": "\\ud800"}' % sid.encode(),
                          headers={"content-type": "application/json"})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "invalid_characters" and "字符" in refused.json()["detail"]
    ok = client.post("/api/v1/chat", json={"session_id": sid, "text": "身份证\x01\x1b[2J补办\r\n"})
    assert ok.status_code == 200
    assert fake_rasa.received[-1]["message"] == "身份证[2J补办"
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        assert session.scalars(select(Message.text).where(Message.role == Role.CITIZEN)).all() == ["身份证[2J补办"]


def test_every_stored_string_is_cleaned_whichever_path_writes_it(client: TestClient) -> None:
    """The engine cleans statement parameters, JSON values included: ORM objects and bulk inserts alike."""
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        conversation_id, _ = conversations.begin_turn(session=session, session_id="s-21", channel="web")
        conversations.insert_messages(session=session, rows=[
            {"conversation_id": conversation_id, "role": Role.BOT, "text": "a\x00b",
             "buttons": [{"title": "办\x07理", "payload": "/x"}]},
        ])
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        message = session.scalars(select(Message)).one()
        assert message.text == "ab" and message.buttons == [{"title": "办理", "payload": "/x"}]
    with pytest.raises(UnencodableText), session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        session.add(Message(conversation_id=conversation_id, role=Role.BOT, text="", buttons=["\udc00"]))


def test_session_ids_are_issued_unguessable_and_distinct(client: TestClient) -> None:
    responses = [client.post("/api/v1/chat/sessions") for _ in range(20)]
    assert {r.status_code for r in responses} == {201}
    issued = {r.json()["session_id"] for r in responses}
    assert len(issued) == 20
    for session_id in issued:
        version, nonce, signature = session_id.split(".")
        assert version == "w1" and len(nonce) >= 22 and len(signature) >= 22  # 128 random bits, 128-bit HMAC
