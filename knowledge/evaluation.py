"""Development-set evaluation: hybrid vs each single retriever, fitted fusion weights and confidence."""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from knowledge.base import KnowledgeBase
from knowledge.calibration import FEATURES, Calibration
from knowledge.search import Method, Signals, features, rank

logger = logging.getLogger(__name__)

DEVSET_DIR = Path(__file__).resolve().parent / "devset"
METHODS: tuple[Method, ...] = ("hybrid", "rrf", "dense", "words", "chars")


@dataclass(frozen=True)
class Question:
    q: str
    guide: str | None
    aspect: str | None


def load_devset(folder: Path = DEVSET_DIR) -> list[Question]:
    out: list[Question] = []
    for path in sorted(folder.glob("*.yaml")):
        for i, row in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
            if not isinstance(row, dict) or not row.get("q"):
                raise ValueError(f"{path}: item {i}: needs q, guide and aspect")
            out.append(Question(str(row["q"]), row.get("guide"), row.get("aspect")))
    return out


@dataclass
class Scored:
    question: Question
    signals: Signals


@dataclass
class Metrics:
    method: str
    recall1: float
    recall3: float
    recall5: float
    mrr: float
    aspect_acc: float
    oos_precision: float
    oos_recall: float
    answered_precision: float


def collect(kb: KnowledgeBase, questions: list[Question]) -> list[Scored]:
    """Run every retriever once per question; rankings are then recomputed cheaply."""
    return [Scored(q, kb.signals(q.q)) for q in questions]


def _ranked_ids(kb: KnowledgeBase, sig: Signals, method: Method, cal: Calibration) -> tuple[list[str], Any]:
    ranking = rank(sig, method, cal)
    entries = kb.searcher.index.entries
    return [entries[pos].id for pos, _ in ranking], ranking


def evaluate(kb: KnowledgeBase, scored: list[Scored], method: Method, cal: Calibration) -> Metrics:
    r1 = r3 = r5 = mrr = 0.0
    n_in = aspect_ok = 0
    oos_pred = oos_true = oos_hit = 0
    answered = answered_ok = 0
    for s in scored:
        ids, ranking = _ranked_ids(kb, s.signals, method, cal)
        conf = cal.confidence(features(s.signals, ranking)) if ranking else 0.0
        decision = cal.decide(conf)
        expected = s.question.guide
        if decision == "fallback":
            oos_pred += 1
        if expected is None:
            oos_true += 1
            oos_hit += decision == "fallback"
            answered += decision == "answer"
            continue
        n_in += 1
        rank_of = ids.index(expected) + 1 if expected in ids else math.inf
        r1 += rank_of <= 1
        r3 += rank_of <= 3
        r5 += rank_of <= 5
        mrr += 1.0 / rank_of if rank_of != math.inf else 0.0
        aspect_ok += (s.signals.aspect or "overview") == (s.question.aspect or "overview")
        if decision == "answer":
            answered += 1
            answered_ok += rank_of == 1
    n = max(n_in, 1)
    return Metrics(
        method, r1 / n, r3 / n, r5 / n, mrr / n, aspect_ok / n,
        (oos_hit / oos_pred) if oos_pred else 0.0,
        (oos_hit / oos_true) if oos_true else 0.0,
        (answered_ok / answered) if answered else 0.0,
    )


def ranking_objective(m: Metrics) -> float:
    """What the weight fit maximises: the first hit most, the top three and the reciprocal rank next."""
    return m.recall1 + 0.5 * m.recall3 + 0.5 * m.mrr


def fit_weights(kb: KnowledgeBase, scored: list[Scored], cal: Calibration) -> Calibration:
    """Grid search of fusion weights (dense fixed at 1) on ranking quality."""
    grid = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5]
    best, best_obj = cal, -1.0
    in_scope = [s for s in scored if s.question.guide is not None]
    for w_words, w_chars, w_alias in itertools.product(grid, grid, [0.0, 0.25, 0.5, 1.0]):
        trial = replace(cal, weights={"dense": 1.0, "words": w_words, "chars": w_chars, "alias": w_alias})
        obj = ranking_objective(evaluate(kb, in_scope, "hybrid", trial))
        if obj > best_obj + 1e-9:
            best, best_obj = trial, obj
    return best


