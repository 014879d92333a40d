import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from govchat.settings import get_settings
from knowledge.base import KnowledgeBase, UnknownGuideError
from knowledge.building import rebuild
from knowledge.calibration import FEATURES, Calibration
from knowledge.evaluation import Question, collect, fit_confidence
from knowledge.index import ForeignIndexError, IndexMissingError, build_index, open_index
from knowledge.loader import load_guides
from knowledge.search import AliasMatcher
from knowledge.stores import ExactStore, HNSWStore, choose_kind, recall_at_k
from tests.knowledge.factories import FakeEmbedder, sample_guides, write_guides


def _build(index: Path, guides_dir: Path, tmp_path: Path, embedder: str = "fake", **kw):  # type: ignore[no-untyped-def]
    entries = [(g, "guides") for g in load_guides(guides_dir)]
    return build_index(index, entries, embedder=embedder, cache_dir=tmp_path / "cache", model=FakeEmbedder(), **kw)


def _kb(index: Path, embedder: str = "fake", calibration: Calibration | None = None) -> KnowledgeBase:
    # The fake embedder's similarities mean nothing, so by default no FAQ is ever closer than the asked section.
    kb = KnowledgeBase(index, embedder, calibration or Calibration(faq_margin=2.0))
    kb.warm_up(model=FakeEmbedder())
    return kb


