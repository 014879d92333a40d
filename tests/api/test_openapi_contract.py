"""The OpenAPI schema is the contract: schemathesis sends what the schema allows (and what it does not) to the
in-process gateway with a fake Rasa, and every answer must be documented there, in status, media type and shape,
and none may be a server error. Bounded and deterministic: a fixed number of examples per operation, derandomised."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import CheckContext
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import create_app
from govchat.settings import Settings
from tests.conftest import FakeRasa, migrate


def not_a_server_error(_ctx: CheckContext, response: Response, _case: schemathesis.Case) -> None:
    """503 is a documented answer (WeChat not configured here, /readyz without Rasa's index); any other 5xx is a
    bug."""
    assert response.status_code < 500 or response.status_code == 503, f"server error {response.status_code}"


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Building the app reads no database and starts nothing; only the schema is needed at collection.
schema = schemathesis.openapi.from_dict(create_app(Settings(environment="test")).openapi()).exclude(
    path_regex=r"/events$"  # a server-sent event stream stays open for minutes: tested in tests/api/channels
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    data_dir: Path = tmp_path_factory.mktemp("contract")
    # No per-IP or per-session limit, so that the operations tested last are not all answered 429; /readyz asks
    # the action server on a closed port, which answers at once.
    settings_ = Settings(environment="test", data_dir=data_dir, index_dir=data_dir / "index",
                         action_server_url="http://127.0.0.1:9", rate_limit_per_ip="", rate_limit_per_session="")
    migrate(settings_.database_url)
    application = create_app(settings_, rasa_transport=FakeRasa().transport())
    with TestClient(application):  # runs the lifespan: database, Rasa client
        yield application


@schema.parametrize()
@settings(max_examples=20, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_in_the_contract(case: schemathesis.Case, app: FastAPI) -> None:
    case.call_and_validate(app=app, checks=CHECKS)


def test_the_schema_lists_problem_answers_and_429_says_when_to_retry(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    chat = paths["/api/v1/chat"]["post"]["responses"]
    assert {"400", "413", "422", "429"} <= chat.keys()
    assert "application/problem+json" in chat["429"]["content"] and "application/json" not in chat["422"]["content"]
    assert {"401", "403", "404", "409"} <= paths["/api/v1/handover/{conversation_id}/claim"]["post"]["responses"].keys()
    for _ in range(10):
        client.post("/api/v1/staff/login", json={"username": "wu", "password": "x"})
    limited = client.post("/api/v1/staff/login", json={"username": "wu", "password": "x"})
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60


def test_a_short_idempotency_key_is_called_short_not_empty(client: TestClient) -> None:
    response = client.post("/api/v1/service-requests", json={},
                           headers={"Authorization": "Bearer dev-service-token", "Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert "Idempotency-Key：内容过短，至少 8 个字符" in response.json()["detail"]
