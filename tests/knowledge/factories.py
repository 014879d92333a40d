"""Test helpers: a fake deterministic embedder (no model) and small valid guides."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"


class FakeEmbedder:
    """Hashes character bigrams into a fixed-size vector: deterministic, fast, similar texts stay close."""

    dim = 64

    def get_embedding_dimension(self) -> int:
        return self.dim

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        t = "".join(text.split())
        for i in range(max(1, len(t) - 1)):
            h = int.from_bytes(hashlib.md5(t[i : i + 2].encode()).digest()[:4], "little")
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def encode(self, texts: list[str], **_: Any) -> np.ndarray:
        return np.vstack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    encode_query = encode
    encode_document = encode


BASE_GUIDE: dict[str, Any] = {
    "id": "id-card-replacement",
    "title": "居民身份证补领",
    "item_type": "行政确认",
    "implementing_body": "贵阳市公安局",
    "department": "公安",
    "service_objects": ["自然人"],
    "summary": "居民身份证遗失或损坏后，向公安机关申请补领新证。",
    "conditions": ["居民身份证遗失或损毁"],
    "materials": [{"name": "居民户口簿", "form": "原件", "count": 1, "required": True}],
    "process": [{"name": "申请", "description": "到户政窗口申请"}, {"name": "领证", "description": "领取新证"}],
    "time_limit": {"statutory": "60个工作日", "promised": "20个工作日"},
    "fees": [{"item": "工本费", "amount": "20元", "basis": "国家规定"}],
    "locations": [{"name": "户政大厅", "address": "贵阳市观山湖区", "hours": "周一至周五"}],
    "phones": {"consult": ["0851-12345678"], "complaint": ["12345"]},
    "online": {"available": True, "url": "https://zwfw.guizhou.gov.cn/"},
    "visits": 1,
    "appointment": True,
    "delivery": False,
    "faqs": [{"q": "补办期间坐火车怎么办？", "a": "可申领临时身份证。"}, {"q": "能代办吗？", "a": "不能。"}],
    "aliases": ["身份证丢了", "补办身份证"],
    "related": [],
    "version": "1.0",
    "updated": "2026-11-01",
    "source": "示例数据，以官方发布为准",
    "url": "https://zwfw.guizhou.gov.cn/",
}


def make_guide(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE_GUIDE)
    data.update(changes)
    return data


def sample_guides() -> list[dict[str, Any]]:
    return [
        make_guide(),
        make_guide(
            id="marriage-registration",
            title="结婚登记",
            item_type="行政确认",
            department="民政",
            summary="男女双方自愿结婚的，到婚姻登记机关办理结婚登记。",
            fees=[],
            aliases=["领结婚证", "扯证"],
            materials=[{"name": "双方居民身份证", "form": "原件"}, {"name": "双方户口簿", "form": "原件"}],
        ),
        make_guide(
            id="hpf-rent-withdrawal",
            title="住房公积金租房提取",
            department="住房公积金",
            summary="无自有住房的职工租房居住，可以提取住房公积金支付房租。",
            aliases=["公积金租房提取", "租房取公积金"],
            fees=[],
        ),
    ]


def write_guides(folder: Path, guides: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for g in guides:
        (folder / f"{g['id']}.yaml").write_text(yaml.safe_dump(g, allow_unicode=True), encoding="utf-8")
    return folder


