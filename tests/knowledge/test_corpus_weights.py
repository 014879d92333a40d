"""The per-corpus fusion fit on a small synthetic corpus whose retriever scores are set by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.calibration import INDEX_WEIGHTS_FILE, Calibration, save_index_weights
from knowledge.corpus_weights import DENSE_ONLY, check_targets, fit_corpus, load_questions
from knowledge.documents import Document
from knowledge.embedders import canonical_name
from knowledge.evaluation import Question, Scored
from knowledge.index import build_index
from knowledge.search import Signals
from tests.knowledge.factories import FakeEmbedder

N_DOCS = 10
FIXED = Calibration(weights={"dense": 1.0, "words": 0.25, "chars": 0.5, "alias": 1.0})


def _docs(suffix: str = "") -> list[Document]:
    return [Document(id=f"d{i}", title=f"事项{i}{suffix}", text=f"第{i}个事项的说明") for i in range(N_DOCS)]


def _build(index: Path, tmp_path: Path, docs: list[Document]) -> None:
    build_index(index, [(d, "import") for d in docs], embedder="fake", cache_dir=tmp_path / "cache",
                model=FakeEmbedder())


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    index = tmp_path / "index"
    _build(index, tmp_path, _docs())
    kb = KnowledgeBase(index, "fake", FIXED)
    kb.warm_up(model=FakeEmbedder())
    return kb


def _scored(kb: KnowledgeBase, lexical_right: bool) -> list[Scored]:
    """Three questions per entry. e5 puts the right entry first (or, if ``lexical_right``, a close second); the
    lexical retrievers and the alias match point at the wrong entry (or at the right one)."""
    pos = kb.searcher.position
    out = []
    for i in range(N_DOCS):
        right, wrong, third = pos[f"d{i}"], pos[f"d{(i + 1) % N_DOCS}"], pos[f"d{(i + 2) % N_DOCS}"]
        lexical = right if lexical_right else wrong
        other = wrong if lexical_right else right
        for j in range(3):
            dense = {wrong: 0.90, right: 0.88, third: 0.5} if lexical_right else {right: 0.90, wrong: 0.88, third: 0.5}
            sig = Signals(f"问题{i}-{j}", None, {}, {lexical: 1.0})
            sig.guide_scores = {"dense": dense, "words": {lexical: 10.0, other: 1.0},
                                "chars": {lexical: 8.0, other: 2.0}, "alias": {lexical: 1.0}}
            out.append(Scored(Question(sig.query, f"d{i}", None), sig))
    return out


def test_misleading_lexical_scores_make_the_fit_choose_e5_alone(kb: KnowledgeBase) -> None:
    fit = fit_corpus(kb, _scored(kb, lexical_right=False), FIXED, folds=5)
    assert fit.fixed.recall1 == 0.0  # the fixed weights follow the lexical retrievers to the wrong entry
    assert fit.e5_alone.recall1 == fit.held_out.recall1 == 1.0
    assert fit.fitted == DENSE_ONLY and fit.weights == DENSE_ONLY and fit.e5_alone_kept
    assert len(fit.fold_weights) == 5


def test_helpful_lexical_scores_are_fitted_and_beat_e5_alone_held_out(kb: KnowledgeBase) -> None:
    fit = fit_corpus(kb, _scored(kb, lexical_right=True), FIXED, folds=5)
    assert fit.e5_alone.recall1 == 0.0 and fit.e5_alone.mrr == 0.5
    assert fit.held_out.recall1 == fit.in_sample.recall1 == 1.0
    assert not fit.e5_alone_kept and fit.weights == fit.fitted
    assert any(fit.weights[k] > 0 for k in ("words", "chars", "alias"))


def test_the_fit_is_deterministic(kb: KnowledgeBase) -> None:
    scored = _scored(kb, lexical_right=True)
    assert fit_corpus(kb, scored, FIXED, folds=3) == fit_corpus(kb, scored, FIXED, folds=3)


def test_stored_weights_are_used_for_that_index_and_survive_a_rebuild(tmp_path: Path) -> None:
    index = tmp_path / "index"
    _build(index, tmp_path, _docs())
    save_index_weights(index.resolve(), DENSE_ONLY, embedder=canonical_name("fake"), fitted_on="questions.yaml")
    _build(index, tmp_path, _docs(suffix="（新）"))  # the corpus changed: a new build folder
    assert (index.resolve() / INDEX_WEIGHTS_FILE).exists()
    kb = KnowledgeBase(index, "fake", FIXED)
    kb.warm_up(model=FakeEmbedder())
    assert kb.calibration.weights == DENSE_ONLY
    assert kb.calibration.answer_at == FIXED.answer_at  # only the weights are the corpus's own


def test_weights_fitted_for_another_embedder_are_ignored(tmp_path: Path) -> None:
    index = tmp_path / "index"
    _build(index, tmp_path, _docs())
    save_index_weights(index.resolve(), DENSE_ONLY, embedder="e5", fitted_on="questions.yaml")
    kb = KnowledgeBase(index, "fake", FIXED)
    kb.warm_up(model=FakeEmbedder())
    assert kb.calibration.weights == FIXED.weights


def test_question_file_and_targets(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "questions.yaml"
    records = [{"item": "d1", "title": "事项1", "questions": ["一", "二"]}, {"item": "d2", "questions": ["三"]}]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    questions = load_questions(path)
    assert [(q.q, q.guide) for q in questions] == [("一", "d1"), ("二", "d1"), ("三", "d2")]
    check_targets(kb, questions)
    with pytest.raises(ValueError, match="not in"):
        check_targets(kb, [Question("问", "item-unknown", None)])
    path.write_text(json.dumps([{"title": "没有 item"}], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="needs item"):
        load_questions(path)
