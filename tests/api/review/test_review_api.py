"""Conversation review: filters, Chinese search, transcripts with turn facts, masking, reveal, annotations, exports."""

import csv
import io
from datetime import UTC, datetime
from typing import Any

import yaml
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import event

from tests.api.staff.factories import ID_NUMBER, PHONE, SAMPLE_TURNS, make_conversation, staff_client

MASKED_ID = "520102********1234"
MASKED_PHONE = "138****5678"


def _seed(client: TestClient) -> tuple[int, int]:
    first = make_conversation(client, session_id="s-review-1", turns=SAMPLE_TURNS)
    second = make_conversation(
        client, session_id="s-review-2", channel="wechat", created_at=datetime(2026, 1, 5, 10, tzinfo=UTC),
        turns=[{"q": "社保卡怎么补办", "intent": "ask_service", "confidence": 0.95, "a": "社保卡补办需要身份证。",
                "guide_id": "social-security-card", "section": "materials", "score": 0.9, "decision": "answer"}],
    )
    return first, second


def test_list_is_masked_and_filters_work(client: TestClient) -> None:
    first, second = _seed(client)
    analyst = staff_client(client, "analyst")
    page = analyst.get("/api/v1/review/conversations").json()
    assert page["total"] == 2
    summary = next(c for c in page["items"] if c["id"] == first)
    assert ID_NUMBER not in summary["first_question"] and PHONE not in summary["first_question"]
    assert "张*" in summary["first_question"] and "张三" not in summary["first_question"]
    assert summary["handed_over"] and summary["fell_back"] and summary["min_confidence"] == 0.2
    assert summary["outcome"] == "handed_over"
    assert next(c for c in page["items"] if c["id"] == second)["outcome"] == "answered"

    def ids(**params: object) -> set[int]:
        response = analyst.get("/api/v1/review/conversations", params=params)
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()["items"]}

    assert ids(channel="wechat") == {second}
    assert ids(handed_over=True) == {first}
    assert ids(handed_over=False) == {second}
    assert ids(fell_back=True) == {first}
    assert ids(guide_id="social-security-card") == {second}
    assert ids(intent="human_handoff") == {first}
    assert ids(confidence_below=0.5) == {first}
    assert ids(date_from="2026-01-05", date_to="2026-01-05") == {second}
    assert ids(date_to="2026-01-04") == set()
    assert ids(q="社保卡") == {second}
    assert ids(q="娃娃 户口") == {first}  # every word must occur
    assert ids(q="娃娃 社保卡") == set()
    assert ids(q="100%") == set()  # LIKE wildcards are escaped


def test_searching_by_long_numbers_is_admin_only(client: TestClient) -> None:
    _seed(client)
    agent = staff_client(client, "agent")
    refused = agent.get("/api/v1/review/conversations", params={"q": PHONE})
    assert refused.status_code == 422 and refused.json()["code"] == "search_refused"
    admin = staff_client(client, "admin")
    assert admin.get("/api/v1/review/conversations", params={"q": PHONE}).json()["total"] == 1


def test_transcript_shows_turn_facts_masked(client: TestClient) -> None:
    first, _ = _seed(client)
    analyst = staff_client(client, "analyst")
    transcript = analyst.get(f"/api/v1/review/conversations/{first}").json()
    assert len(transcript["turns"]) == 3
    turn = transcript["turns"][0]
    citizen, reply = turn["citizen"], turn["replies"][0]
    assert citizen["text"] == f"我叫张*，身份证 {MASKED_ID}，手机 {MASKED_PHONE}，身份证丢了咋整"
    assert citizen["intent"] == "ask_service" and citizen["confidence"] == 0.92
    assert citizen["entities"] == [{"entity": "name", "value": "张*"}]
    assert reply["guide_id"] == "id-card-replacement" and reply["guide_title"] == "居民身份证补领"
    assert reply["section"] == "materials" and reply["score"] == 0.81 and reply["decision"] == "answer"
    assert reply["section_title"] == "申请材料"
    assert reply["latency_ms"] == 120
    last = transcript["turns"][2]["replies"][0]
    assert last["fell_back"] and last["handed_over"]
    raw = str(transcript)
    assert ID_NUMBER not in raw and PHONE not in raw and "张三" not in raw


