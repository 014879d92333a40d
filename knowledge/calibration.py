"""Fusion weights, confidence model and decision thresholds: the one place they live.

``calibration.json`` beside this file is written by ``python -m knowledge eval --fit`` from the development
set; the defaults below are used until it exists.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"
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
