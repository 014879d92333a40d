"""How the whole-turn benchmark judges a reply (benchmarks/answers.py), and that its sets load."""

from collections import Counter

import pytest

from benchmarks.answers import (
    NAMED_SETS,
    Case,
    Expect,
    Outcomes,
    Reply,
    Turn,
    judge_follow_up,
    judge_single,
    load_named,
    load_set,
    section_answers,
)
from knowledge.schema import ASPECTS


def reply(guide_id=None, section=None, decision=None, offered=(), text="") -> Reply:
    return Reply(guide_id, section, decision, False, False, "ask_service", tuple(offered), text)


ID_FEES = Expect("service", ("id-card-replacement",), "fees")


def test_first_replies():
    assert judge_single(ID_FEES, reply("id-card-replacement", "fees", "answer")) == "right_section"
    assert judge_single(ID_FEES, reply("id-card-replacement", "overview", "answer")) == "right_guide_other_section"
    assert judge_single(ID_FEES, reply(offered=["temp-id-card", "id-card-replacement"])) == "clarify_offers_right"
    assert judge_single(ID_FEES, reply("passport", "fees", "answer")) == "confidently_wrong"
    assert judge_single(ID_FEES, reply(text="非常抱歉给您带来了不好的体验")) == "apology"
    assert judge_single(ID_FEES, reply(decision="fallback")) == "fallback"
    assert judge_single(Expect("out_of_scope"), reply(decision="out_of_scope")) == "refused"
    assert judge_single(Expect("out_of_scope"), reply("passport", "fees")) == "answered_out_of_scope"
    assert judge_single(Expect("complaint"), reply(decision="complaint")) == "apologised"


def test_later_turns():
    before = Expect("service", ("id-card-replacement",), "process")
    assert judge_follow_up(ID_FEES, before, reply("id-card-replacement", "fees")) == "stayed_answered"
    assert judge_follow_up(ID_FEES, before, reply("medical-reimbursement", "fees")) == "left_for_wrong_guide"
    other = Expect("service", ("passport",), "place")
    assert judge_follow_up(other, before, reply("passport", "place")) == "switched"


def test_a_question_without_an_aspect_is_answered_by_any_section():
    assert section_answers("faq", None) and section_answers("overview", None)
    assert not section_answers("faq", "fees")


def test_the_sets_load_with_known_kinds_and_aspects():
    for name, path in NAMED_SETS.items():
        if not path.exists():
            assert name == "life-events-test"  # the blind life-event set is written elsewhere and added later
            continue
        _, cases = load_named(name)
        assert cases
        for case in cases:
            for turn in case.turns:
                assert turn.expect.aspect is None or turn.expect.aspect in ASPECTS, (case.id, turn.expect.aspect)


def test_life_event_questions_are_found_by_the_turn_facts_event():
    newborn = Expect("life_event", event="newborn")
    assert judge_single(newborn, Reply(None, None, "checklist", False, False, None, (), "", life_event="newborn")) \
        == "event_found"
    assert judge_single(newborn, Reply(None, None, "checklist", False, False, None, (), "",
                                       life_event="retirement")) == "other_event"
    assert judge_single(newborn, reply("birth-registration", "overview", "answer")) == "event_missed"


def test_a_life_event_set_loads_and_an_item_without_event_is_refused(tmp_path):
    path = tmp_path / "set.yaml"
    path.write_text(
        "singles:\n  - {id: a, text: 生娃娃了要办哪些手续, kind: life_event, event: newborn}\n"
        "conversations:\n  - id: b\n    turns:\n"
        "      - {text: 准备退休了要弄哪些, kind: life_event, event: retirement}\n"
        "      - {text: 第二个要带啥, guides: [hpf-retirement-withdrawal], aspect: materials}\n",
        encoding="utf-8",
    )
    cases = load_set(path)
    assert [c.turns[0].expect.event for c in cases] == ["newborn", "retirement"]
    path.write_text("singles:\n  - {id: a, text: 生娃娃了, kind: life_event}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no event"):
        load_set(path)


def test_life_events_are_counted_per_event():
    outcomes = Outcomes()
    found = Reply(None, None, "checklist", False, False, None, (), "", life_event="newborn")
    for text, event in (("生娃娃了要办哪些手续", "newborn"), ("老人走了要办啥", "after-death")):
        expect = Expect("life_event", event=event)
        outcomes.add_first(Case(id=text, turns=(Turn(text, expect),)), Turn(text, expect), found)
    assert outcomes.by_event == {"newborn": Counter(event_found=1), "after-death": Counter(other_event=1)}
