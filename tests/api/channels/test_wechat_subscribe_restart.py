"""The gateway as a real process: a status message that fell due while it was down goes out once after it starts,
and not again after the next restart (the bounded restart test: one gateway process, no Rasa)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.db import session_scope
from api.service_requests import service as requests_service
from govchat.settings import ROOT, Settings
from tests.api.channels.conftest import STATUS
from tests.api.channels.fake_wechat import FakeWeChat
from tests.api.channels.test_wechat_subscribe import OPENID, login, submit, subscribe
from tests.api.service_requests.conftest import request_body
from tests.conftest import free_port

START_SECONDS = 30


def _run_gateway_once(settings: Settings, fake: FakeWeChat, log: Path) -> None:
    """Starts `python -m api`, waits until it answers, then stops it with SIGTERM: the lifespan's shutdown waits for
    the notifier's pass at start-up to finish."""
    port = free_port()
    env = {
        **os.environ,
        "GOVCHAT_ENVIRONMENT": "test",
        "GOVCHAT_DATA_DIR": str(settings.data_dir),
        "GOVCHAT_DATABASE_URL": settings.database_url,
        "GOVCHAT_PORT": str(port),
        "GOVCHAT_RETENTION_RUN_HOUR": "-1",
        "GOVCHAT_WECHAT_APPID": FakeWeChat.APPID,
        "GOVCHAT_WECHAT_SECRET": FakeWeChat.SECRET,
        "GOVCHAT_WECHAT_API_BASE_URL": fake.base_url,
        "GOVCHAT_WECHAT_SUBSCRIBE_STATUS": settings.wechat_subscribe_status.model_dump_json(),
        "GOVCHAT_WECHAT_NOTIFY_INTERVAL_SECONDS": "3600",
    }
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "api"], cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=START_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
            raise


def test_a_change_made_while_down_is_sent_once_across_restarts(
    app_client: TestClient, fake_wechat: FakeWeChat, sessions: sessionmaker[Session], notify_settings: Settings,
    tmp_path: Path,
) -> None:
    auth, session_id = login(app_client)
    no = submit(app_client, session_id, request_body())
    subscribe(app_client, auth, fake_wechat, {STATUS: "accept"})
    fake_wechat.allowances[(OPENID, STATUS)] = 5  # WeChat would take a second one: the gateway must not send it
    with session_scope(sessions) as session:  # staff act while no gateway runs
        requests_service.change_status(session=session, tracking_no=no, to="accepted", actor="staff:1")
    log = tmp_path / "gateway.log"
    _run_gateway_once(notify_settings, fake_wechat, log)
    assert [m["template_id"] for m in fake_wechat.subscribe_sent] == [STATUS], log.read_text()
    _run_gateway_once(notify_settings, fake_wechat, log)
    assert len(fake_wechat.subscribe_sent) == 1
    data = fake_wechat.subscribe_sent[0]["data"]
    assert data["character_string1"]["value"] == no and data["phrase3"]["value"] == "已受理"
