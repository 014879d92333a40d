"""Service requests through the real Rasa server, action server and gateway: apply with a window appointment,
bad input on the way, a question mid-form, a correction, confirmation (twice), tracking, a staff status change
shown in the chat, cancelling, stopping."""

import re
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.db import make_engine, make_sessionmaker, session_scope
from api.service_requests import service
from api.service_requests.models import ServiceRequest
from govchat.settings import Settings

pytestmark = pytest.mark.e2e

TRACKING = re.compile(r"受理编号：(GZ\d{8}[2-9A-HJ-NP-Z]{8})")


def say(gateway: httpx.Client, session_id: str, text: str) -> list[dict[str, Any]]:
    """One message; waits out the per-session and per-IP rate limits instead of failing on them."""
    for _ in range(12):
        response = gateway.post("/api/v1/chat", json={"session_id": session_id, "text": text})
        if response.status_code != 429:
            break
        wait = re.search(r"(\d+) 秒", response.json()["detail"])
        time.sleep(int(wait.group(1)) if wait else 5)
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


def buttons_of(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [b for m in messages for b in (m.get("buttons") or [])]


def count_requests(settings: Settings, session_id: str) -> int:
    with session_scope(make_sessionmaker(make_engine(settings.database_url))) as session:
        return session.scalar(
            select(func.count()).select_from(ServiceRequest).where(ServiceRequest.session_id == session_id)
        ) or 0


def test_apply_with_a_window_appointment_then_track_and_get_notified(
    gateway: httpx.Client, stack_settings: Settings
) -> None:
    sid = gateway.post("/api/v1/chat/sessions").json()["session_id"]
    answer = say(gateway, sid, "身份证丢了怎么补办")
    assert any(b["payload"] == "/start_service_request" for b in buttons_of(answer)), answer

    assert "居民身份证补领" in text_of(say(gateway, sid, "/start_service_request"))
    assert "18位居民身份证" in text_of(say(gateway, sid, "张晓梅"))
    assert "校验码不对" in text_of(say(gateway, sid, "520102199001011234"))
    assert "手机号码" in text_of(say(gateway, sid, "52010219900101123X"))

    # A question mid-form is answered from the guide, and the form asks again.
    reply = say(gateway, sid, "要带什么材料？")
    assert "户口簿" in text_of(reply) and "手机号码" in reply[-1]["text"]

    assert "应为11位" in text_of(say(gateway, sid, "1398501234"))
    offices = buttons_of(say(gateway, sid, "139 8501 2345"))
    # 居民身份证补领 takes photo and fingerprints at a window: no 网上办理 to choose.
    assert [b["title"] for b in offices] == ["到窗口办理（预约）"]
    offices = buttons_of(say(gateway, sid, offices[0]["payload"]))
    days = buttons_of(say(gateway, sid, offices[0]["payload"]))
    assert days and all("周六" not in b["title"] and "周日" not in b["title"] for b in days)
    periods = buttons_of(say(gateway, sid, days[0]["payload"]))
    assert periods and periods[0]["title"].startswith("09:00-10:00")
    assert "工作时间" in text_of(say(gateway, sid, "晚上8点"))
    assert "居民户口簿" in text_of(say(gateway, sid, periods[1]["payload"]))
    assert "个人信息使用告知" in text_of(say(gateway, sid, "已备齐"))
    summary = text_of(say(gateway, sid, "同意"))
    assert "520102********123X" in summary and "52010219900101123X" not in summary

    # Correct a field from the summary, then confirm.
    assert "重新填写手机号码" in text_of(say(gateway, sid, "手机号填错了"))
    assert "137****5678" in text_of(say(gateway, sid, "13712345678"))
    done = text_of(say(gateway, sid, "确认提交"))
    match = TRACKING.search(done)
    assert match, done
    tracking_no = match.group(1)
    assert count_requests(stack_settings, sid) == 1
    say(gateway, sid, "确认提交")  # a repeated confirmation
    assert count_requests(stack_settings, sid) == 1

    # Tracking in the conversation that applied: the status at once, nothing to type.
    status = text_of(say(gateway, sid, "查一下我的办件进度"))
    assert "已提交，等待受理" in status and "办理记录" in status and tracking_no in status
    # From another conversation: a wrong pair reveals nothing; the right one shows the status and its history.
    other = gateway.post("/api/v1/chat/sessions").json()["session_id"]
    say(gateway, other, "查一下我的办件进度")
    say(gateway, other, tracking_no)
    assert "没有找到" in text_of(say(gateway, other, "19900102"))
    say(gateway, other, f"帮我查下{tracking_no}的进度")
    status = text_of(say(gateway, other, "19900101"))
    assert "已提交，等待受理" in status and "办理记录" in status

    # Staff accept it: the citizen's next reply starts with the notice; cancelling is then refused.
    with session_scope(make_sessionmaker(make_engine(stack_settings.database_url))) as session:
        service.change_status(session=session, tracking_no=tracking_no, to="accepted", actor="staff:1")
    reply = say(gateway, sid, "你好")
    assert reply[0]["text"].startswith("【办件进度】") and tracking_no in reply[0]["text"]
    say(gateway, sid, "取消申请")
    say(gateway, sid, tracking_no)
    assert "不能在线取消" in text_of(say(gateway, sid, "1990年1月1日"))


def test_stop_at_any_point_and_start_without_a_guide(gateway: httpx.Client, stack_settings: Settings) -> None:
    sid = gateway.post("/api/v1/chat/sessions").json()["session_id"]
    assert "请问您要办理哪项业务" in text_of(say(gateway, sid, "/start_service_request"))
    say(gateway, sid, "身份证丢了怎么补办")
    say(gateway, sid, "帮我预约")
    say(gateway, sid, "王伟")
    assert "已为您退出本次办理" in text_of(say(gateway, sid, "算了不办了"))
    say(gateway, sid, "确认提交")
    assert count_requests(stack_settings, sid) == 0
