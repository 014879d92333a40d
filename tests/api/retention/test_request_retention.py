"""Retention of service requests: ended requests lose the applicant's personal data after
GOVCHAT_RETENTION_REQUEST_DAYS, in the same run, report and audit as conversations; open requests are never touched."""

from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.db import session_scope, utcnow
from api.feedback.models import Rating, RatingLevel
from api.retention import __main__ as retention_cli
from api.retention import service as retention_service
from api.service_requests import service as requests_service
from api.service_requests.models import RequestStatus, ServiceRequest, StatusChange
from govchat.settings import Settings
from tests.api.staff.factories import staff_client

AUTH = {"Authorization": "Bearer dev-service-token"}
NAME = "张晓梅"
ID_NUMBER = "52010219900101123X"
PHONE = "13985012345"
BIRTH_DATE = ID_NUMBER[6:14]  # the tracking verifier
_keys = count(1)


def _body(session_id: str) -> dict[str, Any]:
    return {"session_id": session_id, "guide_id": "social-security-card", "applicant_name": NAME,
            "id_number": ID_NUMBER, "phone": PHONE, "mode": "online", "materials_confirmed": True, "consent": True}


def _days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def make_request(client: TestClient, *, path: list[RequestStatus], days_ago: int, reason: str | None = None,
                 session_id: str = "web-sr", key: str | None = None) -> str:
    """A request moved along `path`; every date (submission, each change) set `days_ago` days back."""
    response = client.post("/api/v1/service-requests", json=_body(session_id),
                           headers={**AUTH, "Idempotency-Key": key or f"test-key-{next(_keys):04d}"})
    assert response.status_code == 201, response.text
    tracking_no: str = response.json()["tracking_no"]
    at = _days_ago(days_ago)
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        for status in path:
            requests_service.change_status(session=session, tracking_no=tracking_no, to=status, actor="staff:1",
                                           reason=reason if status == RequestStatus.REJECTED else None)
        request = requests_service.get_by_tracking_no(session=session, tracking_no=tracking_no)
        assert request is not None
        session.execute(update(StatusChange).where(StatusChange.request_id == request.id).values(created_at=at))
        session.execute(update(ServiceRequest).where(ServiceRequest.id == request.id)
                        .values(created_at=at, updated_at=at, consent_at=at))
    return tracking_no


def load(client: TestClient, tracking_no: str) -> ServiceRequest:
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        request = requests_service.get_by_tracking_no(session=session, tracking_no=tracking_no)
        assert request is not None
        session.expunge(request)
        return request


DONE = [RequestStatus.ACCEPTED, RequestStatus.COMPLETED]
REASON = f"申请人{NAME}（身份证{ID_NUMBER.lower()}，电话{PHONE}）材料不全，另留电话13900001111"


@pytest.fixture
def seeded(client: TestClient) -> dict[str, str]:
    return {
        "completed_old": make_request(client, path=DONE, days_ago=2000),
        "rejected_old": make_request(client, path=[RequestStatus.REJECTED], days_ago=2000, reason=REASON),
        "cancelled_old": make_request(client, path=[RequestStatus.CANCELLED], days_ago=1900),
        "completed_recent": make_request(client, path=DONE, days_ago=1000),
        "in_progress_old": make_request(client, path=[RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS],
                                        days_ago=2500),
        "submitted_old": make_request(client, path=[], days_ago=2500),
    }


def test_the_default_keeps_ended_requests_five_years() -> None:
    settings = Settings(environment="test")
    assert settings.retention_request_days == 1825
    assert settings.retention_request_days > settings.retention_identified_days


def test_dry_run_counts_only_ended_requests_past_the_period(client: TestClient, seeded: dict[str, str]) -> None:
    admin = staff_client(client, "admin")
    report = admin.get("/api/v1/retention/report").json()
    assert report["dry_run"] and report["request_days"] == 1825
    assert report["requests_to_anonymise"] == 3
    assert report["requests_open_past_period"] == 2
    assert report["oldest_request_end"][:10] == _days_ago(2000).date().isoformat()
    for tracking_no in seeded.values():  # a dry run changes nothing
        request = load(client, tracking_no)
        assert request.anonymised_at is None and request.id_number == ID_NUMBER


