"""Staff see bundle requests masked, each item with its department, and move each item on its own."""

from fastapi.testclient import TestClient

from tests.api.bundle_requests.conftest import URL, bundle_body
from tests.api.service_requests.conftest import AUTH, ID_NUMBER, PHONE
from tests.api.staff.factories import staff_client


def test_agents_list_bundles_and_change_each_item(client: TestClient) -> None:
    body = bundle_body(items=[
        {"guide_id": "birth-registration", "facts": {"baby_name": f"李小宝，联系电话{PHONE}", "relation": "子女"}},
        {"guide_id": "resident-medical-insurance", "facts": {"birth_date": "2026-11-20"}},
        {"guide_id": "social-security-card", "facts": {"pickup": "邮寄"}},
    ])
    response = client.post(URL, json=body, headers={**AUTH, "Idempotency-Key": "staff-bundle-1"})
    assert response.status_code == 201, response.text
    created = response.json()
    agent = staff_client(client, "agent")
    page = agent.get("/api/v1/staff/bundles").json()
    assert page["total"] == 1 and page["items"][0]["tracking_no"] == created["tracking_no"]
    assert [i["department"] for i in page["items"][0]["items"]] == ["公安", "医保", "人社"]
    assert ID_NUMBER not in str(page) and PHONE not in str(page)  # the phone typed into a fact is masked too
    assert agent.get("/api/v1/staff/bundles", params={"life_event_id": "online-only"}).json()["total"] == 0

    item_no = created["items"][0]["tracking_no"]
    changed = agent.post(f"/api/v1/staff/requests/{item_no}/status", json={"to": "accepted"})
    assert changed.status_code == 200
    items = agent.get("/api/v1/staff/bundles").json()["items"][0]["items"]
    assert [i["status"] for i in items] == ["accepted", "submitted", "submitted"]

    analyst = staff_client(client, "analyst")
    assert analyst.get("/api/v1/staff/bundles").status_code == 403
