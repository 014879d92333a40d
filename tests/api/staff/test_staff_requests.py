"""Staff handle service requests: masked list, detail with history, audited status changes that reach the chat."""

from fastapi.testclient import TestClient

from api.db import session_scope
from api.feedback import service as feedback_service
from api.feedback.schemas import RatingCreate
from api.service_requests import service as requests_service
from api.service_requests.flows import RATING_LEVELS
from api.service_requests.schemas import ServiceRequestCreate
from api.staff import flows
from govchat.settings import Settings
from tests.api.service_requests.conftest import ID_NUMBER, PHONE, request_body
from tests.api.staff.factories import make_conversation, staff_client


def _request(client: TestClient, settings: Settings, session_id: str = "web-abc") -> str:
    make_conversation(client, session_id=session_id, turns=[{"q": "我要补办身份证", "a": "好的"}])
    with session_scope(client.app.state.sessionmaker) as session:
        request, _ = requests_service.create(
            session=session, data=ServiceRequestCreate.model_validate(request_body(session_id=session_id)),
            idempotency_key=f"key-{session_id}", guides_dir=settings.guides_dir,
        )
        return request.tracking_no


def test_agent_lists_and_changes_status_citizen_is_told_and_it_is_audited(
    client: TestClient, migrated_settings: Settings
) -> None:
    tracking_no = _request(client, migrated_settings)
    agent = staff_client(client, "agent")
    page = agent.get("/api/v1/staff/requests").json()
    assert page["total"] == 1
    item = page["items"][0]
    assert item["tracking_no"] == tracking_no and item["applicant_name"] == "张**"
    assert ID_NUMBER not in str(page) and PHONE not in str(page)
    assert agent.get("/api/v1/staff/requests", params={"status": "accepted"}).json()["total"] == 0

    accepted = agent.post(f"/api/v1/staff/requests/{tracking_no}/status", json={"to": "accepted", "reason": "材料齐全"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    detail = agent.get(f"/api/v1/staff/requests/{tracking_no}").json()
    assert [h["status"] for h in detail["history"]] == ["submitted", "accepted"]
    assert detail["history"][-1]["by"] == "工作人员" and detail["history"][-1]["reason"] == "材料齐全"

    polled = client.get("/api/v1/chat/web-abc/messages").json()
    assert polled["messages"][-1]["text"].startswith("【办件进度】")  # the same notice as the chat's own
    assert tracking_no in polled["messages"][-1]["text"] and "已受理" in polled["messages"][-1]["text"]
    assert polled["listen"] is True  # still open: the page keeps its event stream for the next notice
    done = agent.post(f"/api/v1/staff/requests/{tracking_no}/status", json={"to": "completed"})
    assert done.status_code == 200
    polled = client.get("/api/v1/chat/web-abc/messages").json()
    assert "已办结" in polled["messages"][-1]["text"]
    assert [b["title"] for b in polled["messages"][-1]["buttons"]] == list(RATING_LEVELS)
    assert polled["listen"] is False

    bad = agent.post(f"/api/v1/staff/requests/{tracking_no}/status", json={"to": "submitted"})
    assert bad.status_code == 409

    admin = staff_client(client, "admin")
    events = admin.get("/api/v1/staff/audit", params={"action": "request_status"}).json()["items"]
    assert len(events) == 2 and {e["target_id"] for e in events} == {tracking_no}
    assert {"from": "submitted", "to": "accepted", "notified_in_chat": True} in [e["detail"] for e in events]


def test_analyst_cannot_see_requests(client: TestClient, migrated_settings: Settings) -> None:
    tracking_no = _request(client, migrated_settings)
    analyst = staff_client(client, "analyst")
    assert analyst.get("/api/v1/staff/requests").status_code == 403
    assert analyst.post(f"/api/v1/staff/requests/{tracking_no}/status", json={"to": "accepted"}).status_code == 403


def test_poor_ratings_are_follow_up_tasks(client: TestClient) -> None:
    conversation_id = make_conversation(client, session_id="rate-1", turns=[{"q": "问", "a": "答"}])
    with session_scope(client.app.state.sessionmaker) as session:
        feedback_service.create(session=session, data=RatingCreate.model_validate(
            {"session_id": "rate-1", "level": "非常不满意", "comment": f"电话 {PHONE} 没人接"}))
    agent = staff_client(client, "agent")
    tasks = agent.get("/api/v1/staff/follow-ups").json()
    assert len(tasks) == 1 and tasks[0]["conversation_id"] == conversation_id
    assert PHONE not in tasks[0]["comment"]
    done = agent.post(f"/api/v1/staff/follow-ups/{tasks[0]['id']}/done", json={"note": "已电话回访"})
    assert done.status_code == 200 and done.json()["followed_up_by"].startswith("staff:")
    assert agent.get("/api/v1/staff/follow-ups").json() == []
    # The review list filters by rating.
    assert [c["id"] for c in agent.get("/api/v1/review/conversations", params={"rating": "poor"}).json()["items"]] \
        == [conversation_id]


def test_request_search_takes_like_wildcards_literally(client: TestClient, migrated_settings: Settings) -> None:
    tracking_no = _request(client, migrated_settings)
    agent = staff_client(client, "agent")

    def found(q: str) -> int:
        response = agent.get("/api/v1/staff/requests", params={"q": q})
        assert response.status_code == 200, response.text
        return int(response.json()["total"])

    title = agent.get(f"/api/v1/staff/requests/{tracking_no}").json()["service_title"]
    assert found(title[1:3]) == 1 and found(f" {tracking_no[-4:].lower()} ") == 1
    assert found("%") == 0 and found("_") == 0 and found("__") == 0 and found(f"{tracking_no[:2]}%") == 0
    assert found("\\") == 0


def test_open_follow_ups_come_before_finished_ones(client: TestClient) -> None:
    """Old finished tasks must not push open ones past the list's limit."""
    ids: list[int] = []
    with session_scope(client.app.state.sessionmaker) as session:
        for i in range(5):
            make_conversation(client, session_id=f"poor-{i}", turns=[{"q": "问", "a": "答"}])
            rating = feedback_service.create(session=session, data=RatingCreate.model_validate(
                {"session_id": f"poor-{i}", "level": "不满意"}))
            ids.append(rating.id)
        for done in ids[:3]:  # the three oldest are finished
            feedback_service.mark_followed_up(session=session, rating_id=done, actor="staff:1")
    agent = staff_client(client, "agent")
    assert [t["id"] for t in agent.get("/api/v1/staff/follow-ups").json()] == ids[3:]
    everything = agent.get("/api/v1/staff/follow-ups", params={"include_done": True}).json()
    assert [t["id"] for t in everything] == ids[3:] + ids[:3]
    assert [t["followed_up_at"] is None for t in everything] == [True, True, False, False, False]
    with session_scope(client.app.state.sessionmaker) as session:
        assert [r.id for r in flows.follow_ups(session=session, include_done=True, limit=2)] == ids[3:]
