"""Races of one confirmation, and the items' shared appointment, against a file SQLite database with one connection
per thread (as tests/api/service_requests/test_lifecycle_and_concurrency.py)."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.bundle_requests import service
from api.bundle_requests.models import BundleRequest
from api.bundle_requests.schemas import BundleRequestCreate
from api.db import session_scope
from api.service_requests import service as requests_service
from api.service_requests.models import AppointmentSlot, ServiceRequest, StatusChange
from govchat.settings import Settings
from tests.api.bundle_requests.conftest import bundle_body
from tests.api.service_requests.test_lifecycle_and_concurrency import _run_together


def _create(sessions: sessionmaker[Session], settings: Settings, key: str) -> str:
    with session_scope(sessions) as session:
        bundle, _ = service.create(
            session=session, data=BundleRequestCreate.model_validate(bundle_body()), idempotency_key=key,
            guides_dir=settings.guides_dir, events_dir=settings.life_events_dir,
        )
        return bundle.tracking_no


def test_concurrent_repeats_of_one_confirmation_create_one_bundle(
    sessions: sessionmaker, migrated_settings: Settings
) -> None:
    results = _run_together(6, lambda _: _create(sessions, migrated_settings, "same-bundle-confirmation"))
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 1
    with session_scope(sessions) as session:
        assert session.scalar(select(func.count()).select_from(BundleRequest)) == 1
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == 3
        assert session.scalar(select(func.count()).select_from(StatusChange)) == 3
        assert session.scalars(select(AppointmentSlot)).one().booked == 1


def test_each_item_moves_on_its_own_and_the_shared_place_is_kept_while_needed(
    sessions: sessionmaker, migrated_settings: Settings
) -> None:
    no = _create(sessions, migrated_settings, "bundle-items-1")
    first, second, third = (service.item_number(no, n) for n in (1, 2, 3))
    with session_scope(sessions) as session:
        requests_service.change_status(session=session, tracking_no=second, to="accepted", actor="staff:2")
        requests_service.change_status(
            session=session, tracking_no=first, to="rejected", actor="staff:1", reason="户主信息不符"
        )
        bundle = service.get_by_tracking_no(session=session, tracking_no=no)
        assert bundle is not None
        assert [i.status for i in bundle.items] == ["rejected", "accepted", "submitted"]
        assert [len(i.history) for i in bundle.items] == [2, 2, 1]
        # Only the rejected item needed the visit: its end gives the place back.
        assert session.scalars(select(AppointmentSlot)).one().booked == 0


def test_a_shared_place_is_given_back_by_the_last_item_that_needs_it(
    sessions: sessionmaker, migrated_settings: Settings
) -> None:
    no = _create(sessions, migrated_settings, "bundle-items-2")
    with session_scope(sessions) as session:  # two items at the window, as when two services need the visit
        items = session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)).all()
        items[1].mode, items[1].slot_id = items[0].mode, items[0].slot_id
    with session_scope(sessions) as session:
        requests_service.change_status(
            session=session, tracking_no=service.item_number(no, 1), to="rejected", actor="staff:1", reason="不符"
        )
        assert session.scalars(select(AppointmentSlot)).one().booked == 1
        requests_service.change_status(
            session=session, tracking_no=service.item_number(no, 2), to="rejected", actor="staff:1", reason="不符"
        )
        assert session.scalars(select(AppointmentSlot)).one().booked == 0
