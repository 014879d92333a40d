"""A repeated confirmation of one bundle request under concurrency, on PostgreSQL (a unique index and row locks
instead of SQLite's single writer)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.bundle_requests import service
from api.bundle_requests.models import BundleRequest
from api.bundle_requests.schemas import BundleRequestCreate
from api.db import make_engine, make_sessionmaker, session_scope
from api.service_requests.models import AppointmentSlot, ServiceRequest
from govchat.settings import ROOT
from tests.api.bundle_requests.conftest import bundle_body
from tests.api.service_requests.test_lifecycle_and_concurrency import _run_together
from tests.bundle_events import write_events
from tests.conftest import migrate

pytestmark = pytest.mark.scaled
GUIDES = ROOT / "knowledge" / "guides"


@pytest.fixture
def pg_sessions(pg_url: str) -> Iterator[sessionmaker[Session]]:
    migrate(pg_url)
    engine = make_engine(pg_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_concurrent_repeats_of_one_confirmation_create_one_bundle(
    pg_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    events = write_events(tmp_path / "life_events")

    def submit(_: int) -> str:
        with session_scope(pg_sessions) as session:
            bundle, _created = service.create(
                session=session, data=BundleRequestCreate.model_validate(bundle_body()),
                idempotency_key="pg-same-bundle", guides_dir=GUIDES, events_dir=events,
            )
            return bundle.tracking_no

    results = _run_together(8, submit)
    assert all(isinstance(r, str) for r in results) and len(set(results)) == 1, results
    with session_scope(pg_sessions) as session:
        assert session.scalar(select(func.count()).select_from(BundleRequest)) == 1
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == 3
        assert session.scalars(select(AppointmentSlot)).one().booked == 1
