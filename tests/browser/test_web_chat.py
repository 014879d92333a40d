"""The web chat in headless Chromium at phone size: question, follow-up, clarification, handover, rating, elder mode.

Each state is kept as a screenshot under test-artifacts/screenshots/.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from api.db import make_engine, make_sessionmaker, session_scope
from api.staff import service as staff_service
from api.staff.models import StaffRole
from tests.api.service_requests.conftest import AUTH, ID_NUMBER, request_body
from tests.browser.conftest import Gateway

pytestmark = pytest.mark.browser


def ask(page: Any, text: str) -> None:
    page.get_by_label("输入您的问题").fill(text)
    page.keyboard.press("Enter")


def bot_texts(page: Any) -> list[str]:
    return page.locator(".row.bot .text").all_inner_texts()


def session_id(page: Any) -> str:
    return page.evaluate("window.govchat.state().sessionId")


def test_question_follow_up_and_clarification(page: Any, gateway: Gateway, shoot: Any) -> None:
    page.locator(".chip", has_text="身份证补办").wait_for()
    shoot(page, "00-welcome")
    page.locator(".chip", has_text="身份证补办").click()
    page.locator(".row.bot").first.wait_for()
    answer = page.locator(".row.bot").first
    assert "户口簿" in answer.locator(".text").inner_text()
    link = answer.locator("a.source")
    assert link.get_attribute("href") == "https://zwfw.guizhou.gov.cn/guide/id-card-replacement"
    assert link.get_attribute("rel") == "noopener noreferrer"
    # The answer's text names its source (来源：…) in Chinese; the page adds only the link, never a second 来源 line.
    assert link.inner_text() == "查看《居民身份证补领》原文"
    assert answer.inner_text().count("来源") <= 1 and "materials" not in answer.inner_text()
    assert page.locator(".row.citizen .text").first.inner_text() == "身份证补办"
    assert page.locator(".row.bot time").first.inner_text().count(":") == 1
    shoot(page, "01-question-answered")

    # Follow-up through the answer's button, then a slow typed follow-up that shows the typing indicator.
    answer.get_by_role("button", name="要多少钱").click()
    expect(page.locator(".row.bot")).to_have_count(2)
    assert "20 元" in bot_texts(page)[1]
    ask(page, "慢慢说，能加急吗")
    page.locator("#typing").wait_for(state="visible")
    shoot(page, "02-typing-indicator")
    expect(page.locator(".row.bot")).to_have_count(3)
    assert page.locator("#typing").is_hidden()
    shoot(page, "03-follow-up")

    # Clarification: the citizen picks one of the offered services; its payload goes to the assistant.
    ask(page, "我要办证")
    clarification = page.locator(".row.bot", has_text="哪一种证件")
    clarification.wait_for()
    shoot(page, "04-clarification")
    clarification.get_by_role("button", name="居民身份证").click()
    page.locator(".row.bot", has_text="为您介绍「居民身份证」").wait_for()
    assert clarification.get_by_role("button", name="居住证").is_disabled()
    assert page.locator(".row.citizen .text").last.inner_text() == "居民身份证"
    sent = [m["message"] for m in gateway.fake_rasa.received if m["sender"] == session_id(page)]
    assert sent[-1] == '/choose{"guide": "居民身份证"}'
    shoot(page, "05-clarification-answered")


def test_bot_and_staff_text_is_never_html(page: Any) -> None:
    ask(page, "注入测试")
    row = page.locator(".row.bot").first
    row.wait_for()
    assert row.locator(".text").inner_text().startswith("<img src=x")
    assert row.locator("img, b, script, i").count() == 0
    assert row.locator("a, .source").count() == 0  # a javascript: link is not shown at all
    assert row.get_by_role("button", name="<i>按钮</i>").count() == 1
    assert page.evaluate("window.__pwned === undefined")


def test_handover_staff_reply_appears_without_reload(page: Any, gateway: Gateway, shoot: Any) -> None:
    ask(page, "转人工")
    page.locator("#banner", has_text="转接人工客服").wait_for()
    shoot(page, "06-handover-waiting")
    page.evaluate("window.__marker = 'same page'")
    gateway.staff_says(session_id(page), "您好，我是政务服务中心的小王，请问有什么可以帮您？")
    staff = page.locator(".row.staff")
    staff.wait_for(timeout=10_000)
    assert "小王" in staff.locator(".text").inner_text()
    assert staff.locator(".who").inner_text() == "人工客服"
    assert page.evaluate("window.__marker") == "same page"  # no reload happened
    gateway.staff_says(session_id(page), "<b>第二条</b>")
    expect(page.locator(".row.staff")).to_have_count(2)
    assert page.locator(".row.staff .text").last.inner_text() == "<b>第二条</b>"
    shoot(page, "07-staff-reply")
    # A reload restores the history without duplicating the staff messages.
    page.reload()
    expect(page.locator(".row.staff")).to_have_count(2)
    page.wait_for_timeout(1500)
    assert page.locator(".row.staff").count() == 2


def test_rating_widget_sends_the_five_level_rating(page: Any, shoot: Any) -> None:
    captured: list[dict] = []

    def fulfil(route: Any) -> None:
        captured.append(json.loads(route.request.post_data))
        route.fulfill(status=201, content_type="application/json", body='{"id": 1}')

    page.route("**/api/v1/ratings", fulfil)
    ask(page, "身份证丢了怎么补办")
    rating = page.locator(".rating")
    rating.wait_for()
    levels = rating.get_by_role("radio")
    assert levels.all_inner_texts() == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    submit = rating.get_by_role("button", name="提交评价")
    assert submit.is_disabled()
    rating.get_by_role("radio", name="满意", exact=True).click()
    rating.locator("textarea").fill("回答很清楚")
    shoot(page, "08-rating-chosen")
    submit.click()
    rating.locator(".rating-result", has_text="感谢您的评价").wait_for()
    assert captured == [{"session_id": session_id(page), "score": 4, "level": "满意", "comment": "回答很清楚"}]
    assert submit.is_disabled()
    shoot(page, "09-rating-submitted")


def test_rating_failure_is_explained(page: Any) -> None:
    page.route("**/api/v1/ratings", lambda route: route.fulfill(
        status=409, content_type="application/problem+json",
        body=json.dumps({"status": 409, "code": "already_rated", "detail": "您已经评价过本次服务。"})))
    page.get_by_role("button", name="评价").click()
    page.locator(".rating").get_by_role("radio", name="非常不满意").click()
    page.locator(".rating").get_by_role("button", name="提交评价").click()
    page.locator(".rating-result", has_text="您已经评价过本次服务").wait_for()


def test_elder_mode_enlarges_type_and_raises_contrast(page: Any, shoot: Any) -> None:
    ask(page, "身份证丢了怎么补办")
    page.locator(".row.bot").first.wait_for()
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    toggle = page.get_by_role("button", name="长辈模式")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    elder = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert normal == 16 and elder >= 22
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, "10-elder-mode")
    page.reload()  # the choice is remembered
    assert page.get_by_role("button", name="长辈模式").get_attribute("aria-pressed") == "true"


def test_phone_viewport_and_keyboard_only_use(page: Any, shoot: Any) -> None:
    assert page.viewport_size == {"width": 390, "height": 844}
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator("#text").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844 and box["width"] > 200
    # Keyboard only: the skip link leads to the input; Enter sends.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    page.keyboard.type("社保卡怎么办")
    page.keyboard.press("Enter")
    page.locator(".row.bot", has_text="收到：社保卡怎么办").wait_for()
    assert page.get_by_role("log").count() == 1
    assert page.locator(".row.bot .sr-only").first.inner_text() == "智能助手说："
    shoot(page, "11-phone")


def test_history_survives_reload_and_a_network_drop_loses_nothing(page: Any, gateway: Gateway, shoot: Any) -> None:
    ask(page, "第一句")
    page.locator(".row.bot", has_text="收到：第一句").wait_for()
    page.context.set_offline(True)
    ask(page, "断网时说的话")
    page.locator(".row.citizen", has_text="断网时说的话").locator(".status-failed").wait_for()
    page.locator("#netstatus").wait_for(state="visible")
    shoot(page, "12-offline")
    page.context.set_offline(False)
    page.locator(".row.bot", has_text="收到：断网时说的话").wait_for(timeout=20_000)
    page.locator("#netstatus").wait_for(state="hidden")
    shoot(page, "13-reconnected")
    page.reload()
    page.locator(".row.bot", has_text="收到：断网时说的话").wait_for()
    page.wait_for_timeout(1000)
    assert bot_texts(page) == ["收到：第一句", "收到：断网时说的话"]
    sent = [m["message"] for m in gateway.fake_rasa.received if m["sender"] == session_id(page)]
    assert sent == ["第一句", "断网时说的话"]


def host_site(head: str, gateway: Gateway) -> ThreadingHTTPServer:
    """Another government site, on another origin, that embeds the widget."""
    host_page = (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">{head}</head><body><h1>某某县人民政府</h1>'
        f'<script src="{gateway.url}/widget.js" data-label="智能咨询"></script></body></html>'
    ).encode()

    class HostSite(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(host_page)

        def log_message(self, *args: Any) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), HostSite)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    return site


def test_widget_opens_the_chat_in_an_iframe(browser: Any, gateway: Gateway, shoot: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    site = host_site("", gateway)
    page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
    launcher = page.get_by_role("button", name="智能咨询", exact=True)
    launcher.click()
    assert launcher.get_attribute("aria-expanded") == "true"
    frame = page.frame_locator("iframe[title='政务服务智能助手']")
    frame.locator(".chip", has_text="公积金提取").click()
    frame.locator(".row.bot", has_text="收到：公积金提取").wait_for()
    shoot(page, "14-widget")
    # The close button sits in the widget's own bar, above the chat's header tools: nothing overlaps.
    close = page.get_by_role("button", name="关闭智能咨询").bounding_box()
    new_chat = frame.get_by_role("button", name="新对话").bounding_box()
    frame_box = page.locator("iframe[title='政务服务智能助手']").bounding_box()
    assert close and new_chat and frame_box
    assert close["y"] + close["height"] <= frame_box["y"] <= new_chat["y"]
    page.get_by_role("button", name="关闭智能咨询").click()
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.locator("#govchat-widget-panel").is_hidden()
    context.close()
    site.shutdown()


def test_times_are_china_time_whatever_the_device_zone(browser: Any, gateway: Gateway) -> None:
    """A device set to New York still shows the citizen's message and the reply on the office's (Beijing) clock."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  timezone_id="America/New_York")
    page = context.new_page()
    page.goto(gateway.url + "/")
    ask(page, "几点了")
    page.locator(".row.bot", has_text="收到：几点了").wait_for()
    times = page.locator(".row time")
    assert times.count() == 2
    for n in range(2):
        stamp = times.nth(n).get_attribute("datetime")
        shown = times.nth(n).inner_text()
        beijing = page.evaluate(
            "s => new Intl.DateTimeFormat('zh-CN', {timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit',"
            " hourCycle: 'h23'}).format(new Date(s))", stamp)
        assert stamp.endswith(("Z", "+00:00")), stamp  # UTC with its offset, never a naive time
        assert shown == beijing
    context.close()


