"""A life event's checklist, computed from the event and its guides (docs/life-events.md).

The event file says which guides, in which order, why, and which may be applied for together; everything else a
checklist shows — the materials, the visits, whether a service is online — is read from the guides here, so a
guide's change shows in every checklist that uses it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from knowledge.schema import EventService, Guide, LifeEvent

# What a material's name may carry that does not make it another document: brackets, spaces, punctuation.
_NOT_NAME = re.compile(r"[\s，。,.、:：;；/“”\"'《》<>]+")
_BRACKETS = re.compile(r"[（(]([^（）()]*)[)）]")


# Whose document a material names: "父母双方居民身份证" and "监护人居民身份证" are one kind of document to bring, held
# by different people; the checklist lists it once and says whose.
_HOLDER = re.compile(
    r"^(父母双方|夫妻双方|买卖双方|借款人及配偶|学生和共同借款人|父母|申报人|申领人|申请人|查询人|经营者|经办人|监护人|"
    r"代办人|死者|职工)的?"
)
# Whose it is when a guide names no one: the person doing the errand.
APPLICANT = "办事人"


def material_key(name: str) -> str:
    """The name two guides' materials share when they are the same document ("居民身份证" = "居民 身份证 ")."""
    text = unicodedata.normalize("NFKC", name)
    text = _BRACKETS.sub(r"\1", text)  # "落户方父（母）的居民户口簿" keeps 母
    return _NOT_NAME.sub("", text).replace("居民户口簿", "户口簿")


def document_and_holder(name: str) -> tuple[str, str | None]:
    """The document a material is and whose it is: ("居民身份证", "监护人") for "监护人居民身份证"."""
    key = material_key(name)
    holder = _HOLDER.match(key)
    if holder is None or holder.end() == len(key):
        return key, None
    return key[holder.end():], holder.group(1)


@dataclass(frozen=True)
class ChecklistItem:
    number: int  # 1-based, the order the checklist shows
    service: EventService
    guide: Guide


@dataclass(frozen=True)
class MergedMaterial:
    name: str  # as the first guide that needs it writes it, without whose it is
    guide_ids: tuple[str, ...]  # every service of the event that needs it, in checklist order
    required: bool  # required by at least one of them
    holders: tuple[str, ...] = ()  # whose, when the guides name people ("父母双方", "监护人", APPLICANT)

    @property
    def label(self) -> str:
        """The line's name: "居民身份证（父母双方、监护人、办事人）"."""
        return f"{self.name}（{'、'.join(self.holders)}）" if self.holders else self.name


@dataclass(frozen=True)
class Checklist:
    event: LifeEvent
    items: tuple[ChecklistItem, ...]
    materials: tuple[MergedMaterial, ...]
    visits: int

    @property
    def together(self) -> tuple[ChecklistItem, ...]:
        return tuple(i for i in self.items if i.service.together)

    @property
    def can_apply_together(self) -> bool:
        """The one application (一次申请) is offered when it saves the citizen something: two services or more."""
        return len(self.together) >= 2

    def item(self, guide_id: str) -> ChecklistItem | None:
        return next((i for i in self.items if i.guide.id == guide_id), None)

    def numbered(self, number: int) -> ChecklistItem | None:
        return self.items[number - 1] if 1 <= number <= len(self.items) else None


def visits_in_all(services: list[EventService], guides: Mapping[str, Guide]) -> int:
    """Visits when the services applied for together share the trip of the one that needs most, and every other
    service needs its own."""
    together = [guides[s.guide].visits for s in services if s.together and s.guide in guides]
    apart = [guides[s.guide].visits for s in services if not s.together and s.guide in guides]
    return max(together, default=0) + sum(apart)


def merged_materials(items: list[ChecklistItem]) -> tuple[MergedMaterial, ...]:
    """Each document once, in the order first needed, with every service that needs it and, when a guide names
    people, whose (a document only the applicant brings names no one)."""
    order: dict[str, int] = {}
    names: dict[str, str] = {}
    needed_by: dict[str, list[str]] = {}
    required: dict[str, bool] = {}
    holders: dict[str, list[str | None]] = {}
    for item in items:
        for material in item.guide.materials:
            key, holder = document_and_holder(material.name)
            if holder is None:  # the first guide's spelling of the bare document names the line
                names.setdefault(key, material.name)
            order.setdefault(key, len(order))
            owners = needed_by.setdefault(key, [])
            if item.guide.id not in owners:
                owners.append(item.guide.id)
            required[key] = required.get(key, False) or material.required
            whose = holders.setdefault(key, [])
            if holder not in whose:
                whose.append(holder)
    return tuple(
        MergedMaterial(names.get(k, k), tuple(needed_by[k]), required[k], _whose(holders[k])) for k in order
    )


def _whose(holders: list[str | None]) -> tuple[str, ...]:
    if holders == [None]:
        return ()
    return tuple(APPLICANT if h is None else h for h in holders)


def build_checklist(event: LifeEvent, guides: Mapping[str, Guide]) -> Checklist:
    """The event's services in the order the file gives (the loader checks each comes after what it needs)."""
    items = [
        ChecklistItem(number=n, service=service, guide=guides[service.guide])
        for n, service in enumerate(event.services, 1)
        if service.guide in guides
    ]
    return Checklist(
        event=event,
        items=tuple(items),
        materials=merged_materials(items),
        visits=visits_in_all(list(event.services), guides),
    )
