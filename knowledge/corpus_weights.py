"""Fusion weights fitted for one corpus, measured against e5 alone with grouped k-fold cross-validation.

The fixed weights of ``calibration.json`` were fitted on the shipped guides. An imported corpus (another
province's items, an FAQ export) has other texts and names, and there the lexical retrievers may help or hurt. On
questions about that corpus this measures e5 alone, the fixed weights, and weights fitted on the other folds
(``GroupKFold`` by entry, so no entry's questions are both fitted on and scored), then fits on all the questions.
The weights stored with the index are e5 alone unless the fitted ones beat it on the held-out folds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import yaml
from sklearn.model_selection import GroupKFold

from knowledge.base import KnowledgeBase
from knowledge.calibration import Calibration
from knowledge.evaluation import Metrics, Question, Scored, evaluate, fit_weights, load_devset, ranking_objective

DENSE_ONLY = {"dense": 1.0, "words": 0.0, "chars": 0.0, "alias": 0.0}


def load_questions(path: Path) -> list[Question]:
    """In-scope questions about one corpus: a file of ``{item, title, questions}`` records, or a dev-set folder."""
    if path.is_dir():
        return [q for q in load_devset(path) if q.guide is not None]
    out: list[Question] = []
    for i, rec in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
        if not isinstance(rec, dict) or not rec.get("item") or not rec.get("questions"):
            raise ValueError(f"{path}: record {i}: needs item and questions")
        out.extend(Question(str(q), str(rec["item"]), None) for q in rec["questions"])
    return out


def check_targets(kb: KnowledgeBase, questions: list[Question]) -> None:
    unknown = sorted({q.guide for q in questions if q.guide not in kb.searcher.position}, key=str)
    if unknown:
        raise ValueError(f"{len(unknown)} entries asked about are not in {kb.index_dir}, e.g. {unknown[:3]}: "
                         "import the corpus the questions were written for")


@dataclass(frozen=True)
class CorpusFit:
    e5_alone: Metrics
    fixed: Metrics
    held_out: Metrics  # weights fitted on the other folds, scored on each fold, pooled over all questions
    in_sample: Metrics
    base_weights: dict[str, float]
    fold_weights: list[dict[str, float]]
    fitted: dict[str, float]  # fitted on all the questions
    weights: dict[str, float]  # what the search of this corpus uses: fitted, or e5 alone when that did better

    @property
    def e5_alone_kept(self) -> bool:
        return self.weights == DENSE_ONLY


def _pooled(parts: list[tuple[Metrics, int]], method: str) -> Metrics:
    total = sum(n for _, n in parts)
    values = {f.name: sum(getattr(m, f.name) * n for m, n in parts) / total for f in fields(Metrics)
              if f.name != "method"}
    return Metrics(method=method, **values)


def cross_validate(
    kb: KnowledgeBase, scored: list[Scored], base: Calibration, folds: int
) -> tuple[Metrics, list[dict[str, float]]]:
    groups = np.asarray([s.question.guide for s in scored])
    parts: list[tuple[Metrics, int]] = []
    fold_weights: list[dict[str, float]] = []
    for train, test in GroupKFold(n_splits=folds).split(np.zeros(len(scored)), groups=groups):
        cal = fit_weights(kb, [scored[i] for i in train], base)
        fold_weights.append(cal.weights)
        parts.append((evaluate(kb, [scored[i] for i in test], "hybrid", cal), len(test)))
    return _pooled(parts, f"fitted, {folds}-fold CV by entry (held out)"), fold_weights


def fit_corpus(kb: KnowledgeBase, scored: list[Scored], base: Calibration, folds: int = 5) -> CorpusFit:
    e5_alone = replace(evaluate(kb, scored, "dense", base), method="e5 alone")
    fixed = replace(evaluate(kb, scored, "hybrid", base), method="fixed weights (calibration.json)")
    held_out, fold_weights = cross_validate(kb, scored, base, folds)
    fitted = fit_weights(kb, scored, base).weights
    in_sample = replace(evaluate(kb, scored, "hybrid", replace(base, weights=fitted)),
                        method="fitted on all questions (in-sample)")
    weights = fitted if ranking_objective(held_out) >= ranking_objective(e5_alone) else dict(DENSE_ONLY)
    return CorpusFit(e5_alone, fixed, held_out, in_sample, dict(base.weights), fold_weights, fitted, weights)


def _weights(w: dict[str, float]) -> str:
    return ", ".join(f"{k} {w.get(k, 0.0):g}" for k in DENSE_ONLY)


def table(fit: CorpusFit) -> str:
    rows = [
        (fit.e5_alone, _weights(DENSE_ONLY)),
        (fit.fixed, _weights(fit.base_weights)),
        (fit.held_out, "fitted per fold, below"),
        (fit.in_sample, _weights(fit.fitted)),
    ]
    lines = ["| ranking | R@1 | R@3 | R@5 | MRR | weights |", "|---|---|---|---|---|---|"]
    for m, w in rows:
        lines.append(f"| {m.method} | {m.recall1:.3f} | {m.recall3:.3f} | {m.recall5:.3f} | {m.mrr:.3f} | {w} |")
    lines += [f"fold {i + 1}: {_weights(w)}" for i, w in enumerate(fit.fold_weights)]
    return "\n".join(lines)
