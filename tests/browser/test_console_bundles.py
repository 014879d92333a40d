"""The console's 一件事申请 page in headless Chromium: an agent sees a bundle request masked, one row per item with its
department, and accepts one item. Screenshot: test-artifacts/screenshots/console-12-bundles.png."""

from typing import Any

import pytest

from api.bundle_requests import service as bundles_service
from api.bundle_requests.schemas import BundleRequestCreate
from api.db import make_engine, make_sessionmaker, session_scope
from govchat import calendar
from tests.api.service_requests.conftest import ID_NUMBER, PHONE
from tests.browser.conftest import Gateway
from tests.browser.test_console import open_console, seeded  # noqa: F401 - fixtures
from tests.conftest import SAMPLE_HOLIDAYS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def bundle(gateway: Gateway) -> str:
    day = calendar.bookable_days(at=calendar.now(), table=SAMPLE_HOLIDAYS)[0]
    data = BundleRequestCreate(
        session_id="bundle-web-1", life_event_id="small-restaurant", applicant_name="张晓梅", id_number=ID_NUMBER,
        phone=PHONE, office="各县（市、区）政务服务中心“高效办成一件事”综合窗口", day=day, period="09:00-10:00",
        materials_confirmed=True, consent=True, items=[
            {"guide_id": "sole-trader-registration",
             "facts": {"shop_name": "李记牛肉粉", "shop_address": "花果园R1区"}},
            {"guide_id": "food-business-licence", "facts": {"food_kind": "热食类"}},
            {"guide_id": "invoice-application"},
        ],
    )
    engine = make_engine(gateway.settings.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        created, _ = bundles_service.create(
            session=session, data=data, idempotency_key="console-bundle-1", guides_dir=gateway.settings.guides_dir,
            events_dir=gateway.settings.life_events_dir,
        )
        tracking_no = created.tracking_no
    engine.dispose()
    return tracking_no


def test_agent_sees_a_bundle_and_accepts_one_item(open_console: Any, gateway: Gateway, bundle: str,  # noqa: F811
                                                   shoot: Any) -> None:
    agent = open_console("agent")
    agent.goto(f"{gateway.url}/console/#/bundles")
    head = agent.locator("[data-testid=bundle-row]", has_text=bundle)
    head.wait_for()
    assert "开办餐饮小店" in head.inner_text() and "张**" in head.inner_text() and PHONE not in head.inner_text()
    assert "开办餐饮小店" in agent.get_by_test_id("event-filter").inner_text()  # filtered by title, not by id
    items = agent.locator("[data-testid=bundle-item]")
    assert items.count() == 3
    assert "市场监管" in items.nth(0).inner_text() and "李记牛肉粉" in items.nth(0).inner_text()
    items.nth(1).locator("select").select_option("accepted")
    items.nth(1).locator("button").click()
    items.nth(1).get_by_test_id("item-status").filter(has_text="已受理").wait_for()
    waiting = "已提交，等待受理"
    assert agent.locator("[data-testid=item-status]").all_inner_texts() == [waiting, "已受理", waiting]
    shoot(agent, "console-12-bundles")
