"""The gateway under uvicorn on a free port with a scripted fake Rasa, and headless Debian Chromium."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.conversations import service as conversations
from api.conversations.models import Role
from api.db import make_engine, make_sessionmaker, session_scope
from api.main import create_app
from govchat.settings import ROOT, Settings
from tests.conftest import FakeRasa, migrate

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}

ID_CARD_SOURCE = {"guide_id": "id-card-replacement", "title": "居民身份证补领", "section": "办理材料",
                  "url": "https://zwfw.guizhou.gov.cn/guide/id-card-replacement"}


def scripted_rasa(body: dict[str, Any]) -> dict[str, Any]:
    """Answers like the dialogue does: a guide answer, a follow-up, a clarification, a handover."""
    text = body["message"]
    nlu = {"intent": "ask_service", "confidence": 0.9, "entities": []}
    if "慢" in text:
        time.sleep(1.5)
    if text.startswith("/choose"):
        choice = json.loads(text[len("/choose"):])["guide"]
        return {"messages": [{"text": f"好的，为您介绍「{choice}」：请携带户口簿到户籍所在地派出所办理。",
                              "custom": {"source": ID_CARD_SOURCE}}], "nlu": nlu}
    if "办证" in text:
        return {"messages": [{"text": "您想办理哪一种证件？", "buttons": [
            {"title": "居民身份证", "payload": '/choose{"guide": "居民身份证"}'},
            {"title": "居住证", "payload": '/choose{"guide": "居住证"}'}]}], "nlu": nlu}
    if "身份证" in text:
        return {"messages": [{"text": "补领居民身份证需要：\n1. 户口簿\n2. 近期免冠照片（可现场拍摄）",
                              "buttons": [{"title": "要多少钱", "payload": "要多少钱"},
                                          {"title": "在哪里办", "payload": "在哪里办"}],
                              "custom": {"source": ID_CARD_SOURCE}}], "nlu": nlu}
    if "多少钱" in text:
        return {"messages": [{"text": "补领居民身份证收费 20 元，可以用微信或支付宝支付。",
                              "custom": {"source": {**ID_CARD_SOURCE, "section": "收费标准"}}}], "nlu": nlu}
    if "转人工" in text:
        return {"messages": [{"text": "好的，正在为您转接人工客服。", "custom": {"turn": {"handover": True}}}],
                "nlu": nlu}
    if "注入" in text:
        return {"messages": [{"text": '<img src=x onerror="window.__pwned=1"><b>粗体</b>',
                              "buttons": [{"title": "<i>按钮</i>", "payload": "你好"}],
                              "custom": {"source": {"guide_id": "x", "title": "<script>坏</script>",
                                                    "url": "javascript:window.__pwned=2"}}}], "nlu": nlu}
    return {"messages": [{"text": f"收到：{text}"}], "nlu": nlu}


class Gateway:
    def __init__(self, settings: Settings, fake_rasa: FakeRasa) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = settings
        self.fake_rasa = fake_rasa
        app = create_app(settings, rasa_transport=fake_rasa.transport())
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("gateway did not start")
            time.sleep(0.05)
        self._sessions = make_sessionmaker(make_engine(settings.database_url))

    def staff_says(self, session_id: str, text: str) -> None:
        """What the staff console does when an agent answers a handed-over conversation."""
        with session_scope(self._sessions) as session:
            conversation = conversations.get_by_session_id(session=session, session_id=session_id)
            assert conversation is not None
            conversations.add_message(session=session, conversation=conversation, role=Role.STAFF, text=text)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    data = tmp_path_factory.mktemp("gateway")
    settings = Settings(environment="test", data_dir=data, index_dir=data / "index",
                        rate_limit_per_ip="10000/minute", rate_limit_per_session="1000/minute")
    migrate(settings.database_url)
    fake_rasa = FakeRasa()
    fake_rasa.handler = scripted_rasa
    server = Gateway(settings, fake_rasa)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, gateway: Gateway) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(gateway.url + "/")
    yield page
    context.close()
    assert errors == [], errors


@pytest.fixture(scope="session")
def shoot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

    return take