def test_build_is_cheap_when_nothing_changed_and_uses_the_cache(guides_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = _build(index, guides_dir, tmp_path)
    assert not first.up_to_date and first.embedded == first.n_chunks
    again = _build(index, guides_dir, tmp_path)
    assert again.up_to_date
    forced = _build(index, guides_dir, tmp_path, force=True)
    assert not forced.up_to_date and forced.embedded == 0  # every vector came from the cache


def test_rebuild_swaps_atomically_and_keeps_the_previous_build(guides_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    _build(index, guides_dir, tmp_path)
    first_target = index.resolve()
    (guides_dir / "marriage-registration.yaml").unlink()
    _build(index, guides_dir, tmp_path)
    assert index.is_symlink() and index.resolve() != first_target
    assert first_target.exists()  # a reader that opened the old build keeps working
    assert not list(index.parent.glob(".index.builds/*.partial"))
    assert {g.id for g in _kb(index).guides()} == {"id-card-replacement", "hpf-rent-withdrawal"}


def test_failed_build_leaves_the_served_index_alone(guides_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    _build(index, guides_dir, tmp_path)
    served = index.resolve()

    class Broken(FakeEmbedder):
        def encode(self, texts, **_):  # type: ignore[no-untyped-def]
            raise RuntimeError("embedder crashed")

        encode_document = encode

    with pytest.raises(RuntimeError):
        entries = [(g, "guides") for g in load_guides(guides_dir)]
        build_index(index, entries, embedder="fake", cache_dir=tmp_path / "other-cache", model=Broken(), force=True)
    assert index.resolve() == served


def test_plain_directory_is_replaced_by_a_link(guides_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    (index / "stale.txt").write_text("old")
    _build(index, guides_dir, tmp_path)
    assert index.is_symlink() and (index / "meta.json").exists()


def test_refuses_an_index_built_with_another_embedder(guides_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    _build(index, guides_dir, tmp_path, embedder="e5")
    with pytest.raises(ForeignIndexError, match="e5"):
        open_index(index, "usem3")
    with pytest.raises(IndexMissingError):
        open_index(tmp_path / "nowhere", "e5")


def test_search_contract(guides_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    _build(index, guides_dir, tmp_path)
    kb = _kb(index)
    kb.warm_up()  # idempotent
    result = kb.search("结婚登记要带什么材料", k=2)
    assert result.hits[0].guide_id == "marriage-registration"
    assert result.hits[0].section == "materials" and result.hits[0].section_title == "申请材料"
    assert result.aspect == "materials"
    assert 0.0 <= result.confidence <= 1.0 and result.decision in {"answer", "clarify", "fallback"}
    assert len(result.hits) == 2 and len({h.guide_id for h in result.hits}) == 2
    follow = kb.search("那要多少钱", guide_id="id-card-replacement")
    assert [h.guide_id for h in follow.hits] == ["id-card-replacement"] and follow.hits[0].section == "fees"
    assert kb.search("   ").decision == "fallback"
    assert kb.guide("hpf-rent-withdrawal").title == "住房公积金租房提取"
    with pytest.raises(KeyError, match="nope"):
        kb.guide("nope")
    with pytest.raises(UnknownGuideError):
        kb.search("x", guide_id="nope")


def test_a_faq_closer_than_the_asked_section_answers_first(guides_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    _build(index, guides_dir, tmp_path)
    always = _kb(index, calibration=Calibration(faq_margin=-2.0))
    result = always.search("结婚登记要带什么材料", guide_id="marriage-registration")
    assert result.aspect == "materials" and result.hits[0].section == "faq"
    # What a citizen receives has no section of its own: a FAQ answers it.
    never = _kb(index)
    assert never.search("一个月能领好多", guide_id="marriage-registration").hits[0].section == "faq"


def test_mistyped_service_names_are_read_as_the_names_they_sound_like(guides_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    _build(index, guides_dir, tmp_path)
    kb = _kb(index)
    assert kb.search("身分证丢了").query == "身份证丢了"
    assert kb.search("结婚等记要带啥").query == "结婚登记要带啥"


def test_the_confidence_fit_sets_every_threshold(guides_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    _build(index, guides_dir, tmp_path)
    kb = _kb(index)
    questions = [Question(g.title + "要带什么", g.id, "materials") for g in kb.guides()]
    questions += [Question(q, None, None) for q in ("今天天气怎么样", "丝娃娃怎么做", "手机卡顿怎么办")]
    cal = fit_confidence(kb, collect(kb, questions), kb.calibration)
    assert 0.0 < cal.clarify_at <= cal.answer_at <= cal.overrule_at <= 0.99
    assert set(cal.coef) == set(FEATURES)


def test_open_is_cheap(tmp_path: Path) -> None:
    kb = KnowledgeBase(tmp_path / "missing", "e5")
    assert kb._searcher is None  # nothing loaded until warm_up
    with pytest.raises(IndexMissingError):
        kb.guides()


def test_hnsw_recall_against_exact() -> None:
    rng = np.random.default_rng(0)
    base = rng.standard_normal((3000, 32)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    queries = base[:100] + 0.1 * rng.standard_normal((100, 32)).astype(np.float32)
    exact, approx = ExactStore(32), HNSWStore(32)
    exact.add(base)
    approx.add(base)
    _, e_ids = exact.search(queries, 10)
    _, a_ids = approx.search(queries, 10)
    assert recall_at_k(a_ids, e_ids, 10) >= 0.95
    assert choose_kind(10) == "exact" and choose_kind(10**6) == "hnsw"
    assert np.allclose(exact.vectors([3])[0], base[3])


def test_knowledge_import_is_light() -> None:
    import subprocess
    import sys

    code = "import sys, knowledge; from knowledge import Guide, detect_aspect; " \
           "print(any(m in sys.modules for m in ('torch', 'faiss', 'sentence_transformers', 'jieba')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert out.stdout.strip() == "False"


def test_names_chunk_is_never_quoted(guides_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    _build(index, guides_dir, tmp_path)
    hit = _kb(index).search("扯证", k=1).hits[0]
    assert hit.guide_id == "marriage-registration"
    assert hit.text != "结婚登记、领结婚证、扯证"


def test_concurrent_warm_up_and_search(guides_dir: Path, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    index = tmp_path / "index"
    _build(index, guides_dir, tmp_path)
    kb = KnowledgeBase(index, "fake", Calibration())
    loads = []

    class Counting(FakeEmbedder):
        def __init__(self) -> None:
            loads.append(1)

    def run(_: int) -> str:
        kb.warm_up(model=Counting() if not loads else None)
        return kb.search("结婚登记").hits[0].guide_id

    kb.warm_up(model=Counting())
    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(run, range(16))) == {"marriage-registration"}
    assert len(loads) == 1


def test_a_repeated_question_is_embedded_once(guides_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    _build(index, guides_dir, tmp_path)
    embedder = FakeEmbedder()
    calls: list[str] = []

    def counting(texts: list[str], **kw: object) -> np.ndarray:
        calls.extend(texts)
        return FakeEmbedder.encode(embedder, texts)

    embedder.encode_query = counting  # type: ignore[method-assign]
    kb = KnowledgeBase(index, "fake", Calibration())
    kb.warm_up(model=embedder)
    calls.clear()  # warm-up's own query
    first = kb.search("那要多少钱", guide_id="id-card-replacement")
    again = kb.search("那要多少钱", guide_id="id-card-replacement")
    assert calls == ["那要多少钱"]
    assert first.hits[0].section == again.hits[0].section == "fees"
    with pytest.raises(ValueError, match="read-only"):
        kb.searcher.embed_query("那要多少钱")[0, 0] = 1.0  # callers share the cached vector


def test_default_index_follows_the_configured_guides_folder(
    guides_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = write_guides(tmp_path / "official", sample_guides()[:1])
    monkeypatch.setenv("GOVCHAT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GOVCHAT_GUIDES_DIR", str(guides_dir))
    get_settings.cache_clear()
    try:
        rebuild(model=FakeEmbedder(), embedder="fake")
        monkeypatch.setenv("GOVCHAT_GUIDES_DIR", str(moved))  # the deployment now serves another folder
        get_settings.cache_clear()
        report = rebuild(model=FakeEmbedder(), embedder="fake")
        assert not report.up_to_date and report.n_entries == 1
    finally:
        get_settings.cache_clear()


def test_a_number_as_a_name_names_its_guide_only_standing_alone() -> None:
    hotline = SimpleNamespace(title="12345热线诉求提交", aliases=["12345", "12345举报", "市长热线"])
    matcher = AliasMatcher(SimpleNamespace(entries=[hotline]))  # type: ignore[arg-type]
    assert matcher.scores("打12345反映问题") == {0: 1.0}
    # A pasted phone number holds the digits, and its digit pairs match no name in part either.
    assert matcher.scores("我电话13985012345，想开个店") == {}
