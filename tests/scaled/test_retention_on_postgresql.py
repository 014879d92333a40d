"""Retention of Rasa's tracker store in the scaled profile: the `<gateway database>_rasa` PostgreSQL database."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.db import session_scope, utcnow
from api.main import create_app
from api.retention import service
from govchat.settings import Settings
from tests.api.staff.factories import SAMPLE_TURNS, make_conversation
from tests.api.staff.test_retention_tracker import EVENTS_PER_SENDER, add_events, events_by_sender
from tests.conftest import FakeRasa, migrate

pytestmark = pytest.mark.scaled


@pytest.fixture
def scaled_settings(pg_url: str, tmp_path: Path) -> Settings:
    migrate(pg_url)
    return Settings(environment="test", data_dir=tmp_path, database_url=pg_url, rasa_endpoints="endpoints.scaled.yml")


@pytest.fixture
def pg_client(scaled_settings: Settings, fake_rasa: FakeRasa) -> Iterator[TestClient]:
    with TestClient(create_app(scaled_settings, rasa_transport=fake_rasa.transport())) as client:
        yield client


def _tracker_events(client: TestClient, settings: Settings, *, dry_run: bool) -> int:
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        return service.run(session=session, settings=settings, dry_run=dry_run).tracker_events_to_delete


def test_old_tracker_events_are_deleted_on_postgresql(pg_client: TestClient, scaled_settings: Settings) -> None:
    url = scaled_settings.rasa_tracker_url
    assert url == f"{scaled_settings.database_url}_rasa"
    assert _tracker_events(pg_client, scaled_settings, dry_run=False) == 0  # Rasa has not created its table yet

    make_conversation(pg_client, session_id="old-anon", turns=SAMPLE_TURNS, created_at=utcnow() - timedelta(days=400))
    make_conversation(pg_client, session_id="new-anon", turns=SAMPLE_TURNS)
    add_events(url, {"old-anon": 400, "new-anon": 1})
    assert _tracker_events(pg_client, scaled_settings, dry_run=True) == EVENTS_PER_SENDER
    assert events_by_sender(url) == {"old-anon": EVENTS_PER_SENDER, "new-anon": EVENTS_PER_SENDER}
    assert _tracker_events(pg_client, scaled_settings, dry_run=False) == EVENTS_PER_SENDER
    assert events_by_sender(url) == {"new-anon": EVENTS_PER_SENDER}
