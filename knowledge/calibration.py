"""Fusion weights, confidence model and decision thresholds: the one place they live.

``calibration.json`` beside this file is written by ``python -m knowledge eval --fit`` from the development
set; the defaults below are used until it exists. An index may hold its own fusion weights (``fusion.json``, written
by ``python -m knowledge fit-fusion`` for an imported corpus); they replace ``weights`` for that index only.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"
INDEX_WEIGHTS_FILE = "fusion.json"
FEATURES = ("dense", "dense_margin", "words", "chars", "alias", "fused_margin", "agreement")


@dataclass(frozen=True)
class Calibration:
    # Weighted score fusion: each retriever's guide scores are min-max normalised over its top list.
    weights: dict[str, float] = field(
        default_factory=lambda: {"dense": 1.0, "words": 0.5, "chars": 0.5, "alias": 0.5}
    )
    # Logistic model over FEATURES giving P(top hit is right).
    coef: dict[str, float] = field(
        default_factory=lambda: {
            "dense": 8.0,
            "dense_margin": 10.0,
            "words": 2.0,
            "chars": 1.0,
            "alias": 2.0,
            "fused_margin": 2.0,
            "agreement": 2.0,
        }
    )
    intercept: float = -10.0
    answer_at: float = 0.6  # confidence >= answer_at: answer
    clarify_at: float = 0.3  # clarify_at <= confidence < answer_at: ask which guide is meant; below: fallback
    # The turn's decisions (actions/turn_decision.py) read these too, so a refit moves every threshold together.
    # A message NLU calls off-topic and that names no service is still answered at this confidence (a refit
    # sets it above every off-topic development question's confidence).
    overrule_at: float = 0.95
    # During a conversation about one guide, a longer message that names no service starts a new topic only when
    # the open search is this sure of another guide.
    new_topic_at: float = 0.9
    # NLU must be this sure of a conversation-control intent (greeting, thanks, complaint, off-topic) for it to
    # answer instead of the search, and then only when the message names no service and asks nothing.
    control_at: float = 0.8
    # A FAQ answers before the asked section when its question is this much closer (dense cosine) to the message.
    faq_margin: float = 0.02
    # A question is a life event's checklist when it is this much closer (dense cosine) to the event's names than
    # to any guide (knowledge/life_event_search.py; chosen on benchmarks/sets/life-events-dev.yaml).
    life_event_margin: float = 0.02
    # ... and at least this close to one of the event's names: off-topic chat is far from guides and events alike
    # ("王者荣耀玩哪个英雄好上分": 0.855, within the margin; event wordings of the dev set: 0.918 and above).
    life_event_at: float = 0.9
    # A question that asks what a whole situation needs ("要办哪些手续") is the nearest event's from this close on,
    # closer to a guide or not (chosen on the two life-event dev sets).
    life_event_asks_many_at: float = 0.85
    embedder: str = "e5"  # the embedder the numbers were fitted for

    def confidence(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(self.coef.get(k, 0.0) * features.get(k, 0.0) for k in FEATURES)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decide(self, confidence: float) -> str:
        if confidence >= self.answer_at:
            return "answer"
        if confidence >= self.clarify_at:
            return "clarify"
        return "fallback"

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@lru_cache(maxsize=1)
def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    if path.exists():
        return Calibration(**json.loads(path.read_text(encoding="utf-8")))
    return Calibration()


def save_index_weights(index_path: Path, weights: dict[str, float], *, embedder: str, fitted_on: str) -> Path:
    path = index_path / INDEX_WEIGHTS_FILE
    record = {"weights": weights, "embedder": embedder, "fitted_on": fitted_on}
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def with_index_weights(cal: Calibration, index_path: Path, embedder: str) -> Calibration:
    """``cal`` with the fusion weights fitted for this index, if it has some for this embedder."""
    path = index_path / INDEX_WEIGHTS_FILE
    if not path.exists():
        return cal
    record = json.loads(path.read_text(encoding="utf-8"))
    if record.get("embedder") != embedder:
        logger.warning("%s was fitted for embedder %r, not %r: using the default weights; refit it",
                       path, record.get("embedder"), embedder)
        return cal
    return replace(cal, weights={k: float(v) for k, v in record["weights"].items()})