def test_reveal_is_admin_only_and_audited(client: TestClient) -> None:
    first, _ = _seed(client)
    admin = staff_client(client, "admin")
    message_id = admin.get(f"/api/v1/review/conversations/{first}").json()["turns"][0]["citizen"]["id"]
    for role in ("agent", "analyst"):
        other = staff_client(client, role)
        response = other.post(f"/api/v1/review/messages/{message_id}/reveal", json={"reason": "核实身份"})
        assert response.status_code == 403
    assert admin.post(f"/api/v1/review/messages/{message_id}/reveal", json={}).status_code == 422  # reason required
    revealed = admin.post(f"/api/v1/review/messages/{message_id}/reveal", json={"reason": "群众来电核实身份"})
    assert revealed.status_code == 200 and ID_NUMBER in revealed.json()["text"]
    events = admin.get("/api/v1/staff/audit", params={"action": "reveal"}).json()["items"]
    assert len(events) == 1
    assert events[0]["target_id"] == str(message_id) and events[0]["reason"] == "群众来电核实身份"
    assert events[0]["username"] == "admin1"


def test_annotation_by_agent_not_analyst_and_exports(client: TestClient) -> None:
    first, second = _seed(client)
    agent = staff_client(client, "agent")
    transcript = agent.get(f"/api/v1/review/conversations/{first}").json()
    right = transcript["turns"][0]["replies"][0]["id"]
    wrong = transcript["turns"][1]["replies"][0]["id"]
    citizen = transcript["turns"][0]["citizen"]["id"]

    analyst = staff_client(client, "analyst")
    assert analyst.put(f"/api/v1/review/messages/{right}/annotation", json={"verdict": "correct"}).status_code == 403
    assert agent.put(f"/api/v1/review/messages/{citizen}/annotation", json={"verdict": "correct"}).status_code == 422

    ok = agent.put(f"/api/v1/review/messages/{right}/annotation",
                   json={"verdict": "correct", "tags": ["准确"], "comment": "回答完整"})
    assert ok.status_code == 200 and ok.json()["verdict"] == "correct"
    fix = agent.put(f"/api/v1/review/messages/{wrong}/annotation",
                    json={"verdict": "wrong", "expected_guide_id": "birth-registration",
                          "expected_intent": "ask_birth_registration", "tags": ["应直接回答"]})
    assert fix.status_code == 200
    again = agent.put(f"/api/v1/review/messages/{wrong}/annotation",
                      json={"verdict": "wrong", "expected_guide_id": "birth-registration",
                            "expected_intent": "ask_birth_registration", "comment": "改"})
    assert again.json()["id"] == fix.json()["id"]  # one annotation per answer, updated in place

    shown = agent.get(f"/api/v1/review/conversations/{first}").json()["turns"][1]["replies"][0]["annotation"]
    assert shown["expected_guide_id"] == "birth-registration" and shown["comment"] == "改"
    assert {c["id"] for c in agent.get("/api/v1/review/conversations", params={"annotated": True}).json()["items"]} \
        == {first}

    nlu = agent.get("/api/v1/review/export/rasa-nlu.yml")
    assert nlu.status_code == 200
    data = yaml.safe_load(nlu.text)
    by_intent = {item["intent"]: item["examples"] for item in data["nlu"]}
    assert "那个娃娃上户口呢" in by_intent["ask_birth_registration"]
    assert MASKED_ID in by_intent["ask_service"] and ID_NUMBER not in nlu.text and "张三" not in nlu.text

    rows = yaml.safe_load(agent.get("/api/v1/review/export/knowledge-eval.yml").text)
    assert {"q": "那个娃娃上户口呢", "guide": "birth-registration"} in rows
    assert any(r.get("guide") == "id-card-replacement" and r.get("aspect") == "materials" for r in rows)

    annotate_events = staff_client(client, "admin").get("/api/v1/staff/audit", params={"action": "annotate"})
    assert annotate_events.json()["total"] == 3


