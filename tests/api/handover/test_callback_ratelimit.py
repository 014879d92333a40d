"""The citizens' handover routes are rate limited like the chat: per IP, and per session for the call-back phone."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from govchat.settings import Settings
from tests.api.staff.factories import PHONE, make_conversation
from tests.conftest import FakeRasa


def _client(settings: Settings, fake_rasa: FakeRasa, **limits: str) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=limits), rasa_transport=fake_rasa.transport()))


@pytest.fixture
def per_ip(migrated_settings: Settings, fake_rasa: FakeRasa) -> Iterator[TestClient]:
    with _client(migrated_settings, fake_rasa, rate_limit_per_ip="3/minute", rate_limit_per_session="") as client:
        yield client


@pytest.fixture
def per_session(migrated_settings: Settings, fake_rasa: FakeRasa) -> Iterator[TestClient]:
    with _client(migrated_settings, fake_rasa, rate_limit_per_ip="", rate_limit_per_session="2/minute") as client:
        yield client


def test_callback_is_limited_per_ip(per_ip: TestClient) -> None:
    statuses = [per_ip.post("/api/v1/handover/callback", json={"session_id": f"guess-{i}", "phone": PHONE})
                .status_code for i in range(4)]
    assert statuses == [404, 404, 404, 429]
    refused = per_ip.post("/api/v1/handover/callback", json={"session_id": "guess-9", "phone": PHONE})
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "too_many_requests" and "请稍等" in refused.json()["detail"]
    assert per_ip.get("/api/v1/handover/office-hours").status_code == 429


def test_callback_is_limited_per_session(per_session: TestClient) -> None:
    make_conversation(per_session, session_id="citizen-1", turns=[{"q": "我要找人工", "a": "好的"}])

    def leave(session_id: str, phone: str) -> Any:
        return per_session.post("/api/v1/handover/callback", json={"session_id": session_id, "phone": phone})

    assert [leave("citizen-1", PHONE).status_code for _ in range(2)] == [201, 201]
    overwrite = leave("citizen-1", "13900001111")
    assert overwrite.status_code == 429
    assert leave("citizen-2", PHONE).status_code == 404  # another session has its own budget