LONG_ANSWER = ("补领居民身份证需要：\n1. 户口簿原件\n2. 近期免冠彩色照片一张（可现场拍摄）\n"
               "3. 本人到户籍所在地派出所或者县级公安机关户政窗口办理\n4. 工本费20元，可以用微信或支付宝支付\n"
               "5. 办理时限为30个工作日\n\n来源：《居民身份证补领》办事指南 · 申请材料（示例数据，以官方发布为准）")


def test_elder_mode_gist_read_aloud_call_and_nothing_cut(browser: Any, gateway: Gateway, shoot: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    # Record what would be spoken: headless Chromium has no voices.
    context.add_init_script("""
        window.__spoken = [];
        window.speechSynthesis.speak = function (u) { window.__spoken.push([u.text, u.lang]); };
    """)
    page = context.new_page()
    page.route("**/api/v1/chat", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps({
            "session_id": "x", "state": "bot", "messages": [{"id": 1, "role": "bot", "text": LONG_ANSWER,
                                                             "created_at": "2026-12-03T06:39:00Z"}]})))
    page.goto(gateway.url + "/?elder=1")
    title = page.locator(".topbar h1")
    assert title.evaluate("h => h.scrollWidth <= h.clientWidth")  # the whole title, no 政务服…
    field = page.locator("#text")
    assert field.evaluate("i => { const c = document.createElement('canvas').getContext('2d');"
                          " c.font = getComputedStyle(i).font;"
                          " return c.measureText(i.placeholder).width <= i.clientWidth - 28; }")
    call = page.get_by_role("link", name="拨打12345")
    assert call.get_attribute("href") == "tel:12345" and call.is_visible()
    assert "身份证号只在办事申请表单询问时填写" in page.locator(".hint").inner_text()

    ask(page, "身份证")
    answer = page.locator(".row.bot").first
    answer.locator(".gist-label", has_text="要点").wait_for()
    assert answer.locator(".gist-text").inner_text().splitlines() == [
        "补领居民身份证需要：", "1. 户口簿原件", "2. 近期免冠彩色照片一张（可现场拍摄）"]
    assert answer.locator(".text").is_hidden()
    shoot(page, "15-elder-gist")
    answer.get_by_role("button", name="展开全部").click()
    assert answer.locator(".text").is_visible() and "办理时限" in answer.locator(".text").inner_text()
    assert answer.get_by_role("button", name="收起").get_attribute("aria-expanded") == "true"
    shoot(page, "16-elder-expanded")
    answer.get_by_role("button", name="朗读").click()
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1 and spoken[0][1] == "zh-CN"
    assert spoken[0][0].startswith("补领居民身份证需要") and "来源" not in spoken[0][0]
    assert answer.get_by_role("button", name="停止朗读").get_attribute("aria-pressed") == "true"
    # Outside elder mode the answer is shown whole, without the elder controls.
    page.get_by_role("button", name="长辈模式").click()
    assert answer.locator(".text").is_visible() and answer.locator(".gist, .speak").first.is_hidden()
    assert field.get_attribute("placeholder") == "请输入您想办理或咨询的事项"
    context.close()


