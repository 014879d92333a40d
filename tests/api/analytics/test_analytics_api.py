"""Analytics: chart data, exports, roles, and knowledge-gap clustering with a fake deterministic embedder."""

import csv
import io
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from api.analytics.dependencies import get_gap_embedder
from api.analytics.service import cluster
from api.db import session_scope
from api.feedback.models import Rating, RatingLevel
from tests.api.staff.factories import SAMPLE_TURNS, make_conversation, staff_client


class TopicEmbedder:
    """Deterministic: one axis per keyword, so questions sharing a topic word are close."""

    TOPICS = ("公积金", "户口", "驾照", "社保")

    def encode(self, sentences: list[str], **_: Any) -> np.ndarray:
        vectors = np.zeros((len(sentences), len(self.TOPICS) + 1), dtype=np.float32)
        for i, s in enumerate(sentences):
            hits = [j for j, t in enumerate(self.TOPICS) if t in s]
            for j in hits:
                vectors[i, j] = 1.0
            if not hits:
                vectors[i, -1] = 1.0
        return vectors


def _chart(body: dict[str, Any], key: str) -> dict[str, Any]:
    return next(c for c in body["charts"] if c["key"] == key)


def test_overview_charts(client: TestClient) -> None:
    make_conversation(client, session_id="a1", turns=SAMPLE_TURNS)
    make_conversation(client, session_id="a2", channel="wechat", turns=[
        {"q": "社保卡怎么补办", "confidence": 0.95, "a": "需要身份证。", "guide_id": "social-security-card",
         "decision": "answer"}])
    analyst = staff_client(client, "analyst")
    response = analyst.get("/api/v1/analytics/overview")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totals"]["conversations"] == 2 and body["totals"]["questions"] == 4
    per_day = _chart(body, "per_day")
    assert sum(per_day["series"]["会话"]) == 2 and sum(per_day["series"]["消息"]) == 8
    by_channel = _chart(body, "by_channel")
    assert dict(zip(by_channel["labels"], by_channel["series"]["会话"], strict=True)) == \
        {"网页": 1, "微信": 1}
    assert sum(_chart(body, "by_hour")["series"]["消息"]) == 4
    outcomes = _chart(body, "outcomes")["series"]["比例"]
    assert outcomes == [50.0, 25.0, 25.0, 25.0]  # 2 answered, 1 clarified, 1 fell back, 1 handed over of 4
    top = _chart(body, "top_services")
    assert "居民身份证补领" in top["labels"]
    for key in ("satisfaction", "satisfaction_trend", "requests_by_status"):
        assert _chart(body, key)["labels"]


def test_each_chart_exports_as_csv(client: TestClient) -> None:
    make_conversation(client, session_id="a1", turns=SAMPLE_TURNS)
    admin = staff_client(client, "admin")
    body = admin.get("/api/v1/analytics/overview").json()
    for chart in body["charts"]:
        response = admin.get(f"/api/v1/analytics/export/{chart['key']}.csv")
        assert response.status_code == 200, chart["key"]
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][0] == "项目" and len(rows) == len(chart["labels"]) + 1
    assert admin.get("/api/v1/analytics/export/nope.csv").status_code == 404


def test_analytics_roles(client: TestClient) -> None:
    agent = staff_client(client, "agent")
    assert agent.get("/api/v1/analytics/overview").status_code == 403
    assert client.get("/api/v1/analytics/overview").status_code == 401


def test_gaps_cluster_by_meaning_largest_first(client: TestClient) -> None:
    client.app.dependency_overrides[get_gap_embedder] = lambda: TopicEmbedder()
    weak = {"confidence": 0.2, "a": "抱歉，我没有理解。", "decision": "fallback", "fell_back": True}
    make_conversation(client, session_id="g1", turns=[{"q": "公积金怎么提取", **weak},
                                                       {"q": "公积金贷款额度多少", **weak}])
    make_conversation(client, session_id="g2", turns=[{"q": "提取公积金要啥材料", **weak},
                                                       {"q": "驾照到期换证在哪", **weak},
                                                       {"q": "社保卡怎么补办", "confidence": 0.95, "a": "好",
                                                        "decision": "answer"}])
    make_conversation(client, session_id="g3", turns=[{"q": "我电话 13812345678 驾照丢了", **weak}])
    analyst = staff_client(client, "analyst")
    gaps = analyst.get("/api/v1/analytics/gaps").json()
    assert gaps["available"] and gaps["questions"] == 5
    sizes = [c["size"] for c in gaps["clusters"]]
    assert sizes == [3, 2]
    assert all("公积金" in e for e in gaps["clusters"][0]["examples"])
    assert any("138****5678" in e for e in gaps["clusters"][1]["examples"])
    assert "13812345678" not in str(gaps)
    export = analyst.get("/api/v1/analytics/export/gaps.csv")
    assert export.status_code == 200 and "公积金" in export.content.decode("utf-8-sig")
    client.app.dependency_overrides.clear()


def test_gaps_without_embedder_say_so(client: TestClient) -> None:
    client.app.dependency_overrides[get_gap_embedder] = lambda: "语义聚类不可用：知识库索引尚未构建"
    make_conversation(client, session_id="g1", turns=[{"q": "公积金怎么提取", "confidence": 0.1, "a": "?"}])
    body = staff_client(client, "analyst").get("/api/v1/analytics/gaps").json()
    assert body == {"available": False, "message": "语义聚类不可用：知识库索引尚未构建", "questions": 1, "clusters": []}
    client.app.dependency_overrides.clear()


def test_cluster_function() -> None:
    vectors = np.array([[1, 0], [0.99, 0.1], [0, 1], [0.98, 0.05]], dtype=np.float32)
    assert cluster(vectors, 0.9) == [[0, 1, 3], [2]]


def test_chart_exports_do_not_load_the_embedder(client: TestClient) -> None:
    """Only the gaps export clusters; a per-day CSV must not wait ~20 s for e5 to load."""
    loads: list[int] = []

    def counting_embedder() -> TopicEmbedder:
        loads.append(1)
        return TopicEmbedder()

    client.app.dependency_overrides[get_gap_embedder] = counting_embedder
    make_conversation(client, session_id="a1", turns=SAMPLE_TURNS)
    analyst = staff_client(client, "analyst")
    assert analyst.get("/api/v1/analytics/export/per_day.csv").status_code == 200
    assert loads == []
    assert analyst.get("/api/v1/analytics/export/gaps.csv").status_code == 200
    assert loads == [1]
    client.app.dependency_overrides.clear()


def test_satisfaction_trend_has_no_average_on_days_without_ratings(client: TestClient) -> None:
    """A day nobody rated has no average; 0 would draw the trend down to below 非常不满意 (1)."""
    conversation_id = make_conversation(client, session_id="r1", turns=SAMPLE_TURNS)
    with session_scope(client.app.state.sessionmaker) as session:
        session.add(Rating(conversation_id=conversation_id, level=RatingLevel.SATISFIED, score=4))
    analyst = staff_client(client, "analyst")
    trend = _chart(analyst.get("/api/v1/analytics/overview").json(), "satisfaction_trend")["series"]
    assert trend["平均分"][-1] == 4 and trend["评价数"][-1] == 1
    assert trend["平均分"][:-1] == [None] * 29 and trend["评价数"][:-1] == [0] * 29
    rows = list(csv.reader(io.StringIO(
        analyst.get("/api/v1/analytics/export/satisfaction_trend.csv").content.decode("utf-8-sig"))))
    assert rows[1][1] == "" and rows[-1][1] == "4.0"
