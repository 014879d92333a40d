"""A web citizen's session id is their only credential for /api/v1/chat/{session_id}: no staff-facing response,
export or audit entry may contain it (nor a WeChat conversation's)."""

import io
import re
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.db import session_scope
from api.feedback import service as feedback_service
from api.feedback.schemas import RatingCreate
from api.service_requests import service as requests_service
from api.service_requests.schemas import ServiceRequestCreate
from govchat.settings import Settings
from tests.api.service_requests.conftest import request_body
from tests.api.staff.factories import PHONE, SAMPLE_TURNS, make_conversation, staff_client
from tests.conftest import new_session

WECHAT_SESSION = "wxkf-Sess10nSecret-b81d44"
STAFF_PREFIXES = ("/api/v1/review", "/api/v1/handover", "/api/v1/staff", "/api/v1/analytics", "/api/v1/retention")
# These load the sentence embedder (tests/api/analytics covers them); they show clustered, masked question texts.
SKIPPED = {"/api/v1/analytics/gaps", "/api/v1/analytics/export/gaps.csv"}


def _handover_reply(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "messages": [{"text": "好的，正在为您转接人工客服。", "buttons": None,
                      "custom": {"turn": {"decision": "fallback", "fell_back": True, "handover": True}}}],
        "nlu": {"intent": "human_handoff", "confidence": 0.97, "entities": []},
    }


def _text(response: Any) -> str:
    if response.headers.get("content-type", "").startswith("application/vnd.openxmlformats"):
        sheet = load_workbook(io.BytesIO(response.content)).active
        return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    return str(response.content.decode("utf-8-sig"))


def test_no_staff_response_export_or_audit_entry_contains_a_session_id(
    client: TestClient, fake_rasa: Any, migrated_settings: Settings
) -> None:
    # A web citizen who talks, asks for a person, leaves a call-back number, rates and files a request.
    fake_rasa.handler = _handover_reply
    web_session = new_session(client)
    assert client.post("/api/v1/chat", json={"session_id": web_session, "text": "我要找人工"}).status_code == 200
    left = client.post("/api/v1/handover/callback", json={"session_id": web_session, "phone": PHONE})
    assert left.status_code == 201
    wechat_id = make_conversation(client, session_id=WECHAT_SESSION, channel="wechat", turns=SAMPLE_TURNS)
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        feedback_service.create(session=session, data=RatingCreate.model_validate(
            {"session_id": web_session, "level": "非常不满意", "comment": "等太久"}))
        request, _ = requests_service.create(
            session=session, data=ServiceRequestCreate.model_validate(request_body(session_id=web_session)),
            idempotency_key="key-secret", guides_dir=migrated_settings.guides_dir,
        )
        tracking_no = request.tracking_no

    admin = staff_client(client, "admin")
    responses: list[Any] = []

    def keep(response: Any) -> Any:
        assert response.status_code < 300, response.text
        responses.append(response)
        return response

    # Every kind of staff action, so their answers and audit entries are checked too.
    web_id = keep(admin.get("/api/v1/handover/inbox")).json()["waiting"][0]["id"]
    keep(admin.post(f"/api/v1/handover/{web_id}/claim"))
    keep(admin.post(f"/api/v1/handover/{web_id}/reply", json={"text": "您好"}))
    keep(admin.post(f"/api/v1/handover/{web_id}/callback-phone"))
    transcript = keep(admin.get(f"/api/v1/review/conversations/{wechat_id}")).json()
    answer = transcript["turns"][0]["replies"][0]["id"]
    keep(admin.put(f"/api/v1/review/messages/{answer}/annotation", json={"verdict": "correct"}))
    keep(admin.post(f"/api/v1/review/messages/{transcript['turns'][0]['citizen']['id']}/reveal",
                    json={"reason": "核实"}))
    keep(admin.post(f"/api/v1/staff/requests/{tracking_no}/status", json={"to": "accepted", "reason": "齐全"}))
    follow_up = keep(admin.get("/api/v1/staff/follow-ups")).json()[0]["id"]
    keep(admin.post(f"/api/v1/staff/follow-ups/{follow_up}/done", json={"note": "已回访"}))
    keep(admin.post(f"/api/v1/handover/{web_id}/close"))

    # Then every staff GET route, with each path parameter filled in.
    charts = [c["key"] for c in admin.get("/api/v1/analytics/overview").json()["charts"]]
    values = {"conversation_id": [web_id, wechat_id], "tracking_no": [tracking_no], "chart": charts,
              "guide_id": ["birth-registration"]}
    visited = set()
    for path, operations in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        if "get" not in operations or path in SKIPPED or not path.startswith(STAFF_PREFIXES):
            continue
        urls = [path]
        for name in re.findall(r"{(\w+)}", path):
            assert name in values, f"no test value for {{{name}}} in {path}"
            urls = [u.replace(f"{{{name}}}", str(v)) for u in urls for v in values[name]]
        for url in urls:
            keep(admin.get(url, params={"limit": 500} if url.endswith("/audit") else None))
        visited.add(path)
    assert {"/api/v1/review/conversations", "/api/v1/review/export/conversations.csv",
            "/api/v1/review/export/conversations.xlsx", "/api/v1/handover/inbox", "/api/v1/staff/audit",
            "/api/v1/staff/requests", "/api/v1/staff/follow-ups"} <= visited

    for response in responses:
        text = _text(response)
        for secret in ("Sess10nSecret", web_session.split(".")[1]):
            assert secret not in text, (response.request.url, text[:500])
        assert "session_id" not in text, response.request.url
