"""The running action server refuses action calls that do not come from Rasa (issue 18): a forged submission
stores nothing, while Rasa, which sends the token, runs every action (the other e2e tests)."""

import httpx
import pytest

from govchat.settings import Settings
from govchat.stack import Stack
from tests.actions.test_main import FORGED_CALL
from tests.e2e.test_service_request import count_requests

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer dev-action-token"}], ids=["none", "wrong"])
def test_a_forged_submission_creates_nothing(stack: Stack, stack_settings: Settings, headers: dict[str, str]) -> None:
    response = httpx.post(f"{stack_settings.action_server_url}/webhook", json=FORGED_CALL, headers=headers, timeout=10)
    assert response.status_code == 401
    assert count_requests(stack_settings, FORGED_CALL["sender_id"]) == 0
