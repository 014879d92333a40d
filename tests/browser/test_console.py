"""The staff console in headless Chromium: each role's menu and limits, review and annotation with masking and an
admin's audited reveal, a handover answered in the console that the citizen sees in the web chat, a request status
change, the analytics charts. Screenshots go to test-artifacts/screenshots/console-*.png."""

import datetime as dt
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from api.analytics.dependencies import get_gap_embedder
from api.conversations.models import ConversationState
from api.db import make_engine, make_sessionmaker, session_scope
from api.service_requests import service as requests_service
from api.service_requests.schemas import ServiceRequestCreate
from api.staff import service as staff_service
from api.staff.models import StaffRole
from govchat import calendar
from tests.api.service_requests.conftest import request_body
from tests.api.staff.factories import ID_NUMBER, PHONE, SAMPLE_TURNS
from tests.browser.conftest import PHONE as PHONE_VIEWPORT
from tests.browser.conftest import Gateway

pytestmark = pytest.mark.browser

PASSWORD = "Console-2026!"
DESKTOP = {"width": 1366, "height": 900}
NAV = {
    "admin": {"conversations", "inbox", "canned", "requests", "bundles", "analytics", "staff", "audit", "retention",
              "holidays"},
    "agent": {"conversations", "inbox", "requests", "bundles"},
    "analyst": {"conversations", "analytics"},
}


class FakeEmbedder:
    def encode(self, sentences: list[str], **_: Any) -> np.ndarray:
        return np.array([[1.0, 0.0] if "公积金" in s else [0.0, 1.0] for s in sentences], dtype=np.float32)


@pytest.fixture(scope="module")
def seeded(gateway: Gateway) -> Iterator[dict[str, Any]]:
    from tests.api.staff.factories import make_conversation  # uses client.app.state.sessionmaker

    class _AppHolder:
        app = gateway.server.config.app

    holder: Any = _AppHolder()
    engine = make_engine(gateway.settings.database_url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        for role in ("admin", "agent", "analyst"):
            staff_service.create(session=session, username=role, password=PASSWORD, role=StaffRole(role),
                                 display_name={"admin": "李管理", "agent": "王坐席", "analyst": "赵分析"}[role])
    conversation_id = make_conversation(holder, session_id="review-web-1", turns=SAMPLE_TURNS)
    make_conversation(holder, session_id="gap-1", turns=[
        {"q": "公积金怎么提取", "confidence": 0.2, "a": "抱歉", "decision": "fallback", "fell_back": True},
        {"q": "提取公积金要什么", "confidence": 0.2, "a": "抱歉", "decision": "fallback", "fell_back": True}])
    make_conversation(holder, session_id="request-web-1", turns=[{"q": "我要补办身份证", "a": "好的"}])
    with session_scope(sessions) as session:
        request, _ = requests_service.create(
            session=session, data=ServiceRequestCreate.model_validate(request_body(session_id="request-web-1")),
            idempotency_key="console-browser-1", guides_dir=gateway.settings.guides_dir,
        )
        tracking_no = request.tracking_no
    gateway.server.config.app.dependency_overrides[get_gap_embedder] = lambda: FakeEmbedder()
    yield {"conversation_id": conversation_id, "tracking_no": tracking_no}
    engine.dispose()


@pytest.fixture
def open_console(browser: Any, gateway: Gateway, seeded: dict[str, Any]) -> Iterator[Any]:
    contexts: list[Any] = []
    errors: list[str] = []

    def login(role: str) -> Any:
        # A device in another time zone: the console still shows the office's (Beijing) time.
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="America/New_York")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(gateway.url + "/console/")
        page.wait_for_url("**/console/login")
        page.get_by_label("用户名").fill(role)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.locator("#who").wait_for()
        page.locator("#nav a").first.wait_for()
        return page

    yield login
    for context in contexts:
        context.close()
    assert errors == [], errors


def nav_items(page: Any) -> set[str]:
    ids = page.locator("#nav a").evaluate_all("els => els.map(e => e.dataset.testid)")
    return {t.removeprefix("nav-") for t in ids}


