"""Checks across guides that schema validation cannot see: consistency, honesty of claims, national facts.

``python -m knowledge lint`` runs them on the shipped corpus and on any imported folder of guides. Each rule is
one function returning findings; errors fail the command, warnings are reported only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

import yaml
from pydantic import BaseModel, ConfigDict, Field

from knowledge.loader import load_guides_lenient, load_life_events_lenient
from knowledge.schema import Guide, LifeEvent

NATIONAL_FACTS = Path(__file__).resolve().parent / "national_facts.yaml"

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    path: Path
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: [{self.severity}] {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"file": str(self.path), "field": self.field, "severity": self.severity, "message": self.message}


class NationalFact(BaseModel):
    """A nationally uniform fact and the text every guide it applies to must contain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    fact: str
    basis: str
    titles: list[str] = Field(min_length=1)  # 事项名称 the fact applies to (imported guides use the same names)
    section: Literal["fees", "time", "text"]  # text = anywhere in the guide
    contains: list[str] = Field(default_factory=list)
    cite: str  # what of the basis the guide must name (a document number, a law's article)
    free: bool = False  # the service is free by law: the fees section must be empty


class NationalFacts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hotlines: dict[str, str]  # public service numbers anyone can check: number -> what it serves
    facts: list[NationalFact]


def load_national_facts(path: Path = NATIONAL_FACTS) -> NationalFacts:
    return NationalFacts.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _path(g: Guide) -> Path:
    return Path(f"{g.id}.yaml")


def _fees_text(g: Guide) -> str:
    return "\n".join(f"{f.item} {f.amount} {f.basis or ''}" for f in g.fees)


def _time_text(g: Guide) -> str:
    return f"{g.time_limit.statutory or ''}\n{g.time_limit.promised or ''}"


def _all_text(g: Guide) -> str:
    return yaml.safe_dump(g.model_dump(mode="json"), allow_unicode=True)


_SECTION_TEXT: dict[str, Callable[[Guide], str]] = {"fees": _fees_text, "time": _time_text, "text": _all_text}


# --- one office, one phone, one set of hours -----------------------------------------------------------------


def _office_key(name: str) -> str:
    """"市场监管窗口（企业开办专区）" is the same window as "市场监管窗口"."""
    return re.sub(r"（[^）]*）|\([^)]*\)", "", name).strip()


def check_offices(guides: list[Guide]) -> list[Finding]:
    """A window named alike in two guides has one address and one set of hours; a body has one consult line."""
    findings: list[Finding] = []
    places: dict[str, tuple[Guide, str, str]] = {}
    phones: dict[str, tuple[Guide, list[str]]] = {}
    for g in guides:
        for i, loc in enumerate(g.locations):
            first = places.setdefault(_office_key(loc.name), (g, loc.address, loc.hours))
            for what, mine, theirs in (("address", loc.address, first[1]), ("hours", loc.hours, first[2])):
                if mine != theirs:
                    findings.append(Finding(_path(g), f"locations.{i}.{what}",
                                            f"{loc.name!r} says {mine!r}, {first[0].id} says {theirs!r}"))
        first_phones = phones.setdefault(g.implementing_body, (g, g.phones.consult))
        if g.phones.consult != first_phones[1]:
            findings.append(Finding(_path(g), "phones.consult",
                                    f"{g.implementing_body} has {g.phones.consult}, "
                                    f"{first_phones[0].id} gives {first_phones[1]}"))
    return findings


# --- contact data that can be checked ------------------------------------------------------------------------

_PLACEHOLDER = "示例"


def check_phones(g: Guide, hotlines: dict[str, str]) -> list[Finding]:
    """Sample guides list only public hotlines (or say a number is a placeholder); a local number ending like a
    hotline (0851-87988393 and 12393) looks made up in any corpus."""
    findings: list[Finding] = []
    for kind in ("consult", "complaint"):
        for i, number in enumerate(getattr(g.phones, kind)):
            where = f"phones.{kind}.{i}"
            if number in hotlines or _PLACEHOLDER in number:
                continue
            digits = re.sub(r"\D", "", number)
            local = digits[4:] if digits.startswith("0") and len(digits) > 8 else digits
            tail = next((h for h in hotlines if len(h) >= 3 and local.endswith(h[-3:]) and local != h), None)
            if g.is_sample:
                findings.append(Finding(_path(g), where, f"{number} is not a public hotline: use one "
                                        f"({', '.join(sorted(hotlines))}) or mark it {_PLACEHOLDER}"))
            elif tail is not None:
                findings.append(Finding(_path(g), where, f"{number} ends like the hotline {tail}: check it",
                                        "warning"))
    return findings


