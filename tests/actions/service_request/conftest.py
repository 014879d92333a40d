"""A fake gateway behind the real httpx client, and trackers built from dicts as the action server gets them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.service_request import gateway
from govchat import calendar
from tests.conftest import SAMPLE_HOLIDAYS

OFFICE = "贵阳市政务服务中心公安户政窗口"
HOLIDAYS = SAMPLE_HOLIDAYS  # what the fake gateway counts working days by


def bookable() -> list[dt.date]:
    return calendar.bookable_days(at=calendar.now(), table=HOLIDAYS)


@dataclass
class FakeGateway:
    """Records requests; ``down`` simulates a gateway that cannot be reached; ``replies`` scripts answers."""

    down: bool = False
    requests: list[httpx.Request] = field(default_factory=list)
    created: dict[str, dict[str, Any]] = field(default_factory=dict)
    refuse: tuple[int, str, str] | None = None
    full_days: set[str] = field(default_factory=set)
    # Scripted answers of /lookup, /{no}/cancel and /ratings/from-chat: (status, body).
    lookup_reply: tuple[int, dict[str, Any]] = (404, {"code": "request_not_found", "detail": "没有找到"})
    # Session id -> the requests /by-session/{id} answers with.
    session_requests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Session id -> the bundles /by-session/{id} answers with.
    session_bundles: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def slots(self) -> list[dict[str, Any]]:
        return [
            {"day": d.isoformat(), "period": p, "remaining": 5}
            for d in bookable()
            if d.isoformat() not in self.full_days
            for p in calendar.PERIODS
        ]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.headers.get("authorization") != "Bearer dev-service-token":
            return httpx.Response(401, json={"code": "unauthorized", "detail": "需要有效的服务凭证。"})
        if self.refuse is not None:
            status, code, detail = self.refuse
            return httpx.Response(status, json={"code": code, "detail": detail})
        path = request.url.path
        if path.endswith("/slots"):
            return httpx.Response(200, json={"office": request.url.params["office"], "slots": self.slots()})
        if path.startswith("/api/v1/service-requests/days/"):
            day = dt.date.fromisoformat(path.rsplit("/", 1)[1])
            working = calendar.is_working_day(day, HOLIDAYS)
            in_window = day in calendar.booking_window(at=calendar.now())
            booking_day = calendar.BookingDay(day=day, working=working, bookable=working and in_window)
            return httpx.Response(200, json=booking_day.model_dump(mode="json"))
        if path == "/api/v1/service-requests":
            key = request.headers["idempotency-key"]
            body = json.loads(request.content)
            if key in self.created:
                return httpx.Response(200, json=self.created[key])
            self.created[key] = {
                "tracking_no": f"GZ20261126ABCD{len(self.created) + 2:04d}",
                "status": "submitted",
                "service_title": "居民身份证补领",
                **body,
            }
            return httpx.Response(201, json=self.created[key])
        if path == "/api/v1/bundle-requests":
            key = request.headers["idempotency-key"]
            if key not in self.created:
                body = json.loads(request.content)
                no = f"GZ20261126BCDE{len(self.created) + 2:04d}"
                items = [
                    {"tracking_no": f"{no}{n:02d}", "status": "submitted", "status_label": "已提交，等待受理",
                     "service_title": item["guide_id"], "mode_label": "网上办理", "history": [], **item}
                    for n, item in enumerate(body["items"], start=1)
                ]
                self.created[key] = {"tracking_no": no, "event_title": "新生儿出生“一件事”", **body, "items": items}
                return httpx.Response(201, json=self.created[key])
            return httpx.Response(200, json=self.created[key])
        if "/by-session/" in path:
            session_id = path.rsplit("/", 1)[1]
            return httpx.Response(200, json={"session_id": session_id,
                                             "requests": self.session_requests.get(session_id, []),
                                             "bundles": self.session_bundles.get(session_id, [])})
        if path.endswith(("/lookup", "/cancel", "/from-chat")):
            status, body = self.lookup_reply
            return httpx.Response(status, json=body)
        raise AssertionError(f"unexpected call {request.method} {path}")


@pytest.fixture
def fake_gateway() -> Iterator[FakeGateway]:
    fake = FakeGateway()
    gateway.use_transport(httpx.MockTransport(fake.handle))
    yield fake
    gateway.use_transport(None)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def tracker(
    text: str = "",
    *,
    intent: str = "inform",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    requested: str | None = None,
    form: str | None = "service_request_form",
    sender: str = "web-citizen-1",
) -> Tracker:
    all_slots = {"requested_slot": requested, **(slots or {})}
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": all_slots,
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.95},
                "entities": entities or [],
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": form} if form else {},
            "latest_action_name": "action_listen",
        }
    )


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("text") or "" for m in dispatcher.messages]


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


FILLED = {
    "sr_guide_id": "id-card-replacement",
    "sr_name": "张晓梅",
    "sr_id_number": "52010219900101123X",
    "sr_phone": "13985012345",
    "sr_mode": "online",
    "sr_materials_ok": True,
    "sr_consent": True,
    "sr_confirmed": True,
}
