"""好差评 through POST /api/v1/ratings: by conversation, by request, one each, poor ones flagged."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.db import make_engine, make_sessionmaker, session_scope
from api.feedback import service as feedback
from api.feedback.models import Rating
from api.service_requests import service as requests_service
from govchat.settings import Settings
from tests.api.service_requests.conftest import AUTH, request_body
from tests.conftest import new_session

URL = "/api/v1/ratings"


def _sessions(settings: Settings) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(settings.database_url))


def _talk(client: TestClient) -> str:
    """A conversation to rate; returns its session id."""
    session_id = new_session(client)
    assert client.post("/api/v1/chat", json={"session_id": session_id, "text": "身份证丢了怎么补办"}).status_code == 200
    return session_id


def test_rate_a_conversation_once(client: TestClient) -> None:
    sid = _talk(client)
    response = client.post(URL, json={"session_id": sid, "level": "满意", "score": 4, "comment": "很清楚"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["score"] == 4 and body["needs_follow_up"] is False and "感谢" in body["message"]
    again = client.post(URL, json={"session_id": sid, "level": "非常满意"})
    assert again.status_code == 409 and again.json()["detail"] == "您已经评价过了，感谢您的反馈！"


def test_poor_ratings_are_flagged_for_follow_up(client: TestClient, migrated_settings: Settings) -> None:
    for level in ["不满意", "非常不满意", "基本满意"]:
        response = client.post(URL, json={"session_id": _talk(client), "level": level, "comment": "<b>等太久</b>"})
        assert response.status_code == 201
        assert response.json()["needs_follow_up"] is (level != "基本满意")
    with session_scope(_sessions(migrated_settings)) as session:
        flagged = feedback.list_follow_ups(session=session)
        assert [r.level for r in flagged] == ["不满意", "非常不满意"]
        assert flagged[0].comment == "<b>等太久</b>"  # stored as text; pages escape it when they render
        feedback.mark_followed_up(session=session, rating_id=flagged[0].id, actor="staff:2", note="已电话回访")
    with session_scope(_sessions(migrated_settings)) as session:
        assert len(feedback.list_follow_ups(session=session)) == 1


def test_a_poor_rating_without_a_phone_asks_for_one_before_promising_a_call(client: TestClient) -> None:
    anonymous = _talk(client)
    asked = client.post(URL, json={"session_id": anonymous, "level": "非常不满意"}).json()
    assert asked["asks_for_contact"] is True and "留下手机号" in asked["message"]
    assert "会尽快联系" not in asked["message"]
    with_phone = _talk(client)
    left = client.post("/api/v1/handover/callback", json={"session_id": with_phone, "phone": "13985012345"})
    assert left.status_code == 201
    promised = client.post(URL, json={"session_id": with_phone, "level": "不满意"}).json()
    assert promised["asks_for_contact"] is False and "会尽快联系您" in promised["message"]
    happy = _talk(client)
    assert client.post(URL, json={"session_id": happy, "level": "满意"}).json()["asks_for_contact"] is False


def test_bad_ratings_are_refused(client: TestClient) -> None:
    sid = _talk(client)
    cases = [
        ({"session_id": sid, "level": "还行"}, 422),
        ({"session_id": sid, "level": "满意", "score": 1}, 422),
        ({"session_id": sid, "level": "满意", "comment": "长" * 501}, 422),
        ({"level": "满意"}, 422),
        ({"session_id": sid, "tracking_no": "GZ1", "verifier": "19900101", "level": "满意"}, 422),
        ({"session_id": "no-such-session", "level": "满意"}, 404),
        ({"tracking_no": "GZ20261126ZZZZZZZZ", "verifier": "19900101", "level": "满意"}, 404),
    ]
    for body, status in cases:
        response = client.post(URL, json=body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_rate_a_request_after_it_is_completed(client: TestClient, migrated_settings: Settings) -> None:
    created = client.post(
        "/api/v1/service-requests", json=request_body(), headers={**AUTH, "Idempotency-Key": "rate-req-1"}
    ).json()
    tracking_no = created["tracking_no"]
    early = client.post(URL, json={"tracking_no": tracking_no, "verifier": "19900101", "level": "满意"})
    assert early.status_code == 409 and "办结后" in early.json()["detail"]
    sessions = _sessions(migrated_settings)
    with session_scope(sessions) as session:
        for to in ("accepted", "completed"):
            requests_service.change_status(session=session, tracking_no=tracking_no, to=to, actor="staff:1")
    wrong = client.post(URL, json={"tracking_no": tracking_no, "verifier": "19900102", "level": "满意"})
    assert wrong.status_code == 404
    ok = client.post(URL, json={"tracking_no": tracking_no, "verifier": "19900101", "level": "非常不满意"})
    assert ok.status_code == 201 and ok.json()["needs_follow_up"] is True
    again = client.post(URL, json={"tracking_no": tracking_no, "verifier": "19900101", "level": "满意"})
    assert again.status_code == 409
    with sessions() as session:
        rating = session.scalars(select(Rating)).one()
        assert rating.request_id is not None and rating.conversation_id is None


def test_rating_buttons_in_the_chat_rate_the_request_of_that_conversation(
    client: TestClient, migrated_settings: Settings
) -> None:
    created = client.post(
        "/api/v1/service-requests", json=request_body(session_id="chat-rate-1"),
        headers={**AUTH, "Idempotency-Key": "rate-chat-1"},
    ).json()
    tracking_no = created["tracking_no"]
    url = URL + "/from-chat"
    body = {"tracking_no": tracking_no, "session_id": "chat-rate-1", "level": "不满意"}
    assert client.post(url, json=body).status_code == 401  # the action server's credential is required
    early = client.post(url, json=body, headers=AUTH)
    assert early.status_code == 409 and early.json()["code"] == "not_ratable"
    with session_scope(_sessions(migrated_settings)) as session:
        for to in ("accepted", "completed"):
            requests_service.change_status(session=session, tracking_no=tracking_no, to=to, actor="staff:1")
    other = client.post(url, json={**body, "session_id": "someone-else"}, headers=AUTH)
    assert other.status_code == 404  # only the conversation that made the request
    ok = client.post(url, json=body, headers=AUTH)
    assert ok.status_code == 201 and ok.json()["needs_follow_up"] is True and "联系您" in ok.json()["message"]
    assert client.post(url, json=body, headers=AUTH).json()["code"] == "already_rated"


def test_the_completed_notice_carries_rating_buttons(client: TestClient, migrated_settings: Settings) -> None:
    sid = new_session(client)
    tracking_no = client.post(
        "/api/v1/service-requests", json=request_body(session_id=sid),
        headers={**AUTH, "Idempotency-Key": "rate-chat-2"},
    ).json()["tracking_no"]
    with session_scope(_sessions(migrated_settings)) as session:
        for to in ("accepted", "completed"):
            requests_service.change_status(session=session, tracking_no=tracking_no, to=to, actor="staff:1")
    messages = client.post("/api/v1/chat", json={"session_id": sid, "text": "你好"}).json()["messages"]
    assert messages[0]["buttons"] is None and "已受理" in messages[0]["text"]
    assert "已办结" in messages[1]["text"]
    assert [b["title"] for b in messages[1]["buttons"]] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert messages[1]["buttons"][3]["payload"] == (
        '/rate_request{"rating_level": "不满意", "sr_tracking_no": "' + tracking_no + '"}'
    )


def test_rating_by_tracking_number_cannot_be_used_to_guess_the_verifier(client: TestClient) -> None:
    tracking_no = client.post(
        "/api/v1/service-requests", json=request_body(), headers={**AUTH, "Idempotency-Key": "rate-guess-1"}
    ).json()["tracking_no"]
    for n in range(10):
        body = {"tracking_no": tracking_no, "verifier": f"1980-01-{n + 1}", "level": "满意"}
        assert client.post(URL, json=body).status_code == 404
    right = client.post(URL, json={"tracking_no": tracking_no, "verifier": "19900101", "level": "满意"})
    assert right.status_code == 429 and right.json()["code"] == "too_many_attempts"
