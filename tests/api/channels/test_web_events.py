"""The server-sent event stream of the web chat: ids, resumption and states."""

import asyncio
import json
from typing import Any

from fastapi.testclient import TestClient

from api.channels.web import service
from api.conversations import service as conversations
from api.conversations.models import Role
from api.db import session_scope
from tests.conftest import FakeRasa, new_session


class OneRound:
    """A request that disconnects after the stream's first poll."""

    def __init__(self) -> None:
        self.calls = 0

    async def is_disconnected(self) -> bool:
        self.calls += 1
        return self.calls > 1


async def collect(sessions: Any, session_id: str, after_id: int) -> list[str]:
    chunks = []
    async for chunk in service.event_stream(request=OneRound(), sessions=sessions, session_id=session_id,  # type: ignore[arg-type]
                                            after_id=after_id):
        chunks.append(chunk)
    return chunks


def test_events_carry_message_ids_and_resume_after_the_last_one(client: TestClient, fake_rasa: FakeRasa) -> None:
    sid = new_session(client)
    fake_rasa.handler = lambda body: {"messages": [{"text": "转人工", "custom": {"turn": {"handover": True}}}],
                                      "nlu": {}}
    # The client resumes after the last message it has (an out-of-hours notice may follow the bot's reply).
    first_id = client.post("/api/v1/chat", json={"session_id": sid, "text": "转人工"}).json()["messages"][-1]["id"]
    sessions = client.app.state.sessionmaker
    with session_scope(sessions) as session:
        conversation = conversations.get_by_session_id(session=session, session_id=sid)
        conversations.add_message(session=session, conversation=conversation, role=Role.STAFF, text="<b>您好</b>")
    chunks = asyncio.run(collect(sessions, sid, first_id))
    messages = [c for c in chunks if "event: message" in c]
    assert len(messages) == 1
    event_id = int(messages[0].split("\n")[0].removeprefix("id: "))
    assert event_id > first_id
    assert json.loads(messages[0].split("data: ", 1)[1])["text"] == "<b>您好</b>"
    assert any('"state": "waiting"' in c for c in chunks)
    assert not [c for c in asyncio.run(collect(sessions, sid, event_id)) if "event: message" in c]


def test_events_for_an_unknown_session_are_404(client: TestClient) -> None:
    response = client.get("/api/v1/chat/nobody/events")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_page_and_assets_are_served_with_a_strict_csp(client: TestClient) -> None:
    page = client.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text  # no inline script
    assert client.get("/static/chat.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/widget.js").status_code == 200
    assert client.get("/static/../router.py").status_code == 404
    assert client.get("/static/nope.js").status_code == 404


def test_resume_position_ignores_ids_that_are_not_plain_small_numbers() -> None:
    assert service.resume_after(3, "17") == 17
    assert service.resume_after(30, "17") == 30
    # Too large for the database's integers, or digits int() does not take: ignored rather than a 500.
    for odd in ("9" * 30, "²", "٣", "-1", "1e3", "", None):
        assert service.resume_after(5, odd) == 5


def test_an_after_beyond_any_message_id_is_a_422_not_a_500(client: TestClient) -> None:
    sid = new_session(client)
    client.post("/api/v1/chat", json={"session_id": sid, "text": "你好"})
    response = client.get(f"/api/v1/chat/{sid}/events", params={"after": "9" * 30})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
