"""Small life events for the bundle-request tests, written as YAML into a test's folder: the real events are data
of their own (knowledge/life_events/) and change with it, while these tests need three together services with
own facts of each kind, one of them needing a visit."""

from pathlib import Path
from typing import Any

import yaml

from knowledge.schema import SAMPLE_NOTICE

WINDOW = "测试区政务服务中心“一件事”综合窗口"
# Three services applied for together, each with its own facts; birth registration needs one visit.
NEWBORN_SERVICES: list[dict[str, Any]] = [
    {"guide": "birth-medical-certificate", "line": "出院前在医院办理。"},
    {
        "guide": "birth-registration", "line": "出生后一个月内落户。", "after": ["birth-medical-certificate"],
        "together": True,
        "own_facts": [
            {"key": "baby_name", "question": "宝宝的姓名是？"},
            {
                "key": "relation", "question": "您与户主的关系是？", "kind": "choice",
                "choices": ["本人", "子女", "配偶"],
            },
        ],
    },
    {
        "guide": "resident-medical-insurance", "line": "落户后参保。", "after": ["birth-registration"],
        "together": True, "own_facts": [{"key": "birth_date", "question": "宝宝的出生日期是？", "kind": "date"}],
    },
    {
        "guide": "social-security-card", "line": "参保后申领社保卡。", "after": ["resident-medical-insurance"],
        "together": True,
        "own_facts": [{"key": "pickup", "question": "社保卡怎么领取？", "kind": "choice", "choices": ["邮寄", "自取"]}],
    },
]
# Two online services only: no appointment.
ONLINE_SERVICES: list[dict[str, Any]] = [
    {"guide": "resident-medical-insurance", "line": "参保。", "together": True},
    {"guide": "childbirth-registration", "line": "生育登记。", "together": True},
]


def write_event(folder: Path, event_id: str, services: list[dict[str, Any]], title: str = "新生儿出生“一件事”") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "id": event_id, "title": title, "summary": "测试用的一件事。", "aliases": ["生孩子", "宝宝出生", "新生儿"],
        "services": services,
        "window": {"name": WINDOW, "address": "测试地址", "hours": "工作日 9:00-17:00"},
        "visits": 1, "version": "test", "updated": "2026-12-01", "source": SAMPLE_NOTICE,
    }
    path = folder / f"{event_id}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_events(folder: Path) -> Path:
    write_event(folder, "newborn", NEWBORN_SERVICES)
    write_event(folder, "online-only", ONLINE_SERVICES, title="网上办的一件事")
    return folder
