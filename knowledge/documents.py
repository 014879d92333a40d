"""Entries of a corpus: a full ``Guide`` or an imported ``Document`` with whatever sections it has."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from knowledge.schema import GUIDE_ID_PATTERN, Guide


class Document(BaseModel):
    """An imported record that is not a full guide (generic JSONL/CSV rows, other provinces' items)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1)
    text: str = ""
    department: str | None = None
    url: str | None = None
    aliases: list[str] = Field(default_factory=list)
    # aspect -> text, e.g. {"materials": "...", "place": "..."}; "overview" falls back to ``text``.
    sections: dict[str, str] = Field(default_factory=dict)
    source: str = ""


Entry = Guide | Document

__all__ = ["GUIDE_ID_PATTERN", "Document", "Entry", "Guide"]
