"""`python -m actions` serves the actions with govchat's logging (masked), not rasa-sdk's coloured handler."""

import subprocess
import sys
import time
from pathlib import Path

import httpx

from govchat.settings import ROOT
from tests.conftest import free_port


def test_action_server_starts_and_logs_through_govchat_logging(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "actions.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "actions", "--port", str(port)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        actions = httpx.get(f"http://127.0.0.1:{port}/actions", timeout=5).json()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert {"name": "action_answer_from_guide"} in actions
    text = log.read_text()
    # govchat's format: "<time> INFO rasa_sdk.endpoint [-] Starting action endpoint server..."; no colour codes
    assert "INFO rasa_sdk.endpoint [-] Starting action endpoint server" in text
    assert "\x1b[" not in text
