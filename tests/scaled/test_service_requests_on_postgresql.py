"""The last appointment place and a repeated confirmation under concurrency, on PostgreSQL (row locks and a
unique index instead of SQLite's single writer), plus the status lifecycle and notices."""

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.db import make_engine, make_sessionmaker, session_scope
from api.service_requests import flows, service
from api.service_requests.exceptions import SlotFull
from api.service_requests.models import AppointmentSlot, ServiceRequest, StatusChange
from api.service_requests.schemas import ServiceRequestCreate
from govchat.settings import ROOT
from tests.api.service_requests.conftest import OFFICE, first_bookable_day, request_body, window_body
from tests.api.service_requests.test_lifecycle_and_concurrency import _run_together
from tests.conftest import migrate

pytestmark = pytest.mark.scaled
GUIDES = ROOT / "knowledge" / "guides"


@pytest.fixture
def pg_sessions(pg_url: str) -> Iterator[sessionmaker[Session]]:
    migrate(pg_url)
    engine = make_engine(pg_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_two_citizens_cannot_take_the_last_place(pg_sessions: sessionmaker[Session]) -> None:
    day = first_bookable_day()
    with session_scope(pg_sessions) as session:
        session.add(AppointmentSlot(office=OFFICE, day=day, period="10:00-11:00", capacity=3, booked=2))

    def book(n: int) -> str:
        with session_scope(pg_sessions) as session:
            request, _ = service.create(
                session=session,
                data=ServiceRequestCreate.model_validate(window_body(day=day, period="10:00-11:00")),
                idempotency_key=f"pg-race-{n}", guides_dir=GUIDES,
            )
            return request.tracking_no

    results = _run_together(10, book)
    assert sum(isinstance(r, str) for r in results) == 1, results
    assert sum(isinstance(r, SlotFull) for r in results) == 9, results
    with session_scope(pg_sessions) as session:
        assert session.scalars(select(AppointmentSlot)).one().booked == 3
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == 1


def test_concurrent_repeats_of_one_confirmation_create_one_request(pg_sessions: sessionmaker[Session]) -> None:
    def submit(_: int) -> str:
        with session_scope(pg_sessions) as session:
            request, _created = service.create(
                session=session, data=ServiceRequestCreate.model_validate(window_body()),
                idempotency_key="pg-same-confirmation", guides_dir=GUIDES,
            )
            return request.tracking_no

    results = _run_together(8, submit)
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 1
    with session_scope(pg_sessions) as session:
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == 1
        assert session.scalar(select(func.count()).select_from(StatusChange)) == 1
        assert session.scalars(select(AppointmentSlot)).one().booked == 1


def test_lifecycle_and_notices(pg_sessions: sessionmaker[Session]) -> None:
    with session_scope(pg_sessions) as session:
        request, _ = service.create(
            session=session, data=ServiceRequestCreate.model_validate(request_body(session_id="pg-chat")),
            idempotency_key="pg-life-1", guides_dir=GUIDES,
        )
        tracking_no = request.tracking_no
    with session_scope(pg_sessions) as session:
        service.change_status(session=session, tracking_no=tracking_no, to="accepted", actor="staff:1")
        service.change_status(session=session, tracking_no=tracking_no, to="completed", actor="staff:1")
    with session_scope(pg_sessions) as session:
        notices = flows.take_status_notices(session=session, session_id="pg-chat")
    assert len(notices) == 2 and "已办结" in notices[1].text
    assert notices[0].buttons is None and [b["title"] for b in notices[1].buttons or []][0] == "非常满意"
    with session_scope(pg_sessions) as session:
        assert flows.take_status_notices(session=session, session_id="pg-chat") == []
