"""A smoke subset of the blind whole-turn test set through the real gateway, Rasa and action server.

The full set runs with `python -m benchmarks.answers` (docs/evaluation.md); this subset (every 12th single
question, every 10th conversation) keeps the suite honest about the whole turn with floors a little below what the
full set measures, so a change that breaks the turn fails CI instead of waiting for the next benchmark run.
"""

import pytest

from benchmarks.answers import NAMED_SETS, Chat, load_set, run_cases, summary
from govchat.stack import Stack

pytestmark = pytest.mark.e2e

# The full set measured 0.96, 0.93, 1.00, 0.02 and 0.01 (docs/evaluation.md); the subset has ~32 service questions
# and 3 off-topic ones, so one miss moves a rate by 0.03 to 0.33.
FLOORS = {
    "first_reply_right_guide": 0.85,
    "follow_up_stayed": 0.80,
    "out_of_scope_refused": 0.6,
}
CEILINGS = {"confidently_wrong": 0.07, "apology_or_fallback": 0.07}


def smoke_cases() -> list:
    cases = load_set(NAMED_SETS["test"])
    singles = [c for c in cases if len(c.turns) == 1]
    conversations = [c for c in cases if len(c.turns) > 1]
    return singles[::12] + conversations[::10]


def test_the_whole_turn_on_a_blind_subset(stack: Stack) -> None:
    cases = smoke_cases()
    chat = Chat(stack.settings.gateway_url, stack.settings.database_url)
    try:
        outcomes = run_cases(chat, cases)
    finally:
        chat.close()
    numbers = summary(outcomes)
    failures = "\n".join(f"{i} {o}: {t} -> {r.guide_id}/{r.section} {r.decision}" for i, t, o, r in outcomes.failures)
    for name, floor in FLOORS.items():
        assert numbers[name] >= floor, f"{name} {numbers[name]:.2f} < {floor}\n{failures}"
    for name, ceiling in CEILINGS.items():
        assert numbers[name] <= ceiling, f"{name} {numbers[name]:.2f} > {ceiling}\n{failures}"
