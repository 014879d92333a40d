"""The citizen's reply to a clarification: a button, an ordinal ("第二个") or a name ("租房那个")."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.guide_replies import answer_with_guide
from actions.low_confidence import not_understood
from actions.service_names import named_among, names_guide

_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "头": 1, "首": 1}


def ordinal(text: str, count: int) -> int | None:
    """0-based position named by "第二个", "2", "最后一个", "中间那个"; ``None`` if none is named."""
    t = re.sub(r"\s+", "", text)
    if count <= 0:
        return None
    if re.search(r"最后|末", t):
        return count - 1
    if "中间" in t:
        return count // 2
    if re.search(r"上面|上一个|刚才那个", t) and count == 1:
        return 0
    match = re.search(r"第?([1-9])(个|条|种|项|$)", t) or re.search(r"第([一二两三四五])", t)
    match = match or re.search(r"([头首])(一)?个", t)
    if match is None:
        return None
    raw = match.group(1)
    number = int(raw) if raw.isdigit() else _DIGITS[raw]
    return number - 1 if 1 <= number <= count else None


def pick_candidate(text: str, candidates: list[str], result: Any) -> str | None:
    """Which offered guide a typed reply means ("第二个", "租房那个"), or ``None`` when it names none."""
    position = ordinal(text, len(candidates))
    if position is not None:
        return candidates[position]
    named = [c for c in candidates if names_guide(text, c)] or named_among(text, candidates)
    if len(named) == 1:
        return named[0]
    hits = [h.guide_id for h in result.hits] if result is not None else []
    # Several named ("住房公积金那个"): the one the search ranks first among them.
    return next((gid for gid in hits if gid in named), None)


class ActionChooseGuide(Action):
    def name(self) -> str:
        return "action_choose_guide"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        candidates = list(tracker.get_slot(slots.CANDIDATES) or [])
        chosen = None
        for ent in tracker.latest_message.get("entities") or []:
            if ent.get("entity") == "guide_id" and ent.get("value"):
                chosen = str(ent["value"])
        if chosen is None:
            position = ordinal(tracker.latest_message.get("text") or "", len(candidates))
            chosen = candidates[position] if position is not None else None
        if chosen is None:
            return not_understood(dispatcher, tracker)
        return answer_with_guide(
            dispatcher,
            guide_id=chosen,
            aspect=tracker.get_slot(slots.ASKED_ASPECT),
            alternatives=[c for c in candidates if c != chosen],
        )