def test_widget_fills_a_phone_screen(browser: Any, gateway: Gateway, shoot: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    site = host_site('<meta name="viewport" content="width=device-width, initial-scale=1">', gateway)
    page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
    launcher = page.get_by_role("button", name="智能咨询", exact=True)
    launcher.click()
    panel = page.locator("#govchat-widget-panel").bounding_box()
    assert panel == {"x": 0, "y": 0, "width": 390, "height": 844}
    assert launcher.is_hidden()  # it would cover the chat's send button
    frame = page.frame_locator("iframe[title='政务服务智能助手']")
    frame.get_by_role("button", name="新对话").wait_for()
    shoot(page, "17-widget-phone")
    page.get_by_role("button", name="关闭智能咨询").click()
    assert launcher.is_visible() and page.locator("#govchat-widget-panel").is_hidden()
    context.close()
    site.shutdown()


def staff_http(gateway: Gateway, username: str) -> httpx.Client:
    """An agent logged in to the staff API, as the console is."""
    with session_scope(make_sessionmaker(make_engine(gateway.settings.database_url))) as session:
        staff_service.create(session=session, username=username, password="Str0ng-passw0rd", role=StaffRole.AGENT,
                             display_name="小王")
    http = httpx.Client(base_url=gateway.url, timeout=10)
    login = http.post("/api/v1/staff/login", json={"username": username, "password": "Str0ng-passw0rd"})
    assert login.status_code == 200, login.text
    http.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    return http


def test_staff_status_changes_reach_the_open_page_and_its_rating_buttons_work(
    page: Any, gateway: Gateway, shoot: Any
) -> None:
    ask(page, "你好")
    page.locator(".row.bot", has_text="收到：你好").wait_for()
    sid = session_id(page)
    # The action server files the request from this conversation (as the form does); the page starts listening.
    created = httpx.post(f"{gateway.url}/api/v1/service-requests", json=request_body(session_id=sid),
                         headers={**AUTH, "Idempotency-Key": f"browser-{sid}"}, timeout=10)
    assert created.status_code == 201, created.text
    tracking_no = created.json()["tracking_no"]
    ask(page, "好的")
    page.locator(".row.bot", has_text="收到：好的").wait_for()
    assert page.evaluate("window.govchat.state().listen") is True

    staff = staff_http(gateway, "notice-agent")
    moved = staff.post(f"/api/v1/staff/requests/{tracking_no}/status", json={"to": "accepted"})
    assert moved.status_code == 200, moved.text
    accepted = page.locator(".row.system", has_text="已受理")
    accepted.wait_for(timeout=2_000)  # goal: within 2 s, without the citizen writing anything
    assert tracking_no in accepted.inner_text()
    assert staff.post(f"/api/v1/staff/requests/{tracking_no}/status", json={"to": "completed"}).status_code == 200
    completed = page.locator(".row.system", has_text="已办结")
    completed.wait_for(timeout=2_000)
    levels = completed.get_by_role("button")
    assert levels.all_inner_texts() == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    shoot(page, "18-completed-notice")
    # The request has ended: nothing more will come unasked, so the page stops listening.
    page.wait_for_function("window.govchat.state().listen === false", timeout=3_000)
    completed.get_by_role("button", name="满意", exact=True).click()
    page.locator(".row.bot", has_text="收到：/rate_request").wait_for()  # the fake Rasa echoes the payload
    sent = [m["message"] for m in gateway.fake_rasa.received if m["sender"] == sid]
    assert sent[-1] == '/rate_request{"rating_level": "满意", "sr_tracking_no": "' + tracking_no + '"}'


def test_a_finished_request_is_rated_on_the_page_by_tracking_number(page: Any, gateway: Gateway, shoot: Any) -> None:
    created = httpx.post(f"{gateway.url}/api/v1/service-requests", json=request_body(session_id="wechat-elsewhere"),
                         headers={**AUTH, "Idempotency-Key": "browser-rate-by-number"}, timeout=10)
    tracking_no = created.json()["tracking_no"]
    staff = staff_http(gateway, "rating-agent")
    for to in ("accepted", "completed"):
        assert staff.post(f"/api/v1/staff/requests/{tracking_no}/status", json={"to": to}).status_code == 200

    page.get_by_role("button", name="评价").click()
    page.locator('.rating[data-kind="chat"]').get_by_role("button", name="评价办件（用受理编号）").click()
    card = page.locator('.rating[data-kind="request"]')
    card.get_by_label("受理编号").fill(tracking_no.lower())
    card.get_by_label("申请人出生日期").fill("20000101")
    card.get_by_role("radio", name="非常满意").click()
    card.get_by_role("button", name="提交评价").click()
    card.locator(".rating-result", has_text="评价暂时没有提交成功").wait_for()  # a wrong verifier
    card.get_by_label("申请人出生日期").fill(ID_NUMBER[6:14])  # the tracking verifier: the birth date
    card.get_by_role("button", name="提交评价").click()
    card.locator(".rating-result", has_text="感谢您的评价").wait_for()
    shoot(page, "19-request-rated")
    # A link with the number opens the same form.
    page.goto(f"{gateway.url}/?rate={tracking_no}")
    assert page.locator('.rating[data-kind="request"] .rating-tracking').input_value() == tracking_no


def test_a_poor_rating_without_contact_asks_for_a_phone_before_promising_a_call(page: Any, shoot: Any) -> None:
    ask(page, "身份证丢了怎么补办")
    rating = page.locator('.rating[data-kind="chat"]')
    rating.get_by_role("radio", name="非常不满意").click()
    rating.get_by_role("button", name="提交评价").click()
    result = rating.locator(".rating-result")
    result.filter(has_text="可以留下手机号").wait_for()
    assert "会尽快联系" not in result.inner_text()  # no promise without a way to call
    contact = rating.locator(".rating-contact")
    contact.get_by_label("手机号（选填，工作人员回电用）").fill("13985012345")
    contact.get_by_role("button", name="请工作人员回电").click()
    contact.locator(".rating-contact-result", has_text="已记录您的回拨电话 139****2345").wait_for()
    shoot(page, "20-poor-rating-phone")
