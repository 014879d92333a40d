import logging

import pytest
from fastapi.testclient import TestClient

from govchat.logging import request_id_var
from tests.conftest import FakeRasa, new_session


def test_a_callers_request_id_is_kept_and_returned(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a.9"})
    assert response.headers["x-request-id"] == "nginx-4f2a.9"


@pytest.mark.parametrize("given", [None, "", "含中文", "a" * 65, "id with spaces", "x;drop"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_fresh_one(client: TestClient, given: str | None) -> None:
    headers = {} if given is None else {"X-Request-ID": given.encode()}
    first = client.get("/healthz", headers=headers).headers["x-request-id"]
    second = client.get("/healthz", headers=headers).headers["x-request-id"]
    assert len(first) == 16 and first.isalnum()
    assert first != second


def test_log_lines_of_a_request_carry_its_id(client: TestClient, fake_rasa: FakeRasa) -> None:
    seen: list[str] = []

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(request_id_var.get())

    logger = logging.getLogger("api.chat.service")
    recorder = Recorder()
    logger.addHandler(recorder)
    fake_rasa.down = True  # the chat turn then logs a warning inside the request
    try:
        client.post("/api/v1/chat", json={"session_id": new_session(client), "text": "你好"},
                    headers={"X-Request-ID": "abc123"})
    finally:
        logger.removeHandler(recorder)
    assert "abc123" in seen
