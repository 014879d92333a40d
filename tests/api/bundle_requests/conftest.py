from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.db import make_engine, make_sessionmaker
from govchat.settings import Settings
from tests.api.service_requests.conftest import AUTH, ID_NUMBER, PHONE, first_bookable_day
from tests.bundle_events import WINDOW, write_events

URL = "/api/v1/bundle-requests"
NEWBORN_ITEMS: list[dict[str, Any]] = [
    {"guide_id": "birth-registration", "facts": {"baby_name": "李小宝", "relation": "子女"}},
    {"guide_id": "resident-medical-insurance", "facts": {"birth_date": "2026-11-20"}},
    {"guide_id": "social-security-card", "facts": {"pickup": "邮寄"}},
]


def bundle_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "session_id": "web-bundle", "life_event_id": "newborn", "applicant_name": "张晓梅", "id_number": ID_NUMBER,
        "phone": PHONE, "office": WINDOW, "day": first_bookable_day().isoformat(), "period": "09:00-10:00",
        "materials_confirmed": True, "consent": True, "items": NEWBORN_ITEMS,
    }
    body.update(overrides)
    return body


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test", data_dir=tmp_path, index_dir=tmp_path / "index",
        life_events_dir=write_events(tmp_path / "life_events"),
    )


@pytest.fixture
def api(client: TestClient) -> TestClient:
    client.headers.update(AUTH)
    return client


@pytest.fixture
def sessions(migrated_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()
