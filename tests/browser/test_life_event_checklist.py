"""A life event's checklist in the web chat on a 390×844 phone, normal and in 长辈模式 (screenshots under
test-artifacts/screenshots/). The reply is the one the actions render from the shipped guides and events."""

import json
from typing import Any

import pytest

from actions.life_events import checklist_buttons, render_checklist
from govchat.settings import get_settings
from knowledge.checklists import build_checklist
from knowledge.loader import load_guides, load_life_events
from tests.browser.conftest import PHONE, Gateway

pytestmark = pytest.mark.browser


def newborn_reply() -> dict[str, Any]:
    settings = get_settings()
    guides = load_guides(settings.guides_dir)
    event = next(e for e in load_life_events(settings.life_events_dir, guides) if e.id == "newborn")
    checklist = build_checklist(event, {g.id: g for g in guides})
    return {"session_id": "x", "state": "bot", "messages": [{
        "id": 1, "role": "bot", "text": render_checklist(checklist), "buttons": checklist_buttons(checklist),
        "created_at": "2026-12-03T06:39:00Z"}]}


def open_chat(browser: Any, gateway: Gateway, path: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    reply = json.dumps(newborn_reply(), ensure_ascii=False)
    page.route("**/api/v1/chat", lambda route: route.fulfill(status=200, content_type="application/json",
                                                             body=reply))
    page.goto(gateway.url + path)
    page.get_by_label("输入您的问题").fill("生娃娃了要办哪些手续")
    page.keyboard.press("Enter")
    return context, page


def fits_the_width(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_checklist_reads_on_a_phone(browser: Any, gateway: Gateway, shoot: Any) -> None:
    context, page = open_chat(browser, gateway, "/")
    answer = page.locator(".row.bot").last
    answer.get_by_role("button", name="一次申请").wait_for()
    text = answer.locator(".text").inner_text()
    assert "1. 出生医学证明办理★" in text and "一窗办理" in text
    assert answer.get_by_role("button", name="2. 出生登记").is_visible()
    assert fits_the_width(page)
    shoot(page, "20-life-event-checklist")
    answer.get_by_role("button", name="一次申请").scroll_into_view_if_needed()
    shoot(page, "21-life-event-checklist-buttons")
    context.close()


def test_the_checklist_in_elder_mode(browser: Any, gateway: Gateway, shoot: Any) -> None:
    context, page = open_chat(browser, gateway, "/?elder=1")
    answer = page.locator(".row.bot").last
    answer.get_by_role("button", name="一次申请").wait_for()
    assert fits_the_width(page)
    shoot(page, "22-life-event-checklist-elder")
    expand = answer.get_by_role("button", name="展开全部")
    if expand.count():
        expand.click()
    assert "要带的材料" in answer.locator(".text").inner_text()
    answer.get_by_role("button", name="一次申请").scroll_into_view_if_needed()
    shoot(page, "23-life-event-checklist-elder-expanded")
    context.close()
