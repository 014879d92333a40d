"""One application for a life event: one tracking number, one item per service with its own department and facts,
idempotent like single requests, one appointment at the one window."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.bundle_requests.models import BundleRequest
from api.db import make_engine, make_sessionmaker, session_scope
from api.service_requests import service as requests_service
from api.service_requests.models import AppointmentSlot, ServiceRequest
from govchat.settings import Settings
from tests.api.bundle_requests.conftest import NEWBORN_ITEMS, URL, bundle_body
from tests.api.service_requests.conftest import ID_NUMBER, PHONE
from tests.api.staff.factories import PASSWORD, StaffClient, staff_client
from tests.conftest import new_session


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        bundles = session.scalar(select(func.count()).select_from(BundleRequest)) or 0
        items = session.scalar(select(func.count()).select_from(ServiceRequest)) or 0
        return bundles, items


def test_requires_the_service_token(client: TestClient) -> None:
    response = client.post(URL, json=bundle_body(), headers={"Idempotency-Key": "bundle-0001"})
    assert response.status_code == 401


def test_one_tracking_number_and_one_item_per_service(api: TestClient, sessions: sessionmaker) -> None:
    response = api.post(URL, json=bundle_body(), headers={"Idempotency-Key": "bundle-0001"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"GZ\d{8}[2-9A-HJ-NP-Z]{8}", body["tracking_no"])
    assert body["event_title"] == "新生儿出生“一件事”"
    assert [i["service_title"] for i in body["items"]] == ["出生登记", "城乡居民基本医疗保险参保登记", "社会保障卡申领"]
    assert [i["tracking_no"] for i in body["items"]] == [body["tracking_no"] + n for n in ("01", "02", "03")]
    assert {i["status"] for i in body["items"]} == {"submitted"}
    # Birth registration needs the one visit; the other two are handled online.
    assert [i["mode"] for i in body["items"]] == ["window", "online", "online"]
    assert (body["office"], body["period"]) == (bundle_body()["office"], "09:00-10:00")
    assert body["items"][0]["facts"] == [
        {"key": "baby_name", "question": "宝宝的姓名是？", "value": "李小宝"},
        {"key": "relation", "question": "您与户主的关系是？", "value": "子女"},
    ]
    assert body["id_number"] == "520102********123X" and ID_NUMBER not in response.text and PHONE not in response.text
    with sessions() as session:
        items = session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)).all()
        assert [i.department for i in items] == ["公安", "医保", "人社"]
        assert {(i.id_number, i.phone, i.session_id) for i in items} == {(ID_NUMBER, PHONE, "web-bundle")}
        assert items[1].facts == {"birth_date": {"question": "宝宝的出生日期是？", "value": "2026-11-20"}}
        assert session.scalars(select(AppointmentSlot)).one().booked == 1


def test_repeat_returns_the_same_bundle_and_other_contents_are_refused(
    api: TestClient, sessions: sessionmaker
) -> None:
    headers = {"Idempotency-Key": "bundle-0002"}
    first = api.post(URL, json=bundle_body(), headers=headers)
    second = api.post(URL, json=bundle_body(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    other = api.post(URL, json=bundle_body(phone="13985099999"), headers=headers)
    assert other.status_code == 409
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["code"] == "idempotency_key_reused" and "内容不同" in other.json()["detail"]
    assert _counts(sessions) == (1, 3)


def test_online_only_bundle_books_nothing(api: TestClient, sessions: sessionmaker) -> None:
    body = bundle_body(
        life_event_id="online-only", office=None, day=None, period=None,
        items=[{"guide_id": "resident-medical-insurance"}, {"guide_id": "childbirth-registration"}],
    )
    response = api.post(URL, json=body, headers={"Idempotency-Key": "bundle-0003"})
    assert response.status_code == 201, response.text
    assert {i["mode"] for i in response.json()["items"]} == {"online"}
    assert response.json()["office"] is None
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AppointmentSlot)) == 0
    visit = api.post(URL, json={**body, "office": "某窗口"}, headers={"Idempotency-Key": "bundle-0004"})
    assert visit.status_code == 422 and "不需要预约" in visit.json()["detail"]


def test_bad_input_is_refused_in_chinese_and_leaves_nothing(api: TestClient, sessions: sessionmaker) -> None:
    cases = [
        (bundle_body(life_event_id="no-such-event"), "unknown_life_event", "没有找到"),
        (bundle_body(items=NEWBORN_ITEMS[:1]), "invalid_field", "至少包含两个"),
        (bundle_body(items=[*NEWBORN_ITEMS, {"guide_id": "birth-medical-certificate"}]), "invalid_field",
         "不能一起申请"),
        (bundle_body(items=[NEWBORN_ITEMS[0], NEWBORN_ITEMS[0]]), "invalid_field", "只能申请一次"),
        (bundle_body(items=[{"guide_id": "birth-registration", "facts": {"relation": "子女"}}, *NEWBORN_ITEMS[1:]]),
         "invalid_field", "宝宝的姓名"),
        (bundle_body(items=[*NEWBORN_ITEMS[:2], {"guide_id": "social-security-card", "facts": {"pickup": "快递"}}]),
         "invalid_field", "邮寄、自取"),
        (bundle_body(items=[NEWBORN_ITEMS[0], {"guide_id": "resident-medical-insurance",
                                               "facts": {"birth_date": "上周"}}]), "invalid_field", "日期"),
        (bundle_body(items=[NEWBORN_ITEMS[0], {"guide_id": "resident-medical-insurance",
                                               "facts": {"birth_date": "2026-11-20", "x": "1"}}]),
         "invalid_field", "不需要填写"),
        (bundle_body(office="贵阳市政务服务中心"), "invalid_field", "统一受理"),
        (bundle_body(day=None), "invalid_field", "日期和时段"),
        (bundle_body(id_number="520102199001011234"), "invalid_field", "身份证"),
        (bundle_body(consent=False), "invalid_field", "同意"),
    ]
    for n, (body, code, words) in enumerate(cases):
        response = api.post(URL, json=body, headers={"Idempotency-Key": f"bad-bundle-{n:04d}"})
        assert response.status_code == 422, (n, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == code and words in response.json()["detail"], (n, response.json())
    assert _counts(sessions) == (0, 0)


def test_lookup_by_the_bundle_number_shows_each_item(api: TestClient) -> None:
    created = api.post(URL, json=bundle_body(), headers={"Idempotency-Key": "bundle-0005"}).json()
    lookup = "/api/v1/service-requests/lookup"
    found = api.post(lookup, json={"tracking_no": created["tracking_no"].lower(), "verifier": "19900101"})
    assert found.status_code == 200, found.text
    assert [i["status_label"] for i in found.json()["items"]] == ["已提交，等待受理"] * 3
    assert found.json()["tracking_no"] == created["tracking_no"]
    # An item's own number finds that item, as a single request.
    item = api.post(lookup, json={"tracking_no": created["items"][2]["tracking_no"], "verifier": "1990-1-1"})
    assert item.status_code == 200 and item.json()["service_title"] == "社会保障卡申领"
    wrong = api.post(lookup, json={"tracking_no": created["tracking_no"], "verifier": "19900102"})
    assert wrong.status_code == 404 and wrong.json()["code"] == "request_not_found"


def test_the_conversation_sees_its_bundle_with_items_apart_from_single_requests(api: TestClient) -> None:
    created = api.post(URL, json=bundle_body(), headers={"Idempotency-Key": "bundle-0006"}).json()
    single = {
        "session_id": "web-bundle", "guide_id": "social-security-card", "applicant_name": "张晓梅",
        "id_number": ID_NUMBER, "phone": PHONE, "mode": "online", "materials_confirmed": True, "consent": True,
    }
    assert api.post("/api/v1/service-requests", json=single, headers={"Idempotency-Key": "single-0001"}).is_success
    page = api.get("/api/v1/service-requests/by-session/web-bundle").json()
    assert [r["service_title"] for r in page["requests"]] == ["社会保障卡申领"]
    assert [b["tracking_no"] for b in page["bundles"]] == [created["tracking_no"]]
    assert [i["ratable"] for i in page["bundles"][0]["items"]] == [False, False, False]


def test_an_items_status_change_reaches_the_chat_as_a_single_requests_does(
    api: TestClient, migrated_settings: Settings
) -> None:
    sid = new_session(api)
    created = api.post(URL, json=bundle_body(session_id=sid), headers={"Idempotency-Key": "bundle-0007"}).json()
    item_no = created["items"][1]["tracking_no"]
    sessions = make_sessionmaker(make_engine(migrated_settings.database_url))
    with session_scope(sessions) as session:
        requests_service.change_status(session=session, tracking_no=item_no, to="accepted", actor="staff:5")
        requests_service.change_status(session=session, tracking_no=item_no, to="completed", actor="staff:5")
    texts = [m["text"] for m in api.post("/api/v1/chat", json={"session_id": sid, "text": "在吗"}).json()["messages"]]
    assert "城乡居民基本医疗保险参保登记" in texts[0] and item_no in texts[0] and "已受理" in texts[0]
    assert "已办结" in texts[1] and texts[2] == "收到：在吗"


def test_a_bundle_is_not_cancelled_online_as_a_whole(api: TestClient) -> None:
    no = api.post(URL, json=bundle_body(), headers={"Idempotency-Key": "bundle-0008"}).json()["tracking_no"]
    wrong = api.post(f"/api/v1/service-requests/{no}/cancel", json={"verifier": "19900102"})
    assert wrong.status_code == 404  # the applicant is verified before anything is said about the number
    refused = api.post(f"/api/v1/service-requests/{no}/cancel", json={"verifier": "19900101"})
    assert refused.status_code == 409 and refused.json()["code"] == "cannot_cancel"
    assert "综合窗口" in refused.json()["detail"]


def test_the_notice_that_ends_the_last_item_asks_to_rate_the_bundle_once(
    api: TestClient, migrated_settings: Settings
) -> None:
    sid = new_session(api)
    created = api.post(URL, json=bundle_body(session_id=sid), headers={"Idempotency-Key": "bundle-0009"}).json()
    sessions = make_sessionmaker(make_engine(migrated_settings.database_url))
    *first, last = [item["tracking_no"] for item in created["items"]]
    with session_scope(sessions) as session:
        for no in first:
            for status in ("accepted", "completed"):
                requests_service.change_status(session=session, tracking_no=no, to=status, actor="staff:5")
    before = api.post("/api/v1/chat", json={"session_id": sid, "text": "在吗"}).json()["messages"]
    assert not any("整体评价" in m["text"] for m in before)  # one item is still open
    with session_scope(sessions) as session:
        requests_service.change_status(session=session, tracking_no=last, to="rejected", actor="staff:5",
                                       reason="材料不全")
    after = api.post("/api/v1/chat", json={"session_id": sid, "text": "好的"}).json()["messages"]
    rate = [m for m in after if "整体评价" in m["text"]]
    assert len(rate) == 1 and created["tracking_no"] in rate[0]["text"]
    assert all(created["tracking_no"] + '"' in b["payload"] for b in rate[0]["buttons"])
    again = api.post("/api/v1/chat", json={"session_id": sid, "text": "谢谢"}).json()["messages"]
    assert not any("整体评价" in m["text"] for m in again)


def test_staff_ending_the_last_item_posts_the_bundles_rating_to_the_chat(api: TestClient) -> None:
    sid = new_session(api)
    created = api.post(URL, json=bundle_body(session_id=sid), headers={"Idempotency-Key": "bundle-0010"}).json()
    api.post("/api/v1/chat", json={"session_id": sid, "text": "在吗"})  # the conversation the notices go to
    agent = staff_client(api, "agent")
    for n, item in enumerate(created["items"]):
        for status in ("accepted", "completed"):
            changed = agent.post(f"/api/v1/staff/requests/{item['tracking_no']}/status", json={"to": status})
            assert changed.status_code == 200, changed.text
        texts = [m["text"] for m in api.get(f"/api/v1/chat/{sid}/messages").json()["messages"]]
        assert any("整体评价" in t for t in texts) == (n == len(created["items"]) - 1)


def test_an_agent_of_a_department_changes_only_its_departments_items(api: TestClient) -> None:
    created = api.post(URL, json=bundle_body(), headers={"Idempotency-Key": "bundle-0011"}).json()
    police_item, insurance_item, _ = [item["tracking_no"] for item in created["items"]]  # 公安, 医保, 人社
    admin = staff_client(api, "admin")
    assert "医保" in admin.get("/api/v1/staff/departments").json()
    wrong = admin.post("/api/v1/staff/accounts", json={"username": "yb1", "role": "agent", "department": "医保局局",
                                                       "password": PASSWORD})
    assert wrong.status_code == 422 and "没有“医保局局”这个部门" in wrong.json()["detail"]
    made = admin.post("/api/v1/staff/accounts", json={"username": "yb1", "role": "agent", "department": "医保",
                                                      "password": PASSWORD})
    assert made.status_code == 201 and made.json()["department"] == "医保"
    insurance_agent = StaffClient(api, "yb1")
    refused = insurance_agent.post(f"/api/v1/staff/requests/{police_item}/status", json={"to": "accepted"})
    assert refused.status_code == 403 and "公安" in refused.json()["detail"]
    assert insurance_agent.post(f"/api/v1/staff/requests/{insurance_item}/status",
                                json={"to": "accepted"}).status_code == 200
    # The one window's agents (no department) and admins change any item.
    assert staff_client(api, "agent").post(f"/api/v1/staff/requests/{police_item}/status",
                                           json={"to": "accepted"}).status_code == 200
    account = next(u for u in admin.get("/api/v1/staff/accounts").json() if u["username"] == "yb1")
    cleared = admin.patch(f"/api/v1/staff/accounts/{account['id']}", json={"department": ""})
    assert cleared.status_code == 200 and cleared.json()["department"] is None
