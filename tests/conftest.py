"""Fixtures shared by every test package: isolated settings, a migrated database and a gateway with a fake Rasa."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient

from api.main import create_app
from govchat.settings import ROOT, Settings

# One knowledge index for every test that starts real processes: built once (a cold build embeds ~1,000 chunks),
# then `python -m knowledge build` finds it up to date, in this run and the next.
TEST_INDEX_DIR = ROOT / "var" / "test-index"

FakeRasaHandler = Callable[[dict[str, Any]], dict[str, Any]]


def migrate(database_url: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    command.upgrade(config, "heads")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(environment="test", data_dir=tmp_path, index_dir=tmp_path / "index")


@pytest.fixture
def migrated_settings(settings: Settings) -> Settings:
    migrate(settings.database_url)
    return settings


class FakeRasa:
    """Stands in for the Rasa server's govchat channel; tests set `handler` to shape its replies."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.handler: FakeRasaHandler = lambda body: {
            "messages": [{"text": f"收到：{body['message']}", "buttons": None, "custom": None}],
            "nlu": {"intent": "ask_service", "confidence": 0.9, "entities": []},
        }
        self.down = False

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            if self.down:
                raise httpx.ConnectError("connection refused", request=request)
            if request.url.path == "/status":
                return httpx.Response(200, json={"model_id": "fake"})
            body = json.loads(request.content)
            self.received.append(body)
            return httpx.Response(200, json=self.handler(body))

        return httpx.MockTransport(handle)


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def client(migrated_settings: Settings, fake_rasa: FakeRasa) -> Iterator[TestClient]:
    with TestClient(create_app(migrated_settings, rasa_transport=fake_rasa.transport())) as test_client:
        yield test_client
