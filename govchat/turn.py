"""What the assistant did in one turn: the typed contract between the action server and the gateway.

The actions put it on the last utterance of every turn (``custom.turn``, docs/dialogue.md); the gateway stores it
with the bot's message, so staff review and analytics see what each turn decided and why.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

# answer / clarify / fallback: the search's decision; complaint: the apology for a complaint about the service;
# out_of_scope: the polite refusal; control: a greeting, thanks, yes/no or a form's question; checklist: a life
# event's checklist or an answer on it (docs/life-events.md).
# The section of a checklist turn that shows the list itself (analytics counts these as life-event questions);
# follow-ups on the list name what they answered (visits, order, online, materials).
CHECKLIST_SECTION = "checklist"
Decision = Literal["answer", "clarify", "fallback", "complaint", "out_of_scope", "control", "checklist"]


class TurnFacts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    guide_id: str | None = None
    section: str | None = None
    score: float | None = None  # the fused search score of the guide answered or offered first
    confidence: float | None = None  # the search's calibrated confidence
    decision: Decision | None = None
    aspect: str | None = None  # what the question asked about (knowledge.schema.ASPECTS)
    fell_back: bool = False  # the assistant could not answer a question (a failure, counted by analytics)
    handover: bool = False
    life_event: str | None = None  # the life event whose checklist this turn showed or answered on
