"""The combined application of a life event through the real Rasa server, action server and gateway: the shared
facts once, each service's own facts, one tracking number for three services; and kill -9 of the action server while
its submission waits at the gateway: after the restart, "重新提交" sends the same key and finds or makes exactly one
bundle with every item (docs/service-requests.md, "One application for a life event")."""

import os
import re
import signal
import sqlite3
import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.bundle_requests.models import BundleRequest
from api.chat.service import BUSY_TEXT
from api.db import make_engine, make_sessionmaker, session_scope
from api.service_requests.models import ServiceRequest
from govchat.files import sqlite_path
from govchat.settings import Settings
from govchat.stack import Stack, Supervisor
from tests.e2e.test_service_request import buttons_of, say, text_of
from tests.e2e.test_supervision import ACTIONS_BACK_SECONDS, new_session, restarted, wait_for

pytestmark = pytest.mark.e2e

START = '/start_bundle_request{"life_event": "small-restaurant"}'
TRACKING = re.compile(r"受理编号：(GZ\d{8}[2-9A-HJ-NP-Z]{8})")
SERVICES = ["个体工商户设立登记", "食品经营许可证核发", "发票申领"]


def bundles_of(settings: Settings, session_id: str) -> list[tuple[str, list[str]]]:
    """(tracking number, item titles) of the conversation's bundles."""
    with session_scope(make_sessionmaker(make_engine(settings.database_url))) as session:
        bundles = session.scalars(select(BundleRequest).where(BundleRequest.session_id == session_id)).all()
        return [(b.tracking_no, [i.service_title for i in b.items]) for b in bundles]


def items_of(settings: Settings, session_id: str) -> int:
    with session_scope(make_sessionmaker(make_engine(settings.database_url))) as session:
        return session.scalar(
            select(func.count()).select_from(ServiceRequest).where(ServiceRequest.session_id == session_id)
        ) or 0


def fill_in(gateway: httpx.Client, sid: str) -> tuple[int, list[dict[str, Any]]]:
    """Answers every question up to the confirmation; returns how many questions were asked, and the summary."""
    reply = say(gateway, sid, START)
    assert "3个事项" in text_of(reply), reply
    answers = [
        ("申请人的姓名", "张晓梅"),
        ("18位居民身份证", "52010219900101123X"),
        ("手机号码", "13985012345"),
    ]
    asked = 0
    for expected, answer in answers:
        assert expected in reply[-1]["text"], reply
        asked += 1
        reply = say(gateway, sid, answer)
    # The one window is set: the first free day and period, by their buttons.
    assert "“高效办成一件事”综合窗口办理的日期" in reply[-1]["text"], reply
    asked += 1
    reply = say(gateway, sid, buttons_of(reply)[0]["payload"])
    asked += 1
    reply = say(gateway, sid, buttons_of(reply)[0]["payload"])
    for expected, answer in (("字号", "李记牛肉粉"), ("经营地址", "南明区花果园R1区3栋102"), ("主要经营", "热食类")):
        assert expected in reply[-1]["text"], reply
        asked += 1
        reply = say(gateway, sid, answer)
    assert "【个体工商户设立登记】" in reply[-1]["text"] and "【发票申领】" in reply[-1]["text"], reply
    asked += 1
    reply = say(gateway, sid, "已备齐")
    assert "个人信息使用告知" in reply[-1]["text"], reply
    asked += 1
    reply = say(gateway, sid, "同意")
    asked += 1  # the confirmation
    return asked, reply


