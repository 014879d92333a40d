from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from govchat.settings import Settings
from tests.conftest import FakeRasa, new_session


@pytest.fixture
def limited(migrated_settings: Settings, fake_rasa: FakeRasa) -> Iterator[TestClient]:
    settings = migrated_settings.model_copy(update={"rate_limit_per_session": "3/minute",
                                                    "rate_limit_per_ip": "5/minute"})
    with TestClient(create_app(settings, rasa_transport=fake_rasa.transport())) as client:
        yield client


def test_per_session_limit_is_a_polite_chinese_429(limited: TestClient) -> None:
    sid = new_session(limited)
    statuses = [limited.post("/api/v1/chat", json={"session_id": sid, "text": "你好"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = limited.post("/api/v1/chat", json={"session_id": sid, "text": "你好"})
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "too_many_requests"
    assert "请稍等" in body["detail"] and "秒" in body["detail"]


def test_per_ip_limit_counts_every_session(limited: TestClient) -> None:
    statuses = [limited.post("/api/v1/chat", json={"session_id": new_session(limited), "text": "你好"}).status_code
                for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_malformed_json_is_still_400_under_limits(limited: TestClient) -> None:
    response = limited.post("/api/v1/chat", content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 400