def test_csv_and_xlsx_exports_are_masked_and_filtered(client: TestClient) -> None:
    first, second = _seed(client)
    analyst = staff_client(client, "analyst")
    response = analyst.get("/api/v1/review/export/conversations.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert ID_NUMBER not in text and PHONE not in text and "张三" not in text and MASKED_ID in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "会话ID" and len(rows) == 1 + 6 + 2
    only_wechat = analyst.get("/api/v1/review/export/conversations.csv", params={"channel": "wechat"})
    assert len(list(csv.reader(io.StringIO(only_wechat.content.decode("utf-8-sig"))))) == 3

    xlsx = analyst.get("/api/v1/review/export/conversations.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(MASKED_PHONE in v for v in values) and not any(PHONE in v for v in values)
    events = staff_client(client, "admin").get("/api/v1/staff/audit", params={"action": "export"}).json()["items"]
    assert {e["detail"]["format"] for e in events} == {"csv", "xlsx"}


def test_formula_cells_are_neutralised(client: TestClient) -> None:
    make_conversation(client, session_id="s-formula", turns=[{"q": "=HYPERLINK(\"http://x\")", "a": "您好"}])
    analyst = staff_client(client, "analyst")
    text = analyst.get("/api/v1/review/export/conversations.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_date_filters_are_days_in_the_office_time_zone(client: TestClient) -> None:
    """07:00 on 5 January in Guiyang is 23:00 on 4 January in UTC: staff mean their own calendar day."""
    early = make_conversation(client, session_id="s-early", created_at=datetime(2026, 1, 4, 23, tzinfo=UTC),
                              turns=[{"q": "早上好", "a": "您好"}])
    analyst = staff_client(client, "analyst")

    def ids(**params: object) -> set[int]:
        return {c["id"] for c in analyst.get("/api/v1/review/conversations", params=params).json()["items"]}

    assert ids(date_from="2026-01-05", date_to="2026-01-05") == {early}
    assert ids(date_to="2026-01-04") == set()
    export = analyst.get("/api/v1/review/export/conversations.csv", params={"date_from": "2026-01-05"})
    header, *rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    # Stored and sent in UTC (with the offset, also from SQLite); exported as the office's wall clock.
    listed = analyst.get("/api/v1/review/conversations").json()["items"][0]
    assert datetime.fromisoformat(listed["created_at"]) == datetime(2026, 1, 4, 23, tzinfo=UTC)
    assert {row[header.index("时间")] for row in rows} == {"2026-01-05 07:00:00"}


def test_annotation_exports_do_not_query_per_annotation(client: TestClient) -> None:
    conversation_ids = [make_conversation(client, session_id=f"s-many-{i}", turns=SAMPLE_TURNS) for i in range(4)]
    agent = staff_client(client, "agent")
    for conversation_id in conversation_ids:
        for turn in agent.get(f"/api/v1/review/conversations/{conversation_id}").json()["turns"]:
            agent.put(f"/api/v1/review/messages/{turn['replies'][0]['id']}/annotation", json={"verdict": "correct"})
    statements: list[str] = []
    engine = client.app.state.sessionmaker.kw["bind"]  # type: ignore[attr-defined]

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        nlu = agent.get("/api/v1/review/export/rasa-nlu.yml")
        evaluation = agent.get("/api/v1/review/export/knowledge-eval.yml")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert nlu.status_code == evaluation.status_code == 200
    assert MASKED_ID in nlu.text and ID_NUMBER not in nlu.text and "那个娃娃上户口呢" in nlu.text
    assert len(yaml.safe_load(evaluation.text)) == 2  # the same two questions, four times
    assert len(statements) < 20, statements  # 12 annotations: a query or two each would be 24 or more


def test_the_applicant_name_is_masked_in_the_requests_conversation(client: TestClient) -> None:
    from tests.api.service_requests.conftest import AUTH, request_body

    turns = [
        {"q": "我要办理", "a": "请问申请人的姓名是？（请与身份证上一致）"},
        {"q": "张晓梅", "a": "请输入申请人的18位居民身份证号码。"},
        {"q": "５２０１０２ １９９００１０１ １２３ｘ", "a": "请核对：\n申请人：张晓梅\n身份证号：520102********123X"},
        {"q": "晓梅本人来办，电话 +86 139-8501-2345", "a": "好的"},
    ]
    conversation = make_conversation(client, session_id="web-abc", turns=turns)
    created = client.post("/api/v1/service-requests", json=request_body(),
                          headers={**AUTH, "Idempotency-Key": "k-review-1"})
    assert created.status_code == 201, created.text
    analyst = staff_client(client, "analyst")
    transcript = str(analyst.get(f"/api/v1/review/conversations/{conversation}").json())
    export = analyst.get("/api/v1/review/export/conversations.csv").content.decode("utf-8-sig")
    for shown in (transcript, export):
        assert "张晓梅" not in shown and "晓梅" not in shown and "张**" in shown
        assert "８５０１" not in shown and "8501" not in shown and "139****2345" in shown
        assert "１９９００１０１" not in shown and "520102********123X" in shown


def test_exports_survive_any_stored_text(client: TestClient) -> None:
    """Text stored before govchat.text cleaned it (written here around the engine): a control character made the
    XLSX export a 500 for everyone, and the CSV carried terminal escape sequences."""
    make_conversation(client, session_id="s-raw", turns=[{"q": "占位", "a": "您好"}])
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute("UPDATE messages SET text = ? WHERE role = 'citizen'", ("坏\x01字\x1b[2J符\x0b",))
        connection.connection.commit()
    analyst = staff_client(client, "analyst")
    xlsx = analyst.get("/api/v1/review/export/conversations.xlsx")
    assert xlsx.status_code == 200
    values = [str(c.value) for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows() for c in row]
    assert "坏字[2J符" in values
    text = analyst.get("/api/v1/review/export/conversations.csv").content.decode("utf-8-sig")
    assert "坏字[2J符" in text and "\x1b" not in text and "\x01" not in text
