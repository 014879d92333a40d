"""好差评 of a bundle request: each item as a request, and the whole once every item has ended."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.db import session_scope
from api.service_requests import service as requests_service
from tests.api.bundle_requests.conftest import URL, bundle_body

RATE = "/api/v1/ratings/from-chat"


def _finish(sessions: sessionmaker[Session], numbers: list[str]) -> None:
    with session_scope(sessions) as session:
        for no in numbers:
            requests_service.change_status(session=session, tracking_no=no, to="accepted", actor="staff:1")
            requests_service.change_status(session=session, tracking_no=no, to="completed", actor="staff:1")


def test_the_whole_is_rated_once_every_item_has_ended(api: TestClient, sessions: sessionmaker) -> None:
    created = api.post(URL, json=bundle_body(), headers={"Idempotency-Key": "rate-bundle-1"}).json()
    no, items = created["tracking_no"], [i["tracking_no"] for i in created["items"]]
    _finish(sessions, items[:2])
    early = api.post(RATE, json={"tracking_no": no, "session_id": "web-bundle", "level": "满意"})
    assert early.status_code == 409 and "都办结后" in early.json()["detail"]
    # A finished item is rated on its own meanwhile.
    item = api.post(RATE, json={"tracking_no": items[0], "session_id": "web-bundle", "level": "满意"})
    assert item.status_code == 201
    page = api.get("/api/v1/service-requests/by-session/web-bundle").json()["bundles"][0]
    assert page["ratable"] is False and [i["ratable"] for i in page["items"]] == [False, True, False]

    with session_scope(sessions) as session:
        requests_service.change_status(session=session, tracking_no=items[2], to="rejected", actor="staff:2",
                                       reason="已有社保卡")
    assert api.get("/api/v1/service-requests/by-session/web-bundle").json()["bundles"][0]["ratable"] is True
    other = api.post(RATE, json={"tracking_no": no, "session_id": "web-other", "level": "满意"})
    assert other.status_code == 404  # only the conversation that applied rates from the chat
    rated = api.post(RATE, json={"tracking_no": no, "session_id": "web-bundle", "level": "不满意"})
    assert rated.status_code == 201 and rated.json()["needs_follow_up"] is True
    again = api.post(RATE, json={"tracking_no": no, "session_id": "web-bundle", "level": "满意"})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert api.get("/api/v1/service-requests/by-session/web-bundle").json()["bundles"][0]["ratable"] is False


def test_the_whole_is_rated_on_the_web_with_the_birth_date(
    client: TestClient, api: TestClient, sessions: sessionmaker
) -> None:
    created = api.post(URL, json=bundle_body(), headers={"Idempotency-Key": "rate-bundle-2"}).json()
    _finish(sessions, [i["tracking_no"] for i in created["items"]])
    client.headers.pop("Authorization")
    body = {"level": "非常满意", "tracking_no": created["tracking_no"]}
    assert client.post("/api/v1/ratings", json={**body, "verifier": "19900102"}).status_code == 404
    assert client.post("/api/v1/ratings", json={**body, "verifier": "19900101"}).status_code == 201
