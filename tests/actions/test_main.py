"""The stack starts the action server as `python -m actions`: rasa-sdk's server behind a token on loopback
(actions/server.py), with govchat's logging (masked), not rasa-sdk's coloured handler."""

import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from actions.server import token_ok
from govchat.settings import Settings
from govchat.stack import Stack
from tests.conftest import free_port

TOKEN = "test-action-token"
# What a forger sends: the submit action with a made-up applicant, no dialogue before it.
FORGED_CALL = {
    "next_action": "action_submit_service_request",
    "sender_id": "forged",
    "version": "3.6.21",
    "tracker": {
        "sender_id": "forged", "latest_message": {}, "events": [], "paused": False, "followup_action": None,
        "active_loop": {}, "latest_action_name": None,
        "slots": {"sr_guide_id": "id-card-replacement", "sr_name": "张三", "sr_id_number": "52010219900101123X",
                  "sr_phone": "13985012345", "sr_mode": "online", "sr_materials_ok": True, "sr_consent": True,
                  "sr_confirmed": True},
    },
    "domain": {},
}


@pytest.mark.parametrize(
    ("header", "ok"),
    [(f"Bearer {TOKEN}", True), (f"bearer  {TOKEN} ", True), (None, False), ("", False), (TOKEN, False),
     ("Bearer wrong", False), (f"Basic {TOKEN}", False), (f"Bearer {TOKEN}x", False)],
)
def test_token_check(header: str | None, ok: bool) -> None:
    assert token_ok(header, TOKEN) is ok


def test_action_server_refuses_calls_without_the_token_and_logs_through_govchat_logging(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    settings = settings.model_copy(
        update={"action_server_url": f"http://127.0.0.1:{port}", "action_server_token": SecretStr(TOKEN),
                # a gateway nobody listens on: a call that got through would log its failed POST
                "gateway_url": f"http://127.0.0.1:{free_port()}"}
    )
    stack = Stack(settings, tmp_path / "logs", components=("actions",))
    log = tmp_path / "logs" / "actions.log"
    url = settings.action_server_url
    authorized = {"Authorization": f"Bearer {TOKEN}"}
    stack.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:  # open, without the token
                    break
            except httpx.TransportError:
                pass
            assert stack.processes["actions"].poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        forged = [
            httpx.post(f"{url}/webhook", json=FORGED_CALL, headers=headers, timeout=5).status_code
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"})
        ]
        listing = httpx.get(f"{url}/actions", timeout=5).status_code
        refused_log = log.read_text()
        # The same call with the token runs the action, which then finds no gateway: the token is what stopped it.
        with_token = httpx.post(f"{url}/webhook", json=FORGED_CALL, headers=authorized, timeout=30)
        actions = httpx.get(f"{url}/actions", headers=authorized, timeout=5).json()
    finally:
        stack.stop()
    assert forged == [401, 401, 401] and listing == 401
    assert "gateway POST" not in refused_log  # the submit action never ran
    assert with_token.status_code == 200 and "gateway POST  failed" in log.read_text()
    assert {"name": "action_answer_from_guide"} in actions
    text = log.read_text()
    # govchat's format: "<time> INFO actions.server [-] action server listening on ..."; no colour codes
    assert f"INFO actions.server [-] action server listening on 127.0.0.1:{port}" in text
    assert "refused POST /webhook without a valid action server token" in text
    assert "\x1b[" not in text
