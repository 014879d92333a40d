from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from api.db import make_engine, make_sessionmaker
from api.main import create_app
from govchat.settings import Settings, SubscribeTemplate
from tests.api.channels.fake_wechat import FakeWeChat
from tests.conftest import FakeRasa

TOKEN = "govchat-push-token"
# A valid 43-character EncodingAESKey (base64 of 32 bytes without the trailing "=").
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest.fixture(scope="session")
def fake_wechat_server() -> Iterator[FakeWeChat]:
    server = FakeWeChat()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_wechat(fake_wechat_server: FakeWeChat) -> FakeWeChat:
    fake_wechat_server.reset()
    return fake_wechat_server


@pytest.fixture
def wechat_settings(migrated_settings: Settings, fake_wechat: FakeWeChat) -> Settings:
    return migrated_settings.model_copy(update={
        "wechat_appid": FakeWeChat.APPID,
        "wechat_secret": SecretStr(FakeWeChat.SECRET),
        "wechat_token": SecretStr(TOKEN),
        "wechat_encoding_aes_key": SecretStr(AES_KEY),
        "wechat_api_base_url": fake_wechat.base_url,
    })


@pytest.fixture
def wx_client(wechat_settings: Settings, fake_rasa: FakeRasa) -> Iterator[TestClient]:
    with TestClient(create_app(wechat_settings, rasa_transport=fake_rasa.transport())) as test_client:
        yield test_client


# Subscribe messages: template ids set; the notifier off (tests call send_due) unless a test turns it on.
STATUS, REMINDER, READY = "T-STATUS", "T-REMINDER", "T-READY"


@pytest.fixture
def notify_settings(wechat_settings: Settings) -> Settings:
    update: dict[str, Any] = {"wechat_notify_interval_seconds": 0}  # tests call send_due; one test runs the loop
    for name, template_id in (("status", STATUS), ("reminder", REMINDER), ("ready", READY)):
        current: SubscribeTemplate = getattr(wechat_settings, f"wechat_subscribe_{name}")
        update[f"wechat_subscribe_{name}"] = current.model_copy(update={"id": template_id})
    return wechat_settings.model_copy(update=update)


@pytest.fixture
def app_client(notify_settings: Settings, fake_rasa: FakeRasa) -> Iterator[TestClient]:
    with TestClient(create_app(notify_settings, rasa_transport=fake_rasa.transport())) as test_client:
        yield test_client


@pytest.fixture
def sessions(notify_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(notify_settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()
