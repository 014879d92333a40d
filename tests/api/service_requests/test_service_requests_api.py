"""The request API as the action server calls it: create (idempotent), slots, lookup, cancel."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.service_requests.models import ServiceRequest
from tests.api.service_requests.conftest import (
    ID_NUMBER,
    OFFICE,
    PHONE,
    first_bookable_day,
    request_body,
    window_body,
)
from tests.conftest import SAMPLE_HOLIDAYS

URL = "/api/v1/service-requests"


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ServiceRequest)) or 0


def test_requires_the_service_token(client: TestClient) -> None:
    assert client.post(URL, json=request_body(), headers={"Idempotency-Key": "k-00000001"}).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token", "Idempotency-Key": "k-00000001"}
    response = client.post(URL, json=request_body(), headers=wrong)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"{URL}/slots", params={"office": OFFICE}).status_code == 401


def test_create_online_request_returns_tracking_number_and_masks(api: TestClient, sessions: sessionmaker) -> None:
    response = api.post(URL, json=request_body(), headers={"Idempotency-Key": "conv-1-aaaa"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"GZ\d{8}[2-9A-HJ-NP-Z]{8}", body["tracking_no"])
    assert body["status"] == "submitted" and body["status_label"] == "已提交，等待受理"
    assert body["service_title"] == "社会保障卡申领"
    assert body["id_number"] == "520102********123X"
    assert body["phone"] == "139****2345"
    assert body["applicant_name"] == "张**"
    assert ID_NUMBER not in response.text and PHONE not in response.text
    assert [h["status"] for h in body["history"]] == ["submitted"]
    # Stored in full for the service, and committed before the response was sent.
    with sessions() as session:
        stored = session.scalars(select(ServiceRequest)).one()
        assert (stored.id_number, stored.phone, stored.session_id) == (ID_NUMBER, PHONE, "web-abc")


def test_repeated_confirmation_creates_one_request(api: TestClient, sessions: sessionmaker) -> None:
    headers = {"Idempotency-Key": "conv-2-bbbb"}
    first = api.post(URL, json=window_body(), headers=headers)
    second = api.post(URL, json=window_body(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["tracking_no"] == second.json()["tracking_no"]
    assert _count(sessions) == 1
    slots = api.get(f"{URL}/slots", params={"office": OFFICE}).json()["slots"]
    first_slot = next(s for s in slots if s["day"] == first_bookable_day().isoformat() and s["period"] == "09:00-10:00")
    assert first_slot["remaining"] == 4  # one place taken, not two


def test_same_key_with_different_contents_is_refused(api: TestClient, sessions: sessionmaker) -> None:
    headers = {"Idempotency-Key": "conv-3-cccc"}
    assert api.post(URL, json=request_body(), headers=headers).status_code == 201
    response = api.post(URL, json=request_body(phone="13812345678"), headers=headers)
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
    assert _count(sessions) == 1


def test_missing_idempotency_key_is_refused(api: TestClient) -> None:
    response = api.post(URL, json=request_body())
    assert response.status_code == 422 and response.json()["code"] == "invalid_request"


def test_invalid_fields_say_what_is_wrong_and_store_nothing(api: TestClient, sessions: sessionmaker) -> None:
    cases = [
        (request_body(id_number="520102199001011234"), "id_number", "校验码"),
        (request_body(id_number="520102199002301234"), "id_number", "不是一个真实的日期"),
        (request_body(phone="12345678901"), "phone", "手机号段"),
        (request_body(applicant_name="张" * 31), "applicant_name", "最多30个字"),
        (request_body(applicant_name="<script>alert(1)</script>"), "applicant_name", "只能包含汉字"),
        (request_body(applicant_name="Bob'; DROP TABLE x;--"), "applicant_name", "只能包含汉字"),
        (request_body(consent=False), "consent", "同意"),
        (request_body(materials_confirmed=False), "materials_confirmed", "备齐"),
        (window_body(office="'; DELETE FROM appointment_slots; --"), "office", "办理地点"),
        (request_body(guide_id="../../etc/passwd"), "guide_id", "没有找到这个办事事项"),
        (window_body(period="20:00-21:00"), "period", "工作时间"),
    ]
    for n, (body, field, message) in enumerate(cases):
        response = api.post(URL, json=body, headers={"Idempotency-Key": f"bad-field-{n:04d}"})
        assert response.status_code == 422, (field, response.text)
        assert message in response.json()["detail"], (field, response.json())
    assert _count(sessions) == 0


def test_names_with_middle_dot_and_latin_letters_are_accepted(api: TestClient) -> None:
    for n, name in enumerate(["阿卜杜·热合曼", "欧阳娜娜", "Anna Müller"[:4] + "a"]):
        response = api.post(URL, json=request_body(applicant_name=name), headers={"Idempotency-Key": f"name-{n:05d}"})
        assert response.status_code == 201, (name, response.text)


def test_past_weekend_and_far_dates_are_refused(api: TestClient, sessions: sessionmaker) -> None:
    import datetime as dt

    from govchat import calendar

    today = calendar.now().date()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    for n, (day, message) in enumerate(
        [(today, "明天及以后"), (today - dt.timedelta(days=3), "明天及以后"), (saturday, "不是工作日"),
         (today + dt.timedelta(days=60), "天内的工作日")]
    ):
        if day == saturday or calendar.is_working_day(day, SAMPLE_HOLIDAYS) or day <= today:
            response = api.post(URL, json=window_body(day=day), headers={"Idempotency-Key": f"date-{n:05d}"})
            assert response.status_code == 409, response.text
            assert message in response.json()["detail"]
    assert _count(sessions) == 0


def test_slots_list_working_days_and_hours_only(api: TestClient) -> None:
    from govchat import calendar

    response = api.get(f"{URL}/slots", params={"office": OFFICE, "guide_id": "id-card-replacement"})
    assert response.status_code == 200
    slots = response.json()["slots"]
    assert slots and all(s["period"] in calendar.PERIODS for s in slots)
    import datetime as dt

    assert all(calendar.is_working_day(dt.date.fromisoformat(s["day"]), SAMPLE_HOLIDAYS) for s in slots)
    unknown_office = {"office": "不存在的大厅", "guide_id": "id-card-replacement"}
    assert api.get(f"{URL}/slots", params=unknown_office).status_code == 422


def test_full_slot_is_refused_and_nothing_is_stored(api: TestClient, sessions: sessionmaker) -> None:
    for n in range(5):
        body = window_body(id_number="52010219900101123X", applicant_name=f"张{'一二三四五'[n]}")
        assert api.post(URL, json=body, headers={"Idempotency-Key": f"fill-{n:05d}"}).status_code == 201
    response = api.post(URL, json=window_body(applicant_name="李四"), headers={"Idempotency-Key": "fill-late"})
    assert response.status_code == 409 and response.json()["code"] == "slot_full"
    assert "约满" in response.json()["detail"]
    assert _count(sessions) == 5
    day = first_bookable_day().isoformat()
    slots = api.get(f"{URL}/slots", params={"office": OFFICE}).json()["slots"]
    assert not any(s["day"] == day and s["period"] == "09:00-10:00" for s in slots)


def test_lookup_by_tracking_number_and_birth_date(api: TestClient) -> None:
    tracking_no = api.post(URL, json=request_body(), headers={"Idempotency-Key": "look-0001"}).json()["tracking_no"]
    for verifier in ("19900101", "1990-1-1", "出生日期1990年01月01日", "１９９００１０１"):
        response = api.post(f"{URL}/lookup", json={"tracking_no": tracking_no.lower(), "verifier": verifier})
        assert response.status_code == 200, verifier
        assert response.json()["tracking_no"] == tracking_no
        # What the masks show (the last 4 of the ID number and phone) no longer opens the request.
        assert "19900101" not in str(response.json())
    for shown in ("123X", "2345"):
        assert api.post(f"{URL}/lookup", json={"tracking_no": tracking_no, "verifier": shown}).status_code == 404
    wrong = api.post(f"{URL}/lookup", json={"tracking_no": tracking_no, "verifier": "19900102"})
    unknown = api.post(f"{URL}/lookup", json={"tracking_no": "GZ20261126ZZZZZZZZ", "verifier": "19900101"})
    garbage = api.post(f"{URL}/lookup", json={"tracking_no": "' OR 1=1 --", "verifier": "19900101"})
    assert wrong.status_code == unknown.status_code == garbage.status_code == 404
    assert wrong.json() == unknown.json() == garbage.json()  # a wrong pair reveals nothing


def test_cancel_before_acceptance_only(api: TestClient, sessions: sessionmaker) -> None:
    from api.service_requests import service

    first = api.post(URL, json=window_body(), headers={"Idempotency-Key": "cancel-0001"}).json()
    response = api.post(f"{URL}/{first['tracking_no']}/cancel", json={"verifier": "19900101"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert [h["by"] for h in response.json()["history"]] == ["申请人", "申请人"]
    slots = api.get(f"{URL}/slots", params={"office": OFFICE}).json()["slots"]
    day = first_bookable_day().isoformat()
    assert next(s for s in slots if s["day"] == day and s["period"] == "09:00-10:00")["remaining"] == 5
    again = api.post(f"{URL}/{first['tracking_no']}/cancel", json={"verifier": "19900101"})
    assert again.status_code == 409 and again.json()["code"] == "cannot_cancel"

    second = api.post(URL, json=request_body(), headers={"Idempotency-Key": "cancel-0002"}).json()
    with sessions.begin() as session:
        service.change_status(session=session, tracking_no=second["tracking_no"], to="accepted", actor="staff:7")
    response = api.post(f"{URL}/{second['tracking_no']}/cancel", json={"verifier": "19900101"})
    assert response.status_code == 409 and "已经受理" in response.json()["detail"]
    wrong = api.post(f"{URL}/{second['tracking_no']}/cancel", json={"verifier": "19910101"})
    assert wrong.status_code == 404


def test_wrong_verifiers_for_one_tracking_number_are_limited(api: TestClient) -> None:
    """Birth dates are some 30,000 guesses: without a limit per tracking number, anyone who has seen a number
    could find the verifier with the chat (a new session per guess) and then read or cancel the request."""
    tracking_no = api.post(URL, json=request_body(), headers={"Idempotency-Key": "guess-0001"}).json()["tracking_no"]
    other = api.post(URL, json=request_body(phone="13812345678"), headers={"Idempotency-Key": "guess-0002"}).json()
    for n in range(10):
        wrong = api.post(f"{URL}/lookup", json={"tracking_no": tracking_no, "verifier": f"1980-01-{n + 1}"})
        assert wrong.status_code == 404
    for call in (
        lambda: api.post(f"{URL}/lookup", json={"tracking_no": tracking_no.lower(), "verifier": "19900101"}),
        lambda: api.post(f"{URL}/{tracking_no}/cancel", json={"verifier": "19900101"}),
    ):
        locked = call()  # even the right verifier, or the last guess would be the one that works
        assert locked.status_code == 429, locked.text
        assert locked.headers["content-type"] == "application/problem+json"
        assert locked.json()["code"] == "too_many_attempts" and "12345" in locked.json()["detail"]
    fine = api.post(f"{URL}/lookup", json={"tracking_no": other["tracking_no"], "verifier": "19900101"})
    assert fine.status_code == 200  # other requests are not affected
