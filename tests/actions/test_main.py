"""The stack starts the action server as `python -m actions`: rasa-sdk's server with govchat's logging (masked),
not rasa-sdk's coloured handler."""

import time
from pathlib import Path

import httpx

from govchat.settings import Settings
from govchat.stack import Stack
from tests.conftest import free_port


def test_action_server_starts_and_logs_through_govchat_logging(settings: Settings, tmp_path: Path) -> None:
    settings = settings.model_copy(update={"action_server_url": f"http://127.0.0.1:{free_port()}"})
    stack = Stack(settings, tmp_path / "logs", components=("actions",))
    log = tmp_path / "logs" / "actions.log"
    stack.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{settings.action_server_url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert stack.processes["actions"].poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        actions = httpx.get(f"{settings.action_server_url}/actions", timeout=5).json()
    finally:
        stack.stop()
    assert {"name": "action_answer_from_guide"} in actions
    text = log.read_text()
    # govchat's format: "<time> INFO rasa_sdk.endpoint [-] Starting action endpoint server..."; no colour codes
    assert "INFO rasa_sdk.endpoint [-] Starting action endpoint server" in text
    assert "\x1b[" not in text
