"""Machine-readable facts that ride along with the bot's utterances in ``custom`` (see docs/dialogue.md).

``source`` marks an utterance that states facts from a guide; ``turn`` is on the last utterance of every turn
and tells the gateway what the assistant did, so staff can review it and the gateway can hand over.
"""

from __future__ import annotations

from typing import Any

from govchat.turn import Decision, TurnFacts

OFFICIAL_NOTICE = "以官方发布为准"


def turn(
    *,
    guide_id: str | None = None,
    section: str | None = None,
    score: float | None = None,
    confidence: float | None = None,
    decision: Decision | None = None,
    aspect: str | None = None,
    fell_back: bool = False,
    handover: bool = False,
    life_event: str | None = None,
) -> dict[str, Any]:
    """``custom.turn`` of an utterance: a ``TurnFacts`` as JSON (scores rounded for the record)."""
    return TurnFacts(
        guide_id=guide_id,
        section=section,
        score=None if score is None else round(float(score), 4),
        confidence=None if confidence is None else round(float(confidence), 4),
        decision=decision,
        aspect=aspect,
        fell_back=fell_back,
        handover=handover,
        life_event=life_event,
    ).model_dump()


def source(*, guide_id: str, title: str, section: str, url: str | None) -> dict[str, Any]:
    return {"guide_id": guide_id, "title": title, "section": section, "url": url}