def api_status(page: Any, url: str, method: str = "GET") -> int:
    return int(page.evaluate(
        "async ([url, method]) => (await fetch(url, {method, credentials: 'same-origin'})).status", [url, method]))


def test_wrong_password_is_refused(browser: Any, gateway: Gateway, seeded: dict[str, Any], shoot: Any) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(gateway.url + "/console/login")
    page.get_by_label("用户名").fill("agent")
    page.get_by_label("密码").fill("wrong-password-1")
    page.get_by_role("button", name="登录").click()
    page.locator("#login-error", has_text="用户名或密码错误").wait_for()
    shoot(page, "console-00-login-failed")
    context.close()


@pytest.mark.parametrize("role", ["admin", "agent", "analyst"])
def test_each_role_sees_only_its_pages(open_console: Any, gateway: Gateway, role: str, shoot: Any) -> None:
    page = open_console(role)
    assert nav_items(page) == NAV[role]
    assert page.locator("#who").get_attribute("data-role") == role
    page.locator("[data-testid=conversation-row]").first.wait_for()
    shoot(page, f"console-01-{role}-home")
    for hidden in NAV["admin"] - NAV[role]:
        page.goto(f"{gateway.url}/console/#/{hidden}")
        page.locator("[data-testid=forbidden]").wait_for()
    # The API refuses too, not only the menu.
    expected = {"admin": 200, "agent": 403, "analyst": 403}[role]
    assert api_status(page, "/api/v1/staff/audit") == expected
    assert api_status(page, "/api/v1/handover/inbox") == (403 if role == "analyst" else 200)
    assert api_status(page, "/api/v1/analytics/overview") == (403 if role == "agent" else 200)
    # A change without the CSRF header is refused even with the cookie.
    assert api_status(page, "/api/v1/staff/logout", "POST") == 403


def test_review_search_annotate_and_admin_reveal(open_console: Any, gateway: Gateway, seeded: dict[str, Any],
                                                 shoot: Any) -> None:
    agent = open_console("agent")
    agent.get_by_test_id("search").fill("身份证 丢了")
    agent.get_by_role("button", name="查询").click()
    agent.locator("[data-testid=total]", has_text="共 1 个会话").wait_for()
    listing = agent.locator("table").inner_text()
    assert "520102********1234" in listing and ID_NUMBER not in listing and "张*" in listing
    row = agent.locator("[data-testid=conversation-row]").first
    assert row.get_by_test_id("outcome").inner_text() == "转人工"
    assert row.get_by_test_id("guides").inner_text() == "居民身份证补领、出生登记"
    agent.locator("[data-testid=conversation-row] a").first.click()
    agent.locator("[data-testid=turn]").first.wait_for()
    body = agent.locator("#view").inner_text()
    assert ID_NUMBER not in body and PHONE not in body and "138****5678" in body
    assert "意图 ask_service" in body and "置信度 0.92" in body and "居民身份证补领" in body and "得分 0.81" in body
    assert "章节 申请材料" in body and "materials" not in body
    assert agent.get_by_test_id("reveal").count() == 0  # only admins can reveal

    second_answer = agent.locator("[data-testid=msg-bot]").nth(1)
    form = second_answer.locator("[data-testid=annotate]")
    form.get_by_text("回答错误").click()
    form.get_by_test_id("expected-guide").select_option("birth-registration")
    form.locator("input[name=expected_intent]").fill("ask_birth_registration")
    form.get_by_test_id("comment").fill("应直接回答出生登记")
    form.get_by_test_id("save-annotation").click()
    form.get_by_test_id("annotation-status").filter(has_text="已保存").wait_for()
    shoot(agent, "console-02-transcript-annotated")

    admin = open_console("admin")
    admin.goto(f"{gateway.url}/console/#/conversations/{seeded['conversation_id']}")
    admin.locator("[data-testid=turn]").first.wait_for()
    assert admin.get_by_test_id("comment").nth(1).input_value() == "应直接回答出生登记"
    admin.once("dialog", lambda dialog: dialog.accept("群众来电核实身份"))
    admin.get_by_test_id("reveal").first.click()
    admin.locator(".revealed", has_text=ID_NUMBER).wait_for()
    shoot(admin, "console-03-admin-reveal")
    admin.goto(f"{gateway.url}/console/#/audit")
    audit = admin.get_by_test_id("audit")
    audit.locator("tr", has_text="reveal").filter(has_text="群众来电核实身份").wait_for()
    assert "annotate" in audit.inner_text()
    shoot(admin, "console-04-audit")


