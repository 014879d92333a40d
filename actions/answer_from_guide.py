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
from actions.service_names import names_guide
from actions.turn_facts import turn

logger = logging.getLogger(__name__)

# The open search is this sure of another guide: a new topic even if the question names no service by name.
NEW_TOPIC_CONFIDENCE = 0.9
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


def is_follow_up(text: str, result: Any, current: str) -> bool:
    """Does the question continue the current guide rather than start a new topic?

    Scores of a search restricted to one guide are not comparable with the open search, and the open search
    may be confident about some guide for a bare "那要多少钱"; so the test is whether the question names
    another service, or the search is very sure of another guide.
    """
    top = _top(result)
    if top is None or top.guide_id == current:
        return True
    if result.decision == "answer" and (result.confidence >= NEW_TOPIC_CONFIDENCE or names_guide(text, top.guide_id)):
        return False  # the search is sure of another guide the question names ("结婚证怎么领" after 补领结婚证)
    if names_guide(text, current):
        return True
    return not any(names_guide(text, h.guide_id) for h in result.hits if h.guide_id != current)


def alternatives(result: Any, chosen: str) -> list[str]:
    """Other guides the search found, for "不是这个"."""
    return [h.guide_id for h in result.hits if h.guide_id != chosen][:3] if result is not None else []


def answer_top_hit(dispatcher: CollectingDispatcher, *, result: Any, question: str) -> list[EventType]:
    """Answer from the open search's best guide, offering the others it found for "不是这个"."""
    top = result.hits[0]
    return answer_with_guide(
        dispatcher,
        guide_id=top.guide_id,
        aspect=result.aspect,
        question=question,
        hit=top,
        result=result,
        alternatives=alternatives(result, top.guide_id),
    )


def usable_hit(hit: Any, result: Any, aspect: str | None) -> Any:
    """A FAQ chunk answers a question without an aspect only when the search is sure of it."""
    if hit is not None and aspect is None and hit.section == "faq" and result.decision != "answer":
        return None
    return hit


class ActionAnswerFromGuide(Action):
    def name(self) -> str:
        return "action_answer_from_guide"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        current = tracker.get_slot(slots.CURRENT_GUIDE)
        candidates = list(tracker.get_slot(slots.CANDIDATES) or [])
        button_aspect = entity_value(tracker, "aspect")
        text = question_text(tracker)

        # A next-step button ("要多少钱") is about the current guide.
        if button_aspect in ASPECTS and current:
            return answer_with_guide(dispatcher, guide_id=current, aspect=button_aspect, alternatives=candidates)
        if not text:
            return not_understood(dispatcher, tracker)

        try:
            result = await knowledge_base.search(text)
        except Exception:  # the index is missing or broken: say so instead of staying silent
            logger.exception("knowledge search failed")
            dispatcher.utter_message(text=SEARCH_FAILED, json_message={"turn": turn(fell_back=True)})
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
                return answer_with_guide(
                    dispatcher,
                    guide_id=chosen,
                    aspect=aspect or tracker.get_slot(slots.ASKED_ASPECT),
                    question=text,
                    alternatives=[c for c in candidates if c != chosen],
                )

        if current and is_follow_up(text, result, current):
            mine = await knowledge_base.search(text, guide_id=current)
            if mine is not None and mine.hits:
                return answer_with_guide(
                    dispatcher,
                    guide_id=current,
                    aspect=aspect,
                    question=text,
                    hit=usable_hit(_top(mine), mine, aspect),
                    result=mine,
                    alternatives=candidates,
                )

        if result.decision == "answer" and top is not None:
            return answer_top_hit(dispatcher, result=result, question=text)
        if result.decision == "clarify" and len(result.hits) > 1:
            return clarify(dispatcher, result=result, aspect=aspect)
        return not_understood(dispatcher, tracker, result=result, aspect=aspect)
