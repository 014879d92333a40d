"""Lifecycle rules of change_status, the last appointment place under concurrent bookings, and idempotency
under concurrent repeats, against a file SQLite database with one connection per thread."""

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.db import session_scope
from api.service_requests import service
from api.service_requests.exceptions import InvalidTransition, ReasonRequired, RequestNotFound, SlotFull
from api.service_requests.models import AppointmentSlot, RequestStatus, ServiceRequest, StatusChange
from api.service_requests.schemas import ServiceRequestCreate, ServiceRequestRead
from govchat import calendar
from govchat.settings import Settings
from tests.api.service_requests.conftest import ID_NUMBER, OFFICE, PHONE, first_bookable_day, request_body, window_body


def _create(sessions: sessionmaker[Session], settings: Settings, key: str, **overrides: object) -> ServiceRequest:
    with session_scope(sessions) as session:
        request, _ = service.create(
            session=session, data=ServiceRequestCreate.model_validate(request_body(**overrides)),
            idempotency_key=key, guides_dir=settings.guides_dir,
        )
        return request


def test_lifecycle_records_time_actor_and_reason(sessions: sessionmaker, migrated_settings: Settings) -> None:
    tracking_no = _create(sessions, migrated_settings, "life-0001").tracking_no
    with session_scope(sessions) as session:
        service.change_status(session=session, tracking_no=tracking_no, to="accepted", actor="staff:3")
        service.change_status(session=session, tracking_no=tracking_no, to="in_progress", actor="staff:3")
        done = service.change_status(
            session=session, tracking_no=tracking_no, to="completed", actor="staff:4", reason="新证已寄出"
        )
        assert done.status == RequestStatus.COMPLETED
        history = [(c.from_status, c.to_status, c.actor, c.reason) for c in done.history]
    assert history == [
        (None, "submitted", "citizen", None),
        ("submitted", "accepted", "staff:3", None),
        ("accepted", "in_progress", "staff:3", None),
        ("in_progress", "completed", "staff:4", "新证已寄出"),
    ]
    with session_scope(sessions) as session, pytest.raises(InvalidTransition):
        service.change_status(session=session, tracking_no=tracking_no, to="accepted", actor="staff:3")


def test_reject_needs_a_reason_and_frees_the_slot(sessions: sessionmaker, migrated_settings: Settings) -> None:
    with session_scope(sessions) as session:
        request, _ = service.create(
            session=session, data=ServiceRequestCreate.model_validate(window_body()),
            idempotency_key="rej-00001", guides_dir=migrated_settings.guides_dir,
        )
        tracking_no = request.tracking_no
    with session_scope(sessions) as session, pytest.raises(ReasonRequired):
        service.change_status(session=session, tracking_no=tracking_no, to="rejected", actor="staff:1", reason=" ")
    with session_scope(sessions) as session:
        service.change_status(
            session=session, tracking_no=tracking_no, to="rejected", actor="staff:1", reason="材料不齐全"
        )
        slot = session.scalars(select(AppointmentSlot)).one()
        assert slot.booked == 0
    with session_scope(sessions) as session, pytest.raises(RequestNotFound):
        service.change_status(session=session, tracking_no="GZ20260101AAAAAAAA", to="accepted", actor="staff:1")


def test_staff_listing_is_masked_and_logs_never_show_personal_data(
    sessions: sessionmaker, migrated_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        tracking_no = _create(sessions, migrated_settings, "mask-0001").tracking_no
        with session_scope(sessions) as session:
            service.change_status(session=session, tracking_no=tracking_no, to="accepted", actor="staff:1")
            listed = [ServiceRequestRead.from_model(r) for r in service.list_requests(session=session)]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert tracking_no in text
    for secret in (ID_NUMBER, PHONE, "张晓梅"):
        assert secret not in text
        assert secret not in listed[0].model_dump_json()


def _run_together(workers: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(workers)
    results: list[object] = [None] * workers

    def run(n: int) -> None:
        barrier.wait()
        try:
            results[n] = work(n)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_citizens_cannot_take_the_last_place(
    sessions: sessionmaker, migrated_settings: Settings, tmp_path: Path
) -> None:
    assert migrated_settings.database_url.startswith("sqlite:///") and "govchat.db" in migrated_settings.database_url
    day = first_bookable_day()
    with session_scope(sessions) as session:  # one place left
        session.add(AppointmentSlot(office=OFFICE, day=day, period="10:00-11:00", capacity=3, booked=2))

    def book(n: int) -> str:
        with session_scope(sessions) as session:
            request, _ = service.create(
                session=session,
                data=ServiceRequestCreate.model_validate(window_body(day=day, period="10:00-11:00")),
                idempotency_key=f"race-citizen-{n}", guides_dir=migrated_settings.guides_dir,
            )
            return request.tracking_no

    results = _run_together(8, book)
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, SlotFull)]
    assert len(winners) == 1 and len(losers) == 7, results
    with session_scope(sessions) as session:
        slot = session.scalars(select(AppointmentSlot)).one()
        assert (slot.booked, slot.capacity) == (3, 3)
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == 1


def test_concurrent_repeats_of_one_confirmation_create_one_request(
    sessions: sessionmaker, migrated_settings: Settings
) -> None:
    def submit(_: int) -> str:
        with session_scope(sessions) as session:
            request, _created = service.create(
                session=session, data=ServiceRequestCreate.model_validate(window_body()),
                idempotency_key="same-confirmation", guides_dir=migrated_settings.guides_dir,
            )
            return request.tracking_no

    results = _run_together(6, submit)
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 1
    with session_scope(sessions) as session:
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == 1
        assert session.scalar(select(func.count()).select_from(StatusChange)) == 1
        assert session.scalars(select(AppointmentSlot)).one().booked == 1


def test_tracking_numbers_are_unique_and_not_sequential() -> None:
    at = calendar.now()
    numbers = {service.new_tracking_no(at) for _ in range(2000)}
    assert len(numbers) == 2000
    suffixes = sorted(n[-8:] for n in numbers)
    assert suffixes[0][:2] != suffixes[-1][:2]  # spread over the alphabet, not counting up
