"""The requests of the conversation that made them: no tracking number or verifier, rating offered once."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.db import session_scope
from api.service_requests import service
from tests.api.service_requests.conftest import request_body

URL = "/api/v1/service-requests"


def _create(api: TestClient, key: str, session_id: str) -> str:
    response = api.post(URL, json=request_body(session_id=session_id), headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.text
    return str(response.json()["tracking_no"])


def test_only_this_sessions_requests_newest_first(api: TestClient) -> None:
    first = _create(api, "sess-key-0001", "web-mine")
    second = _create(api, "sess-key-0002", "web-mine")
    _create(api, "sess-key-0003", "web-other")
    body = api.get(f"{URL}/by-session/web-mine").json()
    assert [r["tracking_no"] for r in body["requests"]] == [second, first]
    assert body["requests"][0]["id_number"] == "520102********123X"  # masked as everywhere
    assert api.get(f"{URL}/by-session/web-nobody").json()["requests"] == []


def test_needs_the_service_token_and_a_plain_session_id(client: TestClient, api: TestClient) -> None:
    assert client.get(f"{URL}/by-session/web-mine", headers={"Authorization": "Bearer x"}).status_code == 401
    assert api.get(f"{URL}/by-session/web%20mine").status_code == 422


def test_ratable_once_finished_and_until_rated(api: TestClient, sessions: sessionmaker[Session]) -> None:
    no = _create(api, "sess-key-0004", "web-mine")
    assert api.get(f"{URL}/by-session/web-mine").json()["requests"][0]["ratable"] is False
    with session_scope(sessions) as session:
        service.change_status(session=session, tracking_no=no, to="accepted", actor="staff:1")
        service.change_status(session=session, tracking_no=no, to="completed", actor="staff:1")
    [request] = api.get(f"{URL}/by-session/web-mine").json()["requests"]
    assert request["status_label"] == "已办结" and request["ratable"] is True
    rated = api.post("/api/v1/ratings/from-chat", json={"tracking_no": no, "session_id": "web-mine", "level": "满意"})
    assert rated.status_code == 201, rated.text
    assert api.get(f"{URL}/by-session/web-mine").json()["requests"][0]["ratable"] is False
