from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from govchat.settings import Settings
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