def _waiting_too_long(gateway: Gateway) -> None:
    """A conversation that has waited 10 minutes (red, alerted)."""
    from tests.api.staff.factories import make_conversation

    class _AppHolder:
        app = gateway.server.config.app

    make_conversation(_AppHolder(), session_id="late-1", state=ConversationState.WAITING,
                      created_at=datetime.now(UTC) - timedelta(minutes=10), turns=[
                          {"q": f"医保报销材料交了没人理，我电话{PHONE}", "a": "请问您要办理哪项业务？"},
                          {"q": "转人工", "intent": "request_human"}])


def test_agent_answers_handover_with_tools_and_citizen_sees_it_in_web_chat(
    browser: Any, open_console: Any, gateway: Gateway, shoot: Any
) -> None:
    _waiting_too_long(gateway)
    admin = open_console("admin")
    admin.goto(f"{gateway.url}/console/#/canned")
    new = admin.get_by_test_id("canned-form").first
    new.locator("input[name=title]").fill("问候")
    new.locator("textarea[name=text]").fill("您好，我是政务服务中心工作人员，请问有什么可以帮您？")
    new.get_by_role("button", name="新建").click()
    admin.locator("[data-testid=canned-form] input[name=title][value=问候]").wait_for()
    shoot(admin, "console-11-canned-replies")
    citizen_context = browser.new_context(viewport=PHONE_VIEWPORT, locale="zh-CN", is_mobile=True, has_touch=True)
    citizen = citizen_context.new_page()
    citizen.goto(gateway.url + "/")
    citizen.get_by_label("输入您的问题").fill("转人工")
    citizen.keyboard.press("Enter")
    citizen.locator("#banner", has_text="转接人工客服").wait_for()
    citizen.get_by_label("输入您的问题").fill("社保卡丢了怎么补办")
    citizen.keyboard.press("Enter")
    citizen.locator(".row.system", has_text="已收到，工作人员接入后会看到您的消息").wait_for()

    agent = open_console("agent")
    agent.goto(f"{gateway.url}/console/#/inbox")
    row = agent.locator("[data-testid=waiting] [data-testid=inbox-row]", has_text="社保卡丢了怎么补办")
    row.wait_for()
    assert row.get_by_test_id("waiting-time").inner_text().endswith("秒")
    assert "green" in (row.get_by_test_id("waiting-time").get_attribute("class") or "")
    late = agent.locator("[data-testid=waiting] [data-testid=inbox-row]", has_text="医保报销材料交了没人理")
    assert "red" in (late.get_by_test_id("waiting-time").get_attribute("class") or "")
    assert "138****5678" in late.inner_text() and PHONE not in late.inner_text()
    assert agent.title().startswith("【1 个会话等待过久】")
    shoot(agent, "console-05-inbox")

    row.locator("a").click()
    agent.get_by_test_id("claim").click()
    agent.get_by_test_id("canned-select").select_option(label="问候")
    agent.get_by_test_id("guide-select").select_option("social-security-card-replacement")
    agent.locator("[data-testid=section-select] option", has_text="申请材料").wait_for(state="attached")
    agent.get_by_test_id("section-select").select_option(label="申请材料")
    draft = agent.get_by_test_id("reply-text").input_value()
    assert draft.startswith("您好，我是政务服务中心工作人员") and "办事指南 · 申请材料（" in draft
    agent.get_by_test_id("note-text").fill("群众急需，补卡后电话回访")
    agent.get_by_test_id("note-form").get_by_role("button").click()
    agent.locator("[data-testid=notes] li", has_text="补卡后电话回访").wait_for()
    agent.get_by_test_id("send-reply").click()
    agent.locator("[data-testid=msg-staff]", has_text="办事指南 · 申请材料").wait_for()
    shoot(agent, "console-06-handover-replied")

    staff_row = citizen.locator(".row.staff", has_text="政务服务中心工作人员")
    staff_row.wait_for(timeout=15_000)
    assert staff_row.locator(".who").inner_text() == "王坐席"  # the agent's name, not "人工客服"
    assert "回访" not in citizen.locator("#log").inner_text()  # the internal note stays in the console
    shoot(citizen, "console-07-citizen-sees-staff-reply")

    agent.get_by_test_id("transfer-select").select_option(label="李管理")
    agent.get_by_test_id("transfer").click()
    agent.wait_for_url("**/console/#/inbox")
    admin.goto(f"{gateway.url}/console/#/inbox")
    held = admin.locator("[data-testid=in-progress] [data-testid=inbox-row]", has_text="社保卡丢了怎么补办")
    held.get_by_text("我的").wait_for()
    held.locator("a").click()
    admin.get_by_test_id("hand-back").click()
    admin.wait_for_url("**/console/#/inbox")
    citizen.locator(".row", has_text="智能助手继续").first.wait_for(timeout=15_000)
    citizen_context.close()


