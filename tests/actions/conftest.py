"""A small, deterministic fake of ``knowledge.KnowledgeBase`` and tracker builders for action tests.

The fake has the contract's shape (search -> SearchResult with hits/aspect/confidence/decision, guide -> Guide)
and answers from a script, so each test states exactly what the search "found".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge_base
from knowledge.schema import Guide, LifeEvent


@dataclass
class Hit:
    guide_id: str
    title: str
    section: str
    section_title: str
    text: str
    score: float
    url: str | None = "https://zwfw.guizhou.gov.cn/"


@dataclass
class SearchResult:
    hits: list[Hit]
    aspect: str | None = None
    confidence: float = 0.0
    decision: str = "fallback"
    life_event: str | None = None  # the life event the question is about (knowledge.base.SearchResult)
    query: str = ""  # the real search returns the question with mistyped service names read as the names


def make_guide(guide_id: str, title: str, **fields: Any) -> Guide:
    data: dict[str, Any] = {
        "id": guide_id,
        "title": title,
        "item_type": "公共服务",
        "implementing_body": "贵阳市某局",
        "department": "测试",
        "service_objects": ["自然人"],
        "summary": f"{title}的简要说明。",
        "conditions": ["申请人符合条件"],
        "materials": [
            {"name": "居民身份证", "form": "原件", "count": 1, "required": True},
            {"name": "委托书", "form": "原件", "count": 1, "required": False, "notes": "委托他人办理时提供"},
        ],
        "process": [{"name": "申请", "description": "到窗口提交材料"}, {"name": "领取", "description": "窗口领取"}],
        "time_limit": {"statutory": "20个工作日", "promised": "5个工作日"},
        "fees": [],
        "locations": [{"name": "贵阳市政务服务中心", "address": "观山湖区长岭北路", "hours": "周一至周五 9:00-17:00"}],
        "phones": {"consult": ["0851-00000000"], "complaint": ["12345"]},
        "online": {"available": False},
        "visits": 1,
        "faqs": [{"q": "问题一？", "a": "回答一。"}, {"q": "问题二？", "a": "回答二。"}],
        "aliases": [title + "别名", title + "俗称"],
        "version": "1.0",
        "updated": "2026-01-01",
        "source": "示例数据，以官方发布为准",
        "url": "https://zwfw.guizhou.gov.cn/",
    }
    data.update(fields)
    return Guide.model_validate(data)


GUIDES = {
    g.id: g
    for g in [
        make_guide(
            "id-card-replacement",
            "居民身份证补领",
            fees=[{"item": "居民身份证工本费（补领）", "amount": "20元"}],
            locations=[
                {
                    "name": "贵阳市政务服务中心公安户政窗口",
                    "address": "观山湖区贵阳市政务服务中心一楼",
                    "hours": "周一至周五 9:00-17:00；周六 9:00-17:00",
                }
            ],
            online={"available": True, "url": "https://zwfw.guizhou.gov.cn/", "notes": "可在线预约和挂失"},
        ),
        make_guide("temp-id-card", "临时居民身份证申领", fees=[{"item": "工本费", "amount": "10元"}]),
        make_guide("hpf-rent-withdrawal", "住房公积金租房提取"),
        make_guide("hpf-purchase-withdrawal", "住房公积金购房提取"),
        make_guide("hpf-retirement-withdrawal", "住房公积金退休提取"),
        make_guide("marriage-registration", "结婚登记"),
        make_guide("marriage-certificate-replacement", "补领婚姻登记证", aliases=["结婚证丢了", "补结婚证"]),
    ]
}


def hit(guide_id: str, score: float, section: str = "overview", text: str = "") -> Hit:
    return Hit(guide_id, GUIDES[guide_id].title, section, section, text or GUIDES[guide_id].summary, score)


@dataclass
class FakeKnowledgeBase:
    """``results`` maps (text, guide_id) to a result; unscripted searches find nothing."""

    results: dict[tuple[str, str | None], SearchResult] = field(default_factory=dict)
    calls: list[tuple[str, str | None]] = field(default_factory=list)
    events: list[LifeEvent] = field(default_factory=list)

    def script(self, text: str, result: SearchResult, guide_id: str | None = None) -> None:
        self.results[(text, guide_id)] = result

    def search(self, text: str, k: int = 5, *, guide_id: str | None = None) -> SearchResult | None:
        self.calls.append((text, guide_id))
        if guide_id is not None and guide_id not in GUIDES:
            raise KeyError(guide_id)  # as knowledge.base.UnknownGuideError
        return self.results.get((text, guide_id), SearchResult(hits=[]))

    def guide(self, guide_id: str) -> Guide:
        return GUIDES[guide_id]

    def guides(self) -> list[Guide]:
        return list(GUIDES.values())

    def life_events(self) -> list[LifeEvent]:
        return self.events


@pytest.fixture(autouse=True)
def kb() -> Iterator[FakeKnowledgeBase]:
    """Every action test talks to the fake: a form's question may reach the turn, which reads service names."""
    fake = FakeKnowledgeBase()
    knowledge_base.use_knowledge_base(fake)
    yield fake
    knowledge_base.use_knowledge_base(None)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def make_tracker(
    text: str = "",
    *,
    intent: str = "ask_service",
    confidence: float = 0.9,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    earlier: list[str] | None = None,
) -> Tracker:
    """A tracker as the action server receives it, built from a dict; ``earlier``: the citizen's messages before."""
    said = [*(earlier or []), text]
    return Tracker.from_dict(
        {
            "sender_id": "test-citizen",
            "slots": slots or {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": confidence},
                "entities": entities or [],
            },
            "events": [{"event": "user", "text": t} for t in said],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def turn_of(dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """The turn facts on the last utterance."""
    return dispatcher.messages[-1]["custom"]["turn"]
