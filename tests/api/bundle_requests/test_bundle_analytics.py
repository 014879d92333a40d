"""Analytics count bundle requests per life event, in the chosen period (China time)."""

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api.bundle_requests.models import BundleRequest
from api.db import session_scope
from tests.api.bundle_requests.conftest import URL, bundle_body
from tests.api.staff.factories import staff_client


def test_bundle_requests_per_event(api: TestClient, sessions: sessionmaker[Session]) -> None:
    online = bundle_body(life_event_id="online-only", office=None, day=None, period=None,
                         items=[{"guide_id": "resident-medical-insurance"}, {"guide_id": "childbirth-registration"}])
    for n, body in enumerate([bundle_body(), bundle_body(session_id="web-2"), online, {**online, "session_id": "x"}]):
        key = f"analytics-bundle-{n}"
        assert api.post(URL, json=body, headers={"Idempotency-Key": key}).status_code == 201
    with session_scope(sessions) as session:  # submitted on fixed days, whatever today is
        session.execute(update(BundleRequest).values(created_at=dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC)))
        session.execute(update(BundleRequest).where(BundleRequest.session_id == "x")
                        .values(created_at=dt.datetime(2026, 10, 1, 2, tzinfo=dt.UTC)))
    analyst = staff_client(api, "analyst")
    body = analyst.get("/api/v1/analytics/overview", params={"date_from": "2026-11-01", "date_to": "2026-11-30"}).json()
    chart = next(c for c in body["charts"] if c["key"] == "bundles_by_event")
    counts = dict(zip(chart["labels"], chart["series"]["申请数"], strict=True))
    assert counts == {"新生儿出生“一件事”": 2, "网上办的一件事": 1}
    assert body["totals"]["bundle_requests"] == 3
    assert analyst.get("/api/v1/analytics/export/bundles_by_event.csv").status_code == 200