def test_run_anonymises_due_requests_and_keeps_what_statistics_need(
    client: TestClient, seeded: dict[str, str]
) -> None:
    before = {name: load(client, no) for name, no in seeded.items()}
    admin = staff_client(client, "admin")
    done = admin.post("/api/v1/retention/run").json()
    assert not done["dry_run"] and done["requests_to_anonymise"] == 3

    for name in ("completed_old", "rejected_old", "cancelled_old"):
        old, new = before[name], load(client, seeded[name])
        assert new.anonymised_at is not None
        assert (new.applicant_name, new.id_number, new.phone) == ("张**", "*" * 18, "*" * 11)
        assert new.session_id is None and new.fingerprint == ""
        assert new.idempotency_key == f"anonymised-{new.id}"
        # Countable: tracking number, service, mode, status, dates and the history stay.
        assert (new.tracking_no, new.guide_id, new.service_title, new.mode, new.status) == \
            (old.tracking_no, old.guide_id, old.service_title, old.mode, old.status)
        assert (new.created_at, new.updated_at, new.consent_at) == (old.created_at, old.updated_at, old.consent_at)
        assert [(c.to_status, c.created_at) for c in new.history] == [(c.to_status, c.created_at) for c in old.history]

    reason = load(client, seeded["rejected_old"]).history[-1].reason or ""
    for gone in (NAME, ID_NUMBER, ID_NUMBER.lower(), PHONE, "13900001111"):
        assert gone not in reason
    assert "张**" in reason and "139****1111" in reason and "材料不全" in reason

    for name in ("completed_recent", "in_progress_old", "submitted_old"):
        untouched = load(client, seeded[name])
        assert untouched.anonymised_at is None
        assert (untouched.applicant_name, untouched.id_number, untouched.phone) == (NAME, ID_NUMBER, PHONE)
        assert untouched.idempotency_key == before[name].idempotency_key


def test_a_second_run_finds_nothing_and_changes_nothing(client: TestClient, seeded: dict[str, str]) -> None:
    admin = staff_client(client, "admin")
    assert admin.post("/api/v1/retention/run").json()["requests_to_anonymise"] == 3
    first = {name: load(client, no) for name, no in seeded.items()}
    again = admin.post("/api/v1/retention/run").json()
    assert again["requests_to_anonymise"] == 0 and again["requests_open_past_period"] == 2
    for name, tracking_no in seeded.items():
        request = load(client, tracking_no)
        assert (request.anonymised_at, request.applicant_name, request.updated_at) == \
            (first[name].anonymised_at, first[name].applicant_name, first[name].updated_at)
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        request = requests_service.get_by_tracking_no(session=session, tracking_no=seeded["completed_old"])
        assert request is not None
        assert requests_service.anonymise(session=session, request=request, at=utcnow()) is False


def test_runs_are_audited_with_the_request_counts(client: TestClient, seeded: dict[str, str]) -> None:
    admin = staff_client(client, "admin")
    admin.post("/api/v1/retention/run")
    admin.post("/api/v1/retention/run")
    audit = admin.get("/api/v1/staff/audit", params={"action": "retention_run"}).json()
    assert audit["total"] == 2
    assert sorted(item["detail"]["requests_to_anonymise"] for item in audit["items"]) == [0, 3]