def fit_confidence(kb: KnowledgeBase, scored: list[Scored], cal: Calibration) -> Calibration:
    """Logistic regression of 'top hit is right' on the features; thresholds from the same data."""
    x_rows, y = [], []
    for s in scored:
        ids, ranking = _ranked_ids(kb, s.signals, "hybrid", cal)
        f = features(s.signals, ranking)
        x_rows.append([f[k] for k in FEATURES])
        y.append(1.0 if s.question.guide is not None and ids[:1] == [s.question.guide] else 0.0)
    raw = np.asarray(x_rows, dtype=np.float64)
    t = np.asarray(y)
    # scikit-learn's L2-regularised logistic regression on standardised features (C = 100/n is the penalty
    # 0.005·|w|² on the mean loss the hand-written fit used), then back to the raw feature scale.
    scaler = StandardScaler().fit(raw)
    model = LogisticRegression(C=100.0 / len(t), max_iter=1000).fit(scaler.transform(raw), t)
    p = model.predict_proba(scaler.transform(raw))[:, 1]
    w = model.coef_[0] / scaler.scale_
    b = float(model.intercept_[0]) - float((w * scaler.mean_).sum())
    fitted = replace(cal, coef={k: round(float(v), 4) for k, v in zip(FEATURES, w, strict=True)},
                     intercept=round(b, 4))
    oos = np.asarray([s.question.guide is None for s in scored])
    # fallback threshold: best F1 for detecting out-of-scope questions
    best_c, best_f1 = 0.3, -1.0
    for c in np.arange(0.05, 0.8, 0.01):
        pred = p < c
        tp = float((pred & oos).sum())
        prec = tp / pred.sum() if pred.sum() else 0.0
        rec = tp / oos.sum() if oos.sum() else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if f1 > best_f1:
            best_c, best_f1 = float(c), f1
    # answer threshold: lowest at which answered questions are right at least 95% of the time
    best_a = 0.95
    for a in np.arange(best_c, 0.99, 0.01):
        sel = p >= a
        if sel.sum() and t[sel].mean() >= 0.95:
            best_a = float(a)
            break
    answer_at = max(best_a, best_c)
    # An off-topic message that names no service is answered only above every off-topic question's confidence.
    off_topic = p[oos & (p >= answer_at)]
    overrule_at = min(0.99, max(answer_at, float(off_topic.max()) + 0.02 if off_topic.size else answer_at))
    return replace(
        fitted, clarify_at=round(best_c, 2), answer_at=round(answer_at, 2), overrule_at=round(overrule_at, 2)
    )


def table(rows: list[Metrics]) -> str:
    head = ("method", "R@1", "R@3", "R@5", "MRR", "aspect", "OOS-P", "OOS-R", "ans-P")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in rows:
        vals = (m.recall1, m.recall3, m.recall5, m.mrr, m.aspect_acc, m.oos_precision, m.oos_recall,
                m.answered_precision)
        lines.append(f"| {m.method} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    return "\n".join(lines)


def cross_validate(kb: KnowledgeBase, scored: list[Scored], cal: Calibration, folds: int = 3) -> Metrics:
    """Fit weights, confidence and thresholds on (folds-1)/folds of the questions, score the rest; averaged."""
    results = []
    for f in range(folds):
        train = [s for i, s in enumerate(scored) if i % folds != f]
        test = [s for i, s in enumerate(scored) if i % folds == f]
        fitted = fit_confidence(kb, train, fit_weights(kb, train, cal))
        results.append(evaluate(kb, test, "hybrid", fitted))
    mean = {k: float(np.mean([getattr(m, k) for m in results])) for k in vars(results[0]) if k != "method"}
    return Metrics(method=f"hybrid, {folds}-fold CV", **mean)