def test_agent_changes_request_status_and_citizen_is_told(open_console: Any, gateway: Gateway,
                                                          seeded: dict[str, Any], shoot: Any) -> None:
    agent = open_console("agent")
    agent.goto(f"{gateway.url}/console/#/requests")
    row = agent.locator("[data-testid=request-row]", has_text=seeded["tracking_no"])
    row.wait_for()
    assert "张**" in row.inner_text() and PHONE not in row.inner_text()
    row.locator("a").click()
    agent.get_by_test_id("status-to").select_option("accepted")
    agent.get_by_test_id("status-reason").fill("材料齐全，已受理")
    agent.get_by_test_id("status-submit").click()
    agent.get_by_test_id("request-detail-status").filter(has_text="当前状态：已受理").wait_for()
    assert "材料齐全，已受理" in agent.get_by_test_id("history").inner_text()
    shoot(agent, "console-08-request-accepted")
    polled = agent.evaluate("async () => (await (await fetch('/api/v1/chat/request-web-1/messages')).json())")
    assert any(seeded["tracking_no"] in m["text"] and "已受理" in m["text"] for m in polled["messages"])


def test_analyst_opens_analytics_with_charts_and_gaps(open_console: Any, gateway: Gateway, shoot: Any) -> None:
    analyst = open_console("analyst")
    analyst.goto(f"{gateway.url}/console/#/analytics")
    analyst.get_by_test_id("chart-per_day").wait_for()
    canvases = analyst.locator(".chart-card canvas")
    assert canvases.count() >= 8
    # Chart.js drew something: the canvas has non-transparent pixels.
    drawn = analyst.evaluate("""() => { const c = document.querySelector('[data-testid=chart-per_day]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true; return false; }""")
    assert drawn
    analyst.get_by_test_id("gaps").filter(has_text="公积金").wait_for()
    assert "第 1 类 · 2 个问题" in analyst.get_by_test_id("gaps").inner_text()
    href = analyst.get_by_test_id("export-outcomes").get_attribute("href")
    assert analyst.evaluate("async (u) => (await fetch(u)).status", href) == 200
    analyst.wait_for_timeout(300)
    shoot(analyst, "console-09-analytics")
    # A knowledge-gap example opens the conversation it was asked in.
    analyst.get_by_test_id("gap-example").filter(has_text="公积金怎么提取").click()
    analyst.locator("[data-testid=msg-citizen]", has_text="公积金怎么提取").wait_for()
    conversation_id = analyst.url.rsplit("/", 1)[1]
    started = analyst.evaluate(
        "async (id) => new Date((await (await fetch('/api/v1/review/conversations/' + id)).json())"
        ".conversation.created_at).toLocaleString('zh-CN', {hour12: false, timeZone: 'Asia/Shanghai'})",
        conversation_id)
    assert f"开始：{started}" in analyst.locator("#view").inner_text()
    shoot(analyst, "console-11-gap-example-opened")