def test_cli_run_anonymises_and_records_the_run(client: TestClient, migrated_settings: Settings,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    tracking_no = make_request(client, path=DONE, days_ago=2000)
    monkeypatch.setattr(retention_cli, "get_settings", lambda: migrated_settings)
    assert retention_cli.main(["report"]) == 0
    assert '"requests_to_anonymise": 1' in capsys.readouterr().out
    assert load(client, tracking_no).anonymised_at is None
    assert retention_cli.main(["run"]) == 0
    assert load(client, tracking_no).anonymised_at is not None
    audit = staff_client(client, "admin").get("/api/v1/staff/audit", params={"action": "retention_run"}).json()
    assert audit["total"] == 1 and audit["items"][0]["username"] == "cli"


def test_the_period_is_the_setting_and_counts_from_the_end(client: TestClient, migrated_settings: Settings) -> None:
    # Submitted long ago but ended 40 days ago: due with 30 days, not with 60.
    tracking_no = make_request(client, path=DONE, days_ago=2000)
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        request = requests_service.get_by_tracking_no(session=session, tracking_no=tracking_no)
        assert request is not None
        session.execute(update(StatusChange).where(StatusChange.request_id == request.id,
                                                   StatusChange.to_status == RequestStatus.COMPLETED)
                        .values(created_at=_days_ago(40)))
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        sixty = migrated_settings.model_copy(update={"retention_request_days": 60})
        assert retention_service.run(session=session, settings=sixty, dry_run=True).requests_to_anonymise == 0
        thirty = migrated_settings.model_copy(update={"retention_request_days": 30})
        assert retention_service.run(session=session, settings=thirty, dry_run=True).requests_to_anonymise == 1


def test_lookup_cancel_and_rating_of_an_anonymised_request_say_why(client: TestClient) -> None:
    tracking_no = make_request(client, path=DONE, days_ago=2000)
    staff_client(client, "admin").post("/api/v1/retention/run")
    for verifier in (BIRTH_DATE, PHONE[-4:], "0000"):
        response = client.post("/api/v1/service-requests/lookup",
                               json={"tracking_no": tracking_no, "verifier": verifier}, headers=AUTH)
        assert response.status_code == 410, response.text
        body = response.json()
        assert body["code"] == "request_anonymised" and "保存期限" in body["detail"] and "12345" in body["detail"]
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "tracking_no" not in body and "history" not in body
    # Not counted as wrong guesses: the 12th try still gets the explanation, not 429.
    for _ in range(10):
        client.post("/api/v1/service-requests/lookup", json={"tracking_no": tracking_no, "verifier": "1111"},
                    headers=AUTH)
    response = client.post("/api/v1/service-requests/lookup",
                           json={"tracking_no": tracking_no, "verifier": BIRTH_DATE}, headers=AUTH)
    assert response.status_code == 410
    cancel = client.post(f"/api/v1/service-requests/{tracking_no}/cancel", json={"verifier": BIRTH_DATE},
                         headers=AUTH)
    assert cancel.status_code == 410 and cancel.json()["code"] == "request_anonymised"
    rating = client.post("/api/v1/ratings", json={"level": "满意", "tracking_no": tracking_no,
                                                  "verifier": BIRTH_DATE})
    assert rating.status_code == 410 and rating.json()["code"] == "request_anonymised"


def test_lookup_of_unknown_numbers_and_not_yet_due_requests_is_unchanged(client: TestClient) -> None:
    tracking_no = make_request(client, path=DONE, days_ago=100)
    staff_client(client, "admin").post("/api/v1/retention/run")
    ok = client.post("/api/v1/service-requests/lookup", json={"tracking_no": tracking_no, "verifier": BIRTH_DATE},
                     headers=AUTH)
    assert ok.status_code == 200 and ok.json()["anonymised_at"] is None
    unknown = client.post("/api/v1/service-requests/lookup",
                          json={"tracking_no": "GZ20200101ABCDEFGH", "verifier": BIRTH_DATE}, headers=AUTH)
    assert unknown.status_code == 404 and unknown.json()["code"] == "request_not_found"


def test_the_requests_rating_comment_and_follow_up_note_are_masked(client: TestClient) -> None:
    tracking_no = make_request(client, path=DONE, days_ago=2000)
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        request = requests_service.get_by_tracking_no(session=session, tracking_no=tracking_no)
        assert request is not None
        session.add(Rating(request_id=request.id, level=RatingLevel.VERY_DISSATISFIED, score=1,
                           comment=f"我是{NAME}，电话{PHONE}，等了很久", needs_follow_up=True,
                           follow_up_note=f"已回访{NAME} {PHONE}", created_at=_days_ago(2000)))
    staff_client(client, "admin").post("/api/v1/retention/run")
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        rating = session.scalars(select(Rating).where(Rating.request_id.is_not(None))).one()
        kept = f"{rating.comment} {rating.follow_up_note}"
        assert NAME not in kept and PHONE not in kept and "等了很久" in kept and rating.score == 1


def test_the_same_answers_after_anonymisation_start_a_new_request(client: TestClient) -> None:
    """The old idempotency key is gone with the data it hashed: the actions' key for the same answers creates a
    new request instead of finding an ended, anonymised one."""
    tracking_no = make_request(client, path=DONE, days_ago=2000, key="rasa-same-answers")
    staff_client(client, "admin").post("/api/v1/retention/run")
    again = client.post("/api/v1/service-requests", json=_body("web-sr"),
                        headers={**AUTH, "Idempotency-Key": "rasa-same-answers"})
    assert again.status_code == 201 and again.json()["tracking_no"] != tracking_no


def test_an_open_request_cannot_be_anonymised_directly(client: TestClient) -> None:
    tracking_no = make_request(client, path=[RequestStatus.ACCEPTED], days_ago=3000)
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        request = requests_service.get_by_tracking_no(session=session, tracking_no=tracking_no)
        assert request is not None
        with pytest.raises(ValueError):
            requests_service.anonymise(session=session, request=request, at=utcnow())
