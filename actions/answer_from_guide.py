"""Answer a service question from the knowledge base, keeping the current guide for follow-ups."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge_base, slots
from actions.clarify_guide import pick_candidate
from actions.guide_replies import ASPECTS, answer_with_guide, clarify
from actions.low_confidence import not_understood
from actions.turn_facts import turn

logger = logging.getLogger(__name__)

# A question stays with the current guide unless the search finds a clearly better one: the current guide's
# best section must score at least this share of the overall best hit (generic follow-ups such as
# "要带什么材料" match every guide's materials section about equally well).
FOLLOW_UP_SCORE_SHARE = 0.9
SEARCH_FAILED = "抱歉，办事指南查询暂时出了点问题，请稍后再试，或说“转人工”由工作人员为您解答。"


def entity_value(tracker: Tracker, name: str) -> str | None:
    for ent in tracker.latest_message.get("entities") or []:
        if ent.get("entity") == name and ent.get("value"):
            return str(ent["value"])
    return None


def question_text(tracker: Tracker) -> str:
    text = (tracker.latest_message.get("text") or "").strip()
    return "" if text.startswith("/") else text  # a button payload is not a question


def _top(result: Any) -> Any:
    return result.hits[0] if result is not None and result.hits else None


def is_follow_up(result: Any, current_result: Any, current: str) -> bool:
    """Does the question continue the current guide rather than start a new topic?"""
    top, mine = _top(result), _top(current_result)
    if mine is None:
        return False
    if top is None or top.guide_id == current:
        return True
    close = mine.score >= (FOLLOW_UP_SCORE_SHARE * top.score if top.score > 0 else top.score)
    if result.decision == "fallback":
        # Nothing stands out overall: stay if the question asks about a part of a guide ("周末能办吗").
        return close or result.aspect is not None
    return close


def alternatives(result: Any, chosen: str) -> list[str]:
    """Other guides the search found, for "不是这个"."""
    return [h.guide_id for h in result.hits if h.guide_id != chosen][:3] if result is not None else []


class ActionAnswerFromGuide(Action):
    def name(self) -> str:
        return "action_answer_from_guide"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        current = tracker.get_slot(slots.CURRENT_GUIDE)
        candidates = list(tracker.get_slot(slots.CANDIDATES) or [])
        button_aspect = entity_value(tracker, "aspect")
        text = question_text(tracker)

        # A next-step button ("要多少钱") is about the current guide.
        if button_aspect in ASPECTS:
            if current:
                return answer_with_guide(dispatcher, guide_id=current, aspect=button_aspect, alternatives=candidates)
            text = text or {"materials": "需要哪些材料", "fees": "要多少钱"}.get(button_aspect, "")
        if not text:
            return not_understood(dispatcher, tracker)

        try:
            result = await knowledge_base.search(text)
        except Exception:  # the index is missing or broken: say so instead of staying silent
            logger.exception("knowledge search failed")
            dispatcher.utter_message(text=SEARCH_FAILED, json_message={"turn": turn(decision=None, fell_back=True)})
            return []
        top = _top(result)
        aspect = result.aspect
        logger.info(
            "search decision=%s confidence=%.3f top=%s aspect=%s",
            result.decision,
            result.confidence,
            top.guide_id if top else None,
            aspect,
        )

        # A typed reply to a clarification ("租房那个") picks one of the offered guides.
        if not current and candidates:
            chosen = pick_candidate(text, candidates, result)
            if chosen is not None:
                hit = next((h for h in result.hits if h.guide_id == chosen), None)
                return answer_with_guide(
                    dispatcher,
                    guide_id=chosen,
                    aspect=aspect or tracker.get_slot(slots.ASKED_ASPECT),
                    question=text,
                    hit=hit,
                    result=result,
                    alternatives=[c for c in candidates if c != chosen],
                )

        if current:
            current_result = await knowledge_base.search(text, guide_id=current)
            if is_follow_up(result, current_result, current):
                return answer_with_guide(
                    dispatcher,
                    guide_id=current,
                    aspect=aspect,
                    question=text,
                    hit=_top(current_result),
                    result=current_result,
                    alternatives=candidates,
                )

        if result.decision == "answer" and top is not None:
            return answer_with_guide(
                dispatcher,
                guide_id=top.guide_id,
                aspect=aspect,
                question=text,
                hit=top,
                result=result,
                alternatives=alternatives(result, top.guide_id),
            )
        if result.decision == "clarify" and len(result.hits) > 1:
            return clarify(dispatcher, result=result, aspect=aspect)
        return not_understood(dispatcher, tracker, result=result, aspect=aspect)
