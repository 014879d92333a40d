"""好差评 of a bundle request: each item as a request, and the whole once every item has ended; retention of a
bundle once its items are anonymised."""

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.bundle_requests import service as bundles_service
from api.db import session_scope, utcnow
from api.feedback.models import Rating
from api.retention import service as retention_service
from api.service_requests import service as requests_service
from api.service_requests.models import StatusChange
from govchat.settings import Settings
from tests.api.bundle_requests.conftest import URL, bundle_body
from tests.api.service_requests.conftest import PHONE

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


def test_retention_anonymises_the_items_and_then_the_bundle(
    api: TestClient, sessions: sessionmaker, migrated_settings: Settings
) -> None:
    created = api.post(URL, json=bundle_body(), headers={"Idempotency-Key": "retain-bundle-1"}).json()
    items = [i["tracking_no"] for i in created["items"]]
    _finish(sessions, items)
    rated = api.post(RATE, json={"tracking_no": created["tracking_no"], "session_id": "web-bundle", "level": "不满意"})
    assert rated.status_code == 201
    with session_scope(sessions) as session:
        rating = session.scalars(select(Rating).where(Rating.bundle_id.is_not(None))).one()
        rating.comment = f"张晓梅说太慢，电话{PHONE}"
        # All three ended long ago.
        long_ago = utcnow() - dt.timedelta(days=migrated_settings.retention_request_days + 10)
        session.execute(update(StatusChange).values(created_at=long_ago))
        report = retention_service.run(session=session, settings=migrated_settings, dry_run=False)
        assert report.requests_to_anonymise == 3
    with session_scope(sessions) as session:
        bundle = bundles_service.get_by_tracking_no(session=session, tracking_no=created["tracking_no"])
        assert bundle is not None
        assert (bundle.session_id, bundle.fingerprint) == (None, "")
        assert bundle.idempotency_key == f"anonymised-bundle-{bundle.id}"
        assert all(i.facts is None and i.id_number == "*" * 18 for i in bundle.items)
        comment = session.scalars(select(Rating).where(Rating.bundle_id == bundle.id)).one().comment or ""
        assert PHONE not in comment and "张晓梅" not in comment
    verification = {"tracking_no": created["tracking_no"], "verifier": "19900101"}
    lookup = api.post("/api/v1/service-requests/lookup", json=verification)
    assert lookup.status_code == 410
