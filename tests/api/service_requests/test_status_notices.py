"""A staff status change is announced at the start of the citizen's next reply in that conversation, once."""

from fastapi.testclient import TestClient

from api.db import make_engine, make_sessionmaker, session_scope
from api.service_requests import service
from govchat.settings import Settings
from tests.api.service_requests.conftest import AUTH, request_body
from tests.conftest import new_session


def test_first_reply_after_a_staff_change_starts_with_a_notice(client: TestClient, migrated_settings: Settings) -> None:
    sid = new_session(client)
    created = client.post(
        "/api/v1/service-requests", json=request_body(session_id=sid),
        headers={**AUTH, "Idempotency-Key": "notice-0001"},
    ).json()
    tracking_no = created["tracking_no"]

    def say(text: str, session_id: str = sid) -> list[str]:
        response = client.post("/api/v1/chat", json={"session_id": session_id, "text": text})
        assert response.status_code == 200, response.text
        return [m["text"] for m in response.json()["messages"]]

    assert say("你好") == ["收到：你好"]  # the citizen's own submission needs no notice
    sessions = make_sessionmaker(make_engine(migrated_settings.database_url))
    with session_scope(sessions) as session:
        service.change_status(session=session, tracking_no=tracking_no, to="accepted", actor="staff:5")
        service.change_status(
            session=session, tracking_no=tracking_no, to="rejected", actor="staff:5", reason="户籍不在本市"
        )
    assert say("在吗", session_id=new_session(client)) == ["收到：在吗"]  # other conversations see nothing
    texts = say("在吗")
    assert texts[0].startswith("【办件进度】") and tracking_no in texts[0] and "已受理" in texts[0]
    assert "未予受理，原因：户籍不在本市" in texts[1]
    assert texts[2] == "收到：在吗"
    assert say("好的") == ["收到：好的"]  # shown once