def test_one_application_for_three_services(gateway: httpx.Client, stack_settings: Settings) -> None:
    sid = new_session(gateway)
    asked, summary = fill_in(gateway, sid)
    text = text_of(summary)
    assert "520102********123X" in text and "52010219900101123X" not in text and "李记牛肉粉" in text
    # The longest single form asks 10 (name, ID, phone, mode, office, date, period, materials, consent,
    # confirmation); these three services have three own facts between them.
    assert asked == 11 <= 10 + 3

    assert "重新填写手机号码" in text_of(say(gateway, sid, "电话写错了"))
    assert "137****5678" in text_of(say(gateway, sid, "13712345678"))
    done = text_of(say(gateway, sid, "确认提交"))
    match = TRACKING.search(done)
    assert match and "共3个事项" in done, done
    assert bundles_of(stack_settings, sid) == [(match.group(1), SERVICES)]

    status = text_of(say(gateway, sid, "查一下我的办件进度"))
    assert match.group(1) in status and all(title in status for title in SERVICES), status
    assert "已提交，等待受理" in status


def test_stop_the_combined_form(gateway: httpx.Client, stack_settings: Settings) -> None:
    sid = new_session(gateway)
    say(gateway, sid, START)
    say(gateway, sid, "王伟")
    assert "已为您退出本次办理" in text_of(say(gateway, sid, "算了不办了"))
    assert bundles_of(stack_settings, sid) == []


def test_action_server_killed_mid_submission_leaves_exactly_one_bundle_with_every_item(
    stack: Stack, supervisor: Supervisor, gateway: httpx.Client, stack_settings: Settings
) -> None:
    sid = new_session(gateway)
    fill_in(gateway, sid)
    database = sqlite_path(stack_settings.database_url)
    assert database is not None
    lock = sqlite3.connect(database, timeout=30, isolation_level=None)
    stored = "SELECT count(*) FROM messages m JOIN conversations c ON m.conversation_id = c.id" \
             " WHERE c.session_id = ? AND m.role = 'citizen'"
    before = lock.execute(stored, (sid,)).fetchone()[0]
    confirmed: dict[str, Any] = {}
    confirming = threading.Thread(target=lambda: confirmed.update(reply=say(gateway, sid, "确认提交")))
    confirming.start()
    # Once the confirmation is stored (WAL: reading never waits), hold the database's write lock: the gateway cannot
    # store the bundle the action server is about to send, so the submission is in flight when the action server
    # dies. NLU, the form and the submit action take far longer than these 2 ms polls.
    deadline = time.monotonic() + 30
    while lock.execute(stored, (sid,)).fetchone()[0] == before:
        assert time.monotonic() < deadline, "the confirmation never reached the gateway"
        time.sleep(0.002)
    try:
        lock.execute("BEGIN IMMEDIATE")
        assert lock.execute("SELECT count(*) FROM bundle_requests WHERE session_id = ?", (sid,)).fetchone() == (0,)
        time.sleep(2.0)  # the action server reaches the gateway and waits (its read timeout is 8 s)
        old = stack.processes["actions"]
        # The whole process group: the Sanic worker handling the submission dies with its main process (killing
        # only the main process leaves the worker to finish the call first).
        os.killpg(old.pid, signal.SIGKILL)
        time.sleep(0.5)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    confirming.join(timeout=120)
    assert text_of(confirmed["reply"]) == BUSY_TEXT, confirmed  # no tracking number shown for an unknown outcome
    seconds = wait_for(restarted(stack, supervisor, "actions", old, gateway), ACTIONS_BACK_SECONDS)
    print(f"action server: ready again {seconds:.1f} s after kill -9 mid-submission")  # noqa: T201
    stored_meanwhile = bundles_of(stack_settings, sid)
    print(f"bundles stored by the interrupted submission: {len(stored_meanwhile)}")  # noqa: T201

    done = text_of(say(gateway, sid, "重新提交"))
    match = TRACKING.search(done)
    assert match, done
    assert bundles_of(stack_settings, sid) == [(match.group(1), SERVICES)]
    assert stored_meanwhile in ([], [(match.group(1), SERVICES)])  # the retry found what the first try stored
    assert "没有待提交的申请" in text_of(say(gateway, sid, "重新提交"))  # submitted: its answers are gone
    assert len(bundles_of(stack_settings, sid)) == 1 and items_of(stack_settings, sid) == 3