def check_urls(g: Guide) -> list[Finding]:
    """``url`` is the page of this guide; a portal's home page tells the citizen nothing more. Sample guides have
    no page of their own, so they leave it out."""
    if not g.url:
        return [] if g.is_sample else [Finding(_path(g), "url", "no page of this guide", "warning")]
    if urlparse(g.url).path.strip("/") == "":
        return [Finding(_path(g), "url", f"{g.url} is a home page, not this guide's page", "warning")]
    return []


# --- online claims against visits and steps ------------------------------------------------------------------

# A step that needs the citizen in person. "不用到现场" is a negation and "也可到窗口" an alternative, not a visit.
_VISIT = re.compile(r"(?<![不无免未或])(?<!不用)(?<!无需)(?<!不必)(?<!无须)(?<!也可)(?<!可以)(?<!亦可)"
                    r"(到窗口|到现场|现场(?:核验|采集|签|面签|办理|提交|查验|评定|鉴定)|面签|采集指纹"
                    r"|到[^，。；、]{0,10}(?:派出所|大厅|窗口|网点|服务站|医院|户籍室|登记处|经办机构))")
_FULLY_ONLINE = re.compile(r"(?<!不能)(?<!无法)(?<!不可)全程网[上办]|不用跑|无需跑|零跑腿|不用到现场|无需到现场")
_BIOMETRICS = re.compile(r"采集(?:指纹|人像|照片)|指纹(?:采集|核验)|人像采集")


def check_online(g: Guide) -> list[Finding]:
    """``visits: 0`` makes the answer say 全程网上办理; the steps must agree, and fingerprints need a window."""
    findings: list[Finding] = []
    if g.visits == 0 and not g.online.available:
        findings.append(Finding(_path(g), "visits", "0 visits but online.available is false"))
    for i, step in enumerate(g.process):
        text = f"{step.name}：{step.description}"
        if g.visits == 0 and (m := _VISIT.search(text)):
            findings.append(Finding(_path(g), f"process.{i}",
                                    f"visits is 0 (全程网办) but this step needs a visit ({m.group(0)})"))
        if g.online.available and (m := _BIOMETRICS.search(text)):
            findings.append(Finding(_path(g), f"process.{i}", f"online.available but this step needs the "
                                    f"citizen at a window ({m.group(0)}); the form would offer 网上办理",
                                    "warning"))
    if g.visits > 0:
        claims = [("summary", g.summary), ("online.notes", g.online.notes or "")]
        claims += [(f"faqs.{i}.a", f.a) for i, f in enumerate(g.faqs)]
        for field, text in claims:
            if m := _FULLY_ONLINE.search(text):
                findings.append(Finding(_path(g), field, f"says {m.group(0)} but visits is {g.visits}", "warning"))
    return findings


# --- fees named in steps --------------------------------------------------------------------------------------

_AMOUNT = re.compile(r"\d+(?:\.\d+)?元")
_CHARGE = re.compile(r"缴纳|交纳|缴费|收取|工本费|收费|费用")


def check_fees(g: Guide) -> list[Finding]:
    """A charge a step names is in ``fees``, with the same amount."""
    findings: list[Finding] = []
    listed = _fees_text(g)
    for i, step in enumerate(g.process):
        for clause in re.split(r"[，。；;]", step.description):
            if not _CHARGE.search(clause) or re.search(r"免|不收|无需缴", clause):
                continue
            amounts = _AMOUNT.findall(clause)
            if not g.fees and amounts:
                findings.append(Finding(_path(g), f"process.{i}", f"charges {amounts[0]} but fees is empty (free)"))
            for amount in amounts:
                if g.fees and amount not in listed:
                    findings.append(Finding(_path(g), f"process.{i}", f"names {amount}, fees do not"))
    return findings


