"""The utterances that carry guide facts: an answer with its source and next steps, and a clarification."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import guide_answers, slots
from actions.knowledge_base import find_guide
from actions.tone import Lead
from actions.turn_facts import OFFICIAL_NOTICE, source, turn
from govchat.turn import Decision
from knowledge.aspects import SECTION_TITLES
from knowledge.schema import ASPECTS

logger = logging.getLogger(__name__)

MAX_CHOICES = 4

# Next likely steps after an answer (the one just answered is left out).
_NEXT_STEPS = (
    ("需要哪些材料", "materials"),
    ("在哪里办", "place"),
    ("要多少钱", "fees"),
    ("能不能网上办", "online"),
)
START_REQUEST = {"title": "我要办理", "payload": "/start_service_request"}  # intent owned by service requests
NOT_THIS = {"title": "不是这个", "payload": "/wrong_guide"}


def aspect_button(title: str, aspect: str) -> dict[str, str]:
    return {"title": title, "payload": "/ask_service" + json.dumps({"aspect": aspect})}


def choice_button(title: str, guide_id: str) -> dict[str, str]:
    return {"title": title, "payload": "/choose_guide" + json.dumps({"guide_id": guide_id})}


def next_step_buttons(answered: str, *, alternatives: bool) -> list[dict[str, str]]:
    buttons = [aspect_button(title, aspect) for title, aspect in _NEXT_STEPS if aspect != answered]
    buttons.append(START_REQUEST)
    if alternatives:
        buttons.append(NOT_THIS)
    return buttons


def answer_with_guide(
    dispatcher: CollectingDispatcher,
    *,
    guide_id: str,
    aspect: str | None,
    question: str = "",
    hit: Any = None,
    result: Any = None,
    alternatives: list[str] | None = None,
    lead: Lead | None = None,
    decision: Decision | None = None,
) -> list[EventType]:
    """Answer ``aspect`` of one guide; the guide becomes the conversation's current guide.

    A FAQ the search chose answers first and the asked section follows with the details; ``lead`` meets the
    citizen's situation (actions/tone.py) before everything.
    """
    alternatives = [a for a in (alternatives or []) if a != guide_id]
    guide = find_guide(guide_id)
    hit_section = getattr(hit, "section", None)
    faq = hit.text if hit is not None and hit_section == "faq" else None
    # The section answered: the asked aspect, else the one the search found (often a FAQ), else the overview.
    section = aspect or (hit_section if hit_section in (*ASPECTS, "faq") else "overview")
    parts: list[str] = []
    titles: list[str] = []  # where the text comes from, for the source line
    if faq is not None:
        parts.append(guide_answers.faq_reply(faq))
        titles.append(SECTION_TITLES["faq"])
    # The asked section follows a FAQ with the details; what a citizen receives has no section of its own.
    if guide is not None and section != "faq" and not (faq is not None and section == "benefits"):
        parts.append(guide_answers.render(guide, section, question))
        titles.append(SECTION_TITLES.get(section, section))
    if not parts and hit is not None:  # an imported document: its text is the answer
        parts.append(hit.text.strip())
        titles.append(SECTION_TITLES.get(hit_section or "overview", "事项概述"))
    if not parts:
        logger.warning("no guide and no hit for %s", guide_id)
        return []
    title = guide.title if guide is not None else hit.title
    url = guide.url if guide is not None else getattr(hit, "url", None)
    # The guide's own provenance (sample guides say 示例数据，以官方发布为准); an imported document has none here.
    notice = guide.source if guide is not None else OFFICIAL_NOTICE
    body = "\n\n".join(parts)
    sentence = lead.sentence if lead is not None else None
    text = (f"{sentence}\n" if sentence else "") + f"{body}\n\n{guide_answers.source_line(title, titles, notice)}"
    facts = turn(
        guide_id=guide_id,
        section=section,
        score=getattr(hit, "score", None),
        confidence=getattr(result, "confidence", None),
        decision=decision or getattr(result, "decision", None) or "answer",
        aspect=aspect,
    )
    if lead is not None and lead.response:
        dispatcher.utter_message(response=lead.response)
    dispatcher.utter_message(
        text=text,
        buttons=next_step_buttons(section, alternatives=bool(alternatives)),
        json_message={
            "source": source(guide_id=guide_id, title=title, section=section, url=url),
            "turn": facts,
        },
    )
    return [
        SlotSet(slots.CURRENT_GUIDE, guide_id),
        SlotSet(slots.CANDIDATES, alternatives),
        SlotSet(slots.ASKED_ASPECT, aspect),
        SlotSet(slots.FAILED_TURNS, 0.0),
        SlotSet(slots.HANDOVER_OFFERED, False),
    ]


def clarify(dispatcher: CollectingDispatcher, *, result: Any, aspect: str | None) -> list[EventType]:
    """Several guides are close: ask which one, with one button per guide."""
    hits = list(result.hits)[:MAX_CHOICES]
    top = hits[0] if hits else None
    return ask_which(
        dispatcher,
        choices=[(h.guide_id, h.title) for h in hits],
        aspect=aspect,
        score=getattr(top, "score", None),
        confidence=result.confidence,
    )


def ask_which(
    dispatcher: CollectingDispatcher,
    *,
    choices: list[tuple[str, str]],
    aspect: str | None,
    score: float | None = None,
    confidence: float | None = None,
) -> list[EventType]:
    """Ask which of ``choices`` (guide id, title) is meant; "要带啥子" before choosing asks again with the aspect."""
    lines = [f"{i}. {title}" for i, (_, title) in enumerate(choices, 1)]
    text = "您想了解的可能是下面几个事项，请问是哪一个？\n" + "\n".join(lines)
    buttons = [choice_button(title, guide_id) for guide_id, title in choices]
    buttons.append({"title": "都不是", "payload": "/wrong_guide"})
    dispatcher.utter_message(
        text=text,
        buttons=buttons,
        json_message={
            "turn": turn(score=score, confidence=confidence, decision="clarify", aspect=aspect),
        },
    )
    # No current guide while the citizen chooses: the choices are the candidates.
    return [
        SlotSet(slots.CURRENT_GUIDE, None),
        SlotSet(slots.CANDIDATES, [guide_id for guide_id, _ in choices]),
        SlotSet(slots.ASKED_ASPECT, aspect),
        SlotSet(slots.HANDOVER_OFFERED, False),
    ]
