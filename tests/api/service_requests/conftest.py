import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.db import make_engine, make_sessionmaker
from govchat import calendar
from govchat.settings import Settings
from tests.conftest import SAMPLE_HOLIDAYS

GUIDE_ID = "id-card-replacement"  # window only: photo and fingerprints are taken there
ONLINE_GUIDE_ID = "social-security-card"
OFFICE = "贵阳市政务服务中心公安户政窗口"
ID_NUMBER = "52010219900101123X"
PHONE = "13985012345"
AUTH = {"Authorization": "Bearer dev-service-token"}


def first_bookable_day() -> dt.date:
    return calendar.bookable_days(at=calendar.now(), table=SAMPLE_HOLIDAYS)[0]


def request_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "session_id": "web-abc",
        "guide_id": ONLINE_GUIDE_ID,
        "applicant_name": "张晓梅",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "mode": "online",
        "materials_confirmed": True,
        "consent": True,
    }
    body.update(overrides)
    return body


def window_body(day: dt.date | None = None, period: str = "09:00-10:00", **overrides: Any) -> dict[str, Any]:
    body = {
        "guide_id": GUIDE_ID, "mode": "window", "office": OFFICE, "day": (day or first_bookable_day()).isoformat(),
        "period": period,
    }
    return request_body(**{**body, **overrides})


@pytest.fixture
def api(client: TestClient) -> TestClient:
    client.headers.update(AUTH)
    return client


@pytest.fixture
def sessions(migrated_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()
