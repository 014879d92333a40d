"""Subscribe messages on PostgreSQL: gateways racing for the same due messages send each one once (the grant's
conditional UPDATE waits for the winner's row lock and then finds it used; the unique key catches the rest)."""

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.channels.wechat.client import WeChatApi
from api.db import make_engine, make_sessionmaker, session_scope
from api.notifications import flows
from api.notifications.models import SubscribeGrant, SubscribeMessage
from api.service_requests import service
from api.service_requests.schemas import ServiceRequestCreate
from govchat.settings import ROOT, Settings
from govchat.subscribe import SubscribeKind
from tests.api.channels.fake_wechat import FakeWeChat
from tests.api.service_requests.conftest import request_body
from tests.api.service_requests.test_lifecycle_and_concurrency import _run_together
from tests.conftest import FROZEN_NOW, migrate

pytestmark = pytest.mark.scaled
GUIDES = ROOT / "knowledge" / "guides"
REQUESTS = 5


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChat]:
    server = FakeWeChat()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pg_sessions(pg_url: str) -> Iterator[sessionmaker[Session]]:
    migrate(pg_url)
    engine = make_engine(pg_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_replicas_send_each_status_message_once(
    pg_settings: Settings, pg_sessions: sessionmaker[Session], fake_wechat: FakeWeChat
) -> None:
    settings = pg_settings.model_copy(update={
        "wechat_appid": FakeWeChat.APPID, "wechat_api_base_url": fake_wechat.base_url,
        "wechat_secret": SecretStr(FakeWeChat.SECRET),
        "wechat_subscribe_status": pg_settings.wechat_subscribe_status.model_copy(update={"id": "T-STATUS"}),
    })
    for n in range(REQUESTS):
        openid = f"o-citizen-{n}"
        fake_wechat.allowances[(openid, "T-STATUS")] = 3  # WeChat would take more: only one may go
        with session_scope(pg_sessions) as session:
            request, _ = service.create(
                session=session, data=ServiceRequestCreate.model_validate(request_body(session_id=f"wxmp-{n}")),
                idempotency_key=f"pg-notify-{n}", guides_dir=GUIDES,
            )
            session.add(SubscribeGrant(request_id=request.id, kind=SubscribeKind.STATUS, template_id="T-STATUS",
                                       openid=openid, accepted=True))
        with session_scope(pg_sessions) as session:
            service.change_status(session=session, tracking_no=request.tracking_no, to="accepted", actor="staff:1")

    def replica(_: int) -> flows.SendReport:
        api = WeChatApi(settings)
        try:
            return flows.send_due(sessions=pg_sessions, api=api, settings=settings, at=FROZEN_NOW)
        finally:
            api.close()

    reports = _run_together(6, replica)
    assert all(isinstance(r, flows.SendReport) for r in reports), reports
    assert sum(r.sent for r in reports if isinstance(r, flows.SendReport)) == REQUESTS
    assert sorted(m["touser"] for m in fake_wechat.subscribe_sent) == [f"o-citizen-{n}" for n in range(REQUESTS)]
    with session_scope(pg_sessions) as session:
        assert [m.state for m in session.scalars(select(SubscribeMessage))] == ["sent"] * REQUESTS
