"""Fixtures shared by every test package: isolated settings, a migrated database, a gateway with a fake Rasa, and
(session-scoped, only for the tests that ask) the real system started once: action server, Rasa server and gateway,
each its own process, by the same code as `make run` (govchat.stack), on free ports and a temporary data directory.
"""

import datetime as dt
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine

from api.chat import sessions as chat_sessions
from api.main import create_app
from govchat import calendar
from govchat.settings import ROOT, Settings
from govchat.stack import Stack, Supervisor, prepare, supervised

# One knowledge index for every test that starts real processes: built once (a cold build embeds ~1,000 chunks),
# then `python -m knowledge build` finds it up to date, in this run and the next.
TEST_INDEX_DIR = ROOT / "var" / "test-index"

FakeRasaHandler = Callable[[dict[str, Any]], dict[str, Any]]


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def migrate(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "heads")


def schema_diff(database_url: str) -> list[Any]:
    """What autogenerate would still change after migrating to every head: empty when no model change lacks a
    migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from api.models import Base

    migrate(database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))
    finally:
        engine.dispose()


# Property tests draw the same examples on every run (a CI run must not fail on the draw of the day) and have no
# deadline (timing on 2 shared cores is not what they test).
hypothesis_settings.register_profile("govchat", derandomize=True, deadline=None)
hypothesis_settings.load_profile("govchat")

# Tests never read the real date: bookings, working days and "today" see this Monday unless a test freezes another
# instant with `freeze_now` (a weekend, a year-end). Processes started for end-to-end tests keep the real clock.
FROZEN_NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=calendar.TZ)
# The holiday table a freshly migrated gateway holds (its migration seeds it from the shipped sample).
SAMPLE_HOLIDAYS = calendar.load_holiday_table(calendar.SHIPPED_HOLIDAYS)


@pytest.fixture(autouse=True)
def freeze_now(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    def freeze(at: dt.datetime) -> None:
        monkeypatch.setattr(calendar, "now", lambda: at)

    freeze(FROZEN_NOW)
    return freeze


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def stack_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("govchat-e2e")
    gateway_port = free_port()
    return Settings(
        environment="test",
        data_dir=data_dir,
        index_dir=TEST_INDEX_DIR,
        port=gateway_port,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        action_server_url=f"http://127.0.0.1:{free_port()}",
        rasa_token="e2e-rasa-token",
        service_token="e2e-service-token",
        action_server_token="e2e-action-token",
    )


@pytest.fixture(scope="session")
def supervised_stack(stack_settings: Settings) -> Iterator[tuple[Stack, Supervisor]]:
    prepare(stack_settings)
    # A small session bound, so the e2e tests see Rasa start new sessions (bot/channels/govchat.py).
    # The whole-turn smoke test sends ~50 messages from one address in a minute: above the public per-IP limit.
    running = Stack(
        stack_settings,
        Path(stack_settings.data_dir) / "logs",
        extra_env={"GOVCHAT_MAX_SESSION_EVENTS": "40", "GOVCHAT_RATE_LIMIT_PER_IP": "1000/minute"},
    )
    try:
        running.start()
        running.wait_ready()
        with supervised(running) as supervisor:  # as `make run`: a part that dies comes back
            yield running, supervisor
    except Exception:
        print_logs(running)
        raise
    finally:
        running.stop()


def print_logs(stack: Stack) -> None:
    for log in sorted(stack.log_dir.glob("*.log")):
        tail = log.read_text(errors="replace")[-3000:]
        print(f"----- {log.name} -----\n{tail}")  # noqa: T201 - shown by pytest on failure


@pytest.fixture(scope="session")
def stack(supervised_stack: tuple[Stack, Supervisor]) -> Stack:
    return supervised_stack[0]


@pytest.fixture(scope="session")
def supervisor(supervised_stack: tuple[Stack, Supervisor]) -> Supervisor:
    return supervised_stack[1]


@pytest.fixture(scope="session")
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.settings.gateway_url, timeout=30.0) as client:
        yield client


def new_session(client: TestClient) -> str:
    """A web chat session id as `POST /api/v1/chat/sessions` issues it, without spending a request of the
    per-address rate limit."""
    return chat_sessions.issue(client.app.state.settings.secret_key.get_secret_value())  # type: ignore[attr-defined]
