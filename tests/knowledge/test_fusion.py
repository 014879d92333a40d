from knowledge.calibration import Calibration
from knowledge.search import Signals, _normalised, features, rank


def _signals(dense: dict, words: dict, chars: dict, alias: dict) -> Signals:
    sig = Signals("q", None, {}, alias)
    sig.guide_scores = {"dense": dense, "words": words, "chars": chars, "alias": alias}
    return sig


def test_normalisation_is_min_max_over_the_top_list() -> None:
    norm = _normalised({1: 0.9, 2: 0.8, 3: 0.7})
    assert norm[1] == 1.0 and norm[3] == 0.0 and 0.4 < norm[2] < 0.6
    assert _normalised({}) == {}
    assert _normalised({5: 3.0}) == {5: 1.0}


def test_hybrid_combines_retrievers_by_weight() -> None:
    sig = _signals({1: 0.90, 2: 0.89, 3: 0.5}, {2: 10.0, 1: 1.0}, {2: 5.0, 1: 4.0}, {})
    cal = Calibration(weights={"dense": 1.0, "words": 0.0, "chars": 0.0, "alias": 0.0})
    assert rank(sig, "hybrid", cal)[0][0] == 1
    cal = Calibration(weights={"dense": 1.0, "words": 1.0, "chars": 1.0, "alias": 0.0})
    assert rank(sig, "hybrid", cal)[0][0] == 2
    assert rank(sig, "words", cal)[0][0] == 2
    assert rank(sig, "dense", cal)[0][0] == 1


def test_alias_match_can_decide() -> None:
    sig = _signals({1: 0.9, 2: 0.88}, {}, {}, {2: 1.0})
    cal = Calibration(weights={"dense": 1.0, "words": 0.0, "chars": 0.0, "alias": 1.5})
    assert rank(sig, "hybrid", cal)[0][0] == 2


def test_confidence_grows_with_agreement_and_margin() -> None:
    cal = Calibration()
    clear = _signals({1: 0.92, 2: 0.80}, {1: 20.0}, {1: 30.0}, {1: 1.0})
    vague = _signals({1: 0.80, 2: 0.79}, {2: 2.0}, {2: 3.0}, {})
    c_clear = cal.confidence(features(clear, rank(clear, "hybrid", cal)))
    c_vague = cal.confidence(features(vague, rank(vague, "hybrid", cal)))
    assert 0.0 <= c_vague < c_clear <= 1.0
    assert cal.decide(0.99) == "answer" and cal.decide(0.0) == "fallback"
