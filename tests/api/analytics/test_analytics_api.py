"""Analytics: chart data, exports, roles, and knowledge-gap clustering with a fake deterministic embedder."""

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.analytics.cache import KEY_PREFIX, RedisGapCache
from api.analytics.dependencies import get_gap_embedder
from api.analytics.service import cluster
from api.db import session_scope
from api.feedback.models import Rating, RatingLevel
from api.main import create_app
from govchat.settings import Settings
from tests.api.staff.factories import SAMPLE_TURNS, make_conversation, staff_client
from tests.conftest import FakeRasa


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
    assert outcomes == [50.0, 25.0, 0.0, 25.0, 25.0]  # 2 answered, 1 clarified, 0 apologies, 1 fell back, 1 handed over
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
    g1 = make_conversation(client, session_id="g1", turns=[{"q": "公积金怎么提取", **weak},
                                                            {"q": "公积金贷款额度多少", **weak}])
    g2 = make_conversation(client, session_id="g2", turns=[{"q": "提取公积金要啥材料", **weak},
                                                       {"q": "驾照到期换证在哪", **weak},
                                                       {"q": "社保卡怎么补办", "confidence": 0.95, "a": "好",
                                                        "decision": "answer"}])
    make_conversation(client, session_id="g3", turns=[{"q": "我电话 13812345678 驾照丢了", **weak}])
    analyst = staff_client(client, "analyst")
    gaps = analyst.get("/api/v1/analytics/gaps").json()
    assert gaps["available"] and gaps["questions"] == 5
    assert gaps["analysed"] == 5 and not gaps["capped"] and gaps["distinct_texts"] == 5 and not gaps["cached"]
    sizes = [c["size"] for c in gaps["clusters"]]
    assert sizes == [3, 2]
    assert all("公积金" in e for e in gaps["clusters"][0]["examples"])
    assert any("138****5678" in e for e in gaps["clusters"][1]["examples"])
    assert "13812345678" not in str(gaps)
    # Each example links to the conversation it was asked in (the console opens it in 会话审阅).
    first = gaps["clusters"][0]
    assert dict(zip(first["examples"], first["example_conversations"], strict=True)) == {
        "公积金怎么提取": g1, "公积金贷款额度多少": g1, "提取公积金要啥材料": g2}
    export = analyst.get("/api/v1/analytics/export/gaps.csv")
    assert export.status_code == 200 and "公积金" in export.content.decode("utf-8-sig")
    client.app.dependency_overrides.clear()


def test_gaps_without_embedder_say_so(client: TestClient) -> None:
    client.app.dependency_overrides[get_gap_embedder] = lambda: "语义聚类不可用：知识库索引尚未构建"
    make_conversation(client, session_id="g1", turns=[{"q": "公积金怎么提取", "confidence": 0.1, "a": "?"}])
    body = staff_client(client, "analyst").get("/api/v1/analytics/gaps").json()
    assert {k: body[k] for k in ("available", "message", "questions", "analysed", "capped", "clusters")} == \
        {"available": False, "message": "语义聚类不可用：知识库索引尚未构建", "questions": 1, "analysed": 1,
         "capped": False, "clusters": []}
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


# --- bounded and cached knowledge gaps ----------------------------------------------------------------------------

WEAK = {"confidence": 0.2, "a": "抱歉，我没有理解。", "decision": "fallback", "fell_back": True}