# --- names -----------------------------------------------------------------------------------------------------


def check_aliases(guides: list[Guide]) -> list[Finding]:
    """An everyday name leads to one guide; shared, it sends the question to whichever ranks first."""
    owner: dict[str, Guide] = {g.title: g for g in guides}
    findings: list[Finding] = []
    for g in guides:
        for i, alias in enumerate(g.aliases):
            other = owner.setdefault(alias, g)
            if other is not g:
                findings.append(Finding(_path(g), f"aliases.{i}", f"{alias!r} is also a name of {other.id}"))
    return findings


# --- national facts ----------------------------------------------------------------------------------------------


def check_national_facts(g: Guide, facts: Iterable[NationalFact]) -> list[Finding]:
    findings: list[Finding] = []
    for fact in facts:
        if g.title not in fact.titles:
            continue
        section = _SECTION_TEXT[fact.section](g)
        missing = [c for c in fact.contains if c not in section]
        if missing:
            findings.append(Finding(_path(g), fact.section, f"national fact {fact.id}: {fact.fact}; "
                                    f"missing {'、'.join(missing)} ({fact.basis})"))
        if fact.free and g.fees:
            findings.append(Finding(_path(g), "fees", f"national fact {fact.id}: free of charge ({fact.basis})"))
        if fact.cite not in _all_text(g):
            findings.append(Finding(_path(g), fact.section, f"national fact {fact.id}: cite {fact.cite} "
                                    f"({fact.basis})"))
    return findings


# --- the whole corpus --------------------------------------------------------------------------------------------


def lint_guides(guides: list[Guide], national: NationalFacts | None = None) -> list[Finding]:
    national = national or load_national_facts()
    findings = check_offices(guides) + check_aliases(guides)
    for g in guides:
        findings += check_phones(g, national.hotlines)
        findings += check_urls(g)
        findings += check_online(g)
        findings += check_fees(g)
        findings += check_national_facts(g, national.facts)
    return sorted(findings, key=lambda f: (str(f.path), f.severity, f.field))


# --- life events ---------------------------------------------------------------------------------------------------

# A checklist line says when and why; a fee or a time limit in it would be a second copy of the guide's fact.
_GUIDE_FACT = re.compile(r"\d+(\.\d+)?\s*(元|个?工作日|天|日内|个月内)")


def lint_life_events(events: list[LifeEvent], national: NationalFacts) -> list[Finding]:
    findings: list[Finding] = []
    for event in events:
        path = Path(f"{event.id}.yaml")
        for n, service in enumerate(event.services):
            if _GUIDE_FACT.search(service.line):
                findings.append(Finding(path, f"services.{n}.line", "a fee or time limit belongs to the guide, "
                                        "the line says when and why", "warning"))
        if event.window.phone and event.window.phone not in national.hotlines:
            findings.append(Finding(path, "window.phone", f"{event.window.phone} is not a known public hotline"))
        if len({s.guide for s in event.services if s.together}) == 1:
            findings.append(Finding(path, "services", "one service marked together: nothing to apply for in one "
                                    "go", "warning"))
    return findings


def lint_folder(
    guides_dir: Path, national: NationalFacts | None = None, *, events_dir: Path | None = None
) -> tuple[int, list[Finding]]:
    """Number of valid guides and every finding, of the guides and the life events built on them; a file that
    does not load is an error too."""
    national = national or load_national_facts()
    guides, errors = load_guides_lenient(guides_dir)
    findings = [Finding(e.path, e.field, e.message) for e in errors]
    findings += [Finding(guides_dir / f.path, f.field, f.message, f.severity) for f in lint_guides(guides, national)]
    if events_dir is not None:
        events, event_errors = load_life_events_lenient(events_dir, guides)
        findings += [Finding(e.path, e.field, e.message) for e in event_errors]
        findings += [Finding(events_dir / f.path, f.field, f.message, f.severity)
                     for f in lint_life_events(events, national)]
    return len(guides), findings


def count(findings: list[Finding]) -> dict[Severity, int]:
    return {"error": sum(f.severity == "error" for f in findings),
            "warning": sum(f.severity == "warning" for f in findings)}