def test_admin_sees_what_retention_will_do_to_conversations_and_requests(open_console: Any, gateway: Gateway,
                                                                          shoot: Any) -> None:
    admin = open_console("admin")
    admin.goto(f"{gateway.url}/console/#/retention")
    report = admin.get_by_test_id("retention-report")
    report.wait_for()
    text = report.inner_text()
    assert "将匿名化的实名会话" in text and "将匿名化的办事申请" in text and "超过保留期仍未办结" in text
    assert "1825 天后匿名化申请人信息" in admin.locator("#view").inner_text()
    shoot(admin, "console-10-retention")


def test_admin_gives_an_agent_a_department(open_console: Any, gateway: Gateway, shoot: Any) -> None:
    admin = open_console("admin")
    admin.goto(f"{gateway.url}/console/#/staff")
    form = admin.locator("form.filters")
    form.get_by_label("用户名").fill("gongan1")
    form.get_by_label("角色").select_option("agent")
    form.get_by_label("部门").select_option("公安")
    form.get_by_label("初始密码").fill("Gui-zhou-2026!")
    form.get_by_role("button", name="新建账号").click()
    row = admin.get_by_test_id("accounts").locator("tr", has_text="gongan1")
    row.wait_for()
    assert row.get_by_label("部门").input_value() == "公安"
    shoot(admin, "console-14-accounts-department")


# --- holiday table (节假日) ---


def test_admin_keeps_the_holiday_table_and_sees_the_coverage_warning(
    open_console: Any, gateway: Gateway, shoot: Any, freeze_now: Callable[[dt.datetime], None]
) -> None:
    freeze_now(dt.datetime(2026, 12, 20, 10, 0, tzinfo=calendar.TZ))  # the booking window reaches 2027
    warning = "节假日表未覆盖2027年，预约只按周末排除休息日，请尽快补充"
    agent = open_console("agent")
    agent.goto(f"{gateway.url}/console/#/requests")
    agent.get_by_test_id("holiday-warning").filter(has_text=warning).wait_for()
    assert "holidays" not in nav_items(agent)
    shoot(agent, "console-12-requests-holiday-warning")

    admin = open_console("admin")
    admin.goto(f"{gateway.url}/console/#/holidays")
    admin.get_by_test_id("holiday-warning").filter(has_text=warning).wait_for()
    assert admin.get_by_test_id("holiday-year").input_value() == "2027"  # the year to fill in first
    form = admin.get_by_test_id("holiday-add")
    form.locator("[name=first]").fill("2027-02-06")
    form.locator("[name=last]").fill("2027-02-12")
    form.locator("[name=name]").fill("春节")
    form.get_by_role("button", name="添加").click()
    admin.locator("[data-testid=holiday-row][data-day='2027-02-12']").wait_for()
    form = admin.get_by_test_id("holiday-add")
    form.locator("[name=first]").fill("2027-02-08")  # a Monday cannot be a working weekend
    form.locator("[name=kind]").select_option("workday")
    form.get_by_role("button", name="添加").click()
    admin.get_by_test_id("error").filter(has_text="调休上班日只能是周六或周日").wait_for()
    form.locator("[name=first]").fill("2027-02-20")
    form.locator("[name=name]").fill("春节调休")
    form.get_by_role("button", name="添加").click()
    admin.locator("[data-testid=holiday-row][data-day='2027-02-20']").wait_for()
    assert admin.get_by_test_id("holiday-row").count() == 9  # 1 January (seeded) + 7 + 1
    shoot(admin, "console-13-holidays-2027")

    admin.get_by_test_id("holiday-cover").click()
    admin.get_by_test_id("holiday-years").filter(has_text="2027年").wait_for()
    assert admin.get_by_test_id("holiday-warning").count() == 0
    actions = admin.evaluate("async () => (await (await fetch('/api/v1/staff/audit')).json()).items.map(a => a.action)")
    assert {"holiday_add", "holiday_year_add"} <= set(actions)
    shoot(admin, "console-14-holidays-2027-covered")