class CountingEmbedder(TopicEmbedder):
    """Remembers every batch it was asked to embed."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def encode(self, sentences: list[str], **kwargs: Any) -> np.ndarray:
        self.batches.append(list(sentences))
        return super().encode(sentences, **kwargs)


@pytest.fixture
def gap_client(migrated_settings: Settings, fake_rasa: FakeRasa, request: pytest.FixtureRequest,
               ) -> Iterator[tuple[TestClient, CountingEmbedder]]:
    """A gateway with the settings the test passes (indirect parametrize), its embedder counting batches."""
    overrides: dict[str, Any] = getattr(request, "param", {})
    settings = migrated_settings.model_copy(update=overrides)
    embedder = CountingEmbedder()
    with TestClient(create_app(settings, rasa_transport=fake_rasa.transport())) as test_client:
        test_client.app.dependency_overrides[get_gap_embedder] = lambda: embedder  # type: ignore[attr-defined]
        yield test_client, embedder


@pytest.mark.parametrize("gap_client", [{"analytics_gap_max_questions": 3}], indirect=True)
def test_gaps_cap_the_most_recent_questions_and_say_so(gap_client: tuple[TestClient, CountingEmbedder]) -> None:
    client, embedder = gap_client
    earlier = datetime.now(UTC) - timedelta(days=3)
    make_conversation(client, session_id="old", created_at=earlier,
                      turns=[{"q": "户口迁移怎么办", **WEAK}, {"q": "户口本丢了", **WEAK}])
    make_conversation(client, session_id="new", turns=[{"q": "公积金怎么提取", **WEAK},
                                                        {"q": "公积金贷款额度多少", **WEAK},
                                                        {"q": "驾照到期换证在哪", **WEAK}])
    analyst = staff_client(client, "analyst")
    body = analyst.get("/api/v1/analytics/gaps").json()
    assert body["questions"] == 5 and body["analysed"] == 3 and body["capped"] and body["max_questions"] == 3
    assert [c["size"] for c in body["clusters"]] == [2, 1]
    assert "户口" not in str(body["clusters"])  # the two oldest were left out
    assert embedder.batches == [["公积金怎么提取", "公积金贷款额度多少", "驾照到期换证在哪"]]
    export = analyst.get("/api/v1/analytics/export/gaps.csv").content.decode("utf-8-sig")
    last = list(csv.reader(io.StringIO(export)))[-1]
    assert last[0] == "注" and "最近的 3 个" in last[2] and "共 5 个" in last[2]


def test_gaps_embed_identical_questions_once(gap_client: tuple[TestClient, CountingEmbedder]) -> None:
    client, embedder = gap_client
    make_conversation(client, session_id="d1", turns=[{"q": "公积金怎么提取", "intent": "ask_fund", **WEAK},
                                                       {"q": "驾照到期换证在哪", **WEAK}])
    make_conversation(client, session_id="d2", turns=[{"q": "公积金怎么提取", **WEAK}])
    make_conversation(client, session_id="d3", turns=[{"q": "公积金怎么提取", **WEAK},
                                                       {"q": "公积金贷款额度多少", **WEAK}])
    body = staff_client(client, "analyst").get("/api/v1/analytics/gaps").json()
    assert embedder.batches == [["公积金怎么提取", "驾照到期换证在哪", "公积金贷款额度多少"]]
    assert body["questions"] == 5 and body["analysed"] == 5 and body["distinct_texts"] == 3
    first = body["clusters"][0]
    assert first["size"] == 4 and first["examples"] == ["公积金怎么提取", "公积金贷款额度多少"]
    assert [c["size"] for c in body["clusters"]] == [4, 1]


def test_gaps_cache_hit_does_not_embed_again(gap_client: tuple[TestClient, CountingEmbedder]) -> None:
    client, embedder = gap_client
    make_conversation(client, session_id="c1", turns=[{"q": "公积金怎么提取", **WEAK}])
    analyst = staff_client(client, "analyst")
    first = analyst.get("/api/v1/analytics/gaps").json()
    make_conversation(client, session_id="c2", turns=[{"q": "驾照到期换证在哪", **WEAK}])
    again = analyst.get("/api/v1/analytics/gaps").json()
    assert len(embedder.batches) == 1
    assert again["cached"] and not first["cached"] and again["computed_at"] == first["computed_at"]
    assert again["clusters"] == first["clusters"] and again["questions"] == 1  # as computed, up to the TTL
    # The export with the page's period is the same computation.
    assert analyst.get("/api/v1/analytics/export/gaps.csv").status_code == 200
    assert len(embedder.batches) == 1


def test_gaps_cache_is_per_period_and_parameters(gap_client: tuple[TestClient, CountingEmbedder]) -> None:
    client, embedder = gap_client
    make_conversation(client, session_id="p1", turns=[{"q": "公积金怎么提取", **WEAK}])
    analyst = staff_client(client, "analyst")
    # The default period ends today in the office's time zone (after 16:00 UTC that is tomorrow's UTC date).
    office = ZoneInfo(client.app.state.settings.office_timezone)  # type: ignore[attr-defined]
    today = datetime.now(UTC).astimezone(office).date()
    base = "/api/v1/analytics/gaps"
    analyst.get(base)
    analyst.get(f"{base}?date_from={today - timedelta(days=29)}&date_to={today}")  # the default period: a hit
    assert len(embedder.batches) == 1
    for query in ("threshold=0.8", "below=0.3", f"date_from={today - timedelta(days=6)}"):
        assert not analyst.get(f"{base}?{query}").json()["cached"], query
    assert len(embedder.batches) == 4
    assert analyst.get(f"{base}?threshold=0.8").json()["cached"]
    assert len(embedder.batches) == 4


@pytest.mark.parametrize("gap_client", [{"analytics_gap_cache_seconds": 0}], indirect=True)
def test_gaps_cache_can_be_turned_off(gap_client: tuple[TestClient, CountingEmbedder]) -> None:
    client, embedder = gap_client
    make_conversation(client, session_id="o1", turns=[{"q": "公积金怎么提取", **WEAK}])
    analyst = staff_client(client, "analyst")
    analyst.get("/api/v1/analytics/gaps")
    assert not analyst.get("/api/v1/analytics/gaps").json()["cached"]
    assert len(embedder.batches) == 2


def test_gaps_without_embedder_are_not_cached(gap_client: tuple[TestClient, CountingEmbedder]) -> None:
    client, embedder = gap_client
    make_conversation(client, session_id="u1", turns=[{"q": "公积金怎么提取", **WEAK}])
    analyst = staff_client(client, "analyst")
    client.app.dependency_overrides[get_gap_embedder] = lambda: "语义聚类不可用"  # type: ignore[attr-defined]
    assert not analyst.get("/api/v1/analytics/gaps").json()["available"]
    client.app.dependency_overrides[get_gap_embedder] = lambda: embedder  # type: ignore[attr-defined]
    assert analyst.get("/api/v1/analytics/gaps").json()["available"]
    assert len(embedder.batches) == 1


def test_cluster_weights_count_as_questions() -> None:
    vectors = np.array([[1, 0], [0, 1], [0.99, 0.1]], dtype=np.float32)
    assert cluster(vectors, 0.9) == [[0, 2], [1]]
    assert cluster(vectors, 0.9, np.array([1, 5, 1])) == [[1], [0, 2]]  # one text asked five times


class StubRedis:
    def __init__(self, down: bool = False) -> None:
        self.values: dict[str, str] = {}
        self.expiry: dict[str, int] = {}
        self.down = down

    def get(self, key: str) -> str | None:
        if self.down:
            raise ConnectionError("redis down")
        return self.values.get(key)

    def set(self, key: str, value: str, ex: int) -> None:
        if self.down:
            raise ConnectionError("redis down")
        self.values[key], self.expiry[key] = value, ex


def test_redis_gap_cache_shares_with_expiry_and_fails_open() -> None:
    stub = StubRedis()
    cache = RedisGapCache(stub, ttl_seconds=600)  # type: ignore[arg-type]
    cache.set("k", "{}")
    assert cache.get("k") == "{}" and stub.expiry == {KEY_PREFIX + "k": 600}
    down = RedisGapCache(StubRedis(down=True), ttl_seconds=600)  # type: ignore[arg-type]
    down.set("k", "{}")
    assert down.get("k") is None


def test_life_event_questions_and_checklists_left_half_way(client: TestClient) -> None:
    """Counted per event; a checklist is left half-way when the conversation ended (an hour of silence) before the
    citizen applied or opened every service; a conversation still going counts in neither."""
    from tests.conftest import FROZEN_NOW

    checklist = {"decision": "checklist", "section": "checklist"}
    now = FROZEN_NOW.astimezone(UTC)
    long_ago = now - timedelta(hours=3)
    make_conversation(client, session_id="le-left", created_at=long_ago, turns=[
        {"q": "生娃娃了要办哪些手续", "a": "新生儿出生……", "life_event": "newborn", **checklist},
        {"q": "要跑几趟", "a": "共跑……", "life_event": "newborn", "decision": "checklist", "section": "visits"},
    ])
    make_conversation(client, session_id="le-applied", created_at=long_ago, turns=[
        {"q": "准备退休了要弄哪些", "a": "退休……", "life_event": "retirement", **checklist},
        {"q": '/start_bundle_request{"life_event":"retirement"}', "intent": "start_bundle_request",
         "a": "好的，一起申请。"},
    ])
    make_conversation(client, session_id="le-going", created_at=now - timedelta(minutes=10), turns=[
        {"q": "孩子出生了要办啥", "a": "新生儿出生……", "life_event": "newborn", **checklist},
    ])
    day = FROZEN_NOW.date().isoformat()
    body = staff_client(client, "analyst").get(
        f"/api/v1/analytics/overview?date_from={day}&date_to={day}").json()
    chart = _chart(body, "life_events")
    by_event = {label: {name: values[i] for name, values in chart["series"].items()}
                for i, label in enumerate(chart["labels"])}
    assert by_event["新生儿出生“一件事”"] == {"咨询次数": 2, "半途而止": 1, "申请或全部查看": 0}
    assert by_event["退休“一件事”"] == {"咨询次数": 1, "半途而止": 0, "申请或全部查看": 1}
    assert body["totals"]["life_event_questions"] == 3
    assert body["totals"]["checklists_half_way"] == 1
    assert body["totals"]["checklists_half_way_pct"] == 50.0
