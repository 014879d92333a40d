"""Load and validate guide YAML files, reporting the file and field of every error."""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge.checklists import visits_in_all
from knowledge.schema import Guide, LifeEvent

logger = logging.getLogger(__name__)

CATALOGUE = Path(__file__).resolve().parent / "catalogue.tsv"


@dataclass(frozen=True)
class GuideError:
    """One problem in one file: ``field`` is a dotted path such as ``materials.0.form``."""

    path: Path
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: {self.field}" if self.field else str(self.path)
        return f"{where}: {self.message}"


class GuideLoadError(ValueError):
    """Raised when one or more guide files are invalid; carries every error, not just the first."""

    def __init__(self, errors: list[GuideError]) -> None:
        self.errors = errors
        lines = "\n".join(f"  {e}" for e in errors)
        super().__init__(f"{len(errors)} error(s) in service guides:\n{lines}")


def _field_path(loc: Iterable[Any]) -> str:
    return ".".join(str(p) for p in loc)


def parse_guide(data: Any, path: Path) -> tuple[Guide | None, list[GuideError]]:
    """Validate one parsed YAML document; the file name must equal the id."""
    if not isinstance(data, dict):
        return None, [GuideError(path, "", "a guide file must hold one mapping (key: value), not a list")]
    try:
        guide = Guide.model_validate(data)
    except ValidationError as exc:
        return None, [
            GuideError(path, _field_path(err["loc"]), f"{err['msg']} (got {err.get('input')!r:.80})")
            for err in exc.errors()
        ]
    if path.suffix in {".yaml", ".yml"} and path.stem != guide.id:
        return None, [GuideError(path, "id", f"id {guide.id!r} must equal the file name {path.stem!r}")]
    return guide, []


def _read_yaml(path: Path) -> tuple[Any, list[GuideError]]:
    """A file's YAML document, or the error that names the file (and the line) when it cannot be read."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        return None, [GuideError(path, where, f"invalid YAML: {exc}")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [GuideError(path, "", f"cannot read: {exc}")]


def read_guide_file(path: Path) -> tuple[Guide | None, list[GuideError]]:
    data, errors = _read_yaml(path)
    return (None, errors) if errors else parse_guide(data, path)


def guide_files(guides_dir: Path) -> list[Path]:
    return sorted(p for p in guides_dir.glob("*.y*ml") if p.suffix in {".yaml", ".yml"})


def load_guides_lenient(guides_dir: Path) -> tuple[list[Guide], list[GuideError]]:
    """Every valid guide plus the errors of the invalid ones; duplicate ids are errors."""
    guides: list[Guide] = []
    errors: list[GuideError] = []
    seen: dict[str, Path] = {}
    for path in guide_files(guides_dir):
        guide, errs = read_guide_file(path)
        errors.extend(errs)
        if guide is None:
            continue
        if guide.id in seen:
            errors.append(GuideError(path, "id", f"duplicate id {guide.id!r}, also in {seen[guide.id]}"))
            continue
        seen[guide.id] = path
        guides.append(guide)
    return guides, errors


def load_guides(guides_dir: Path) -> list[Guide]:
    """All guides in a folder, or ``GuideLoadError`` listing every bad file and field."""
    guides, errors = load_guides_lenient(guides_dir)
    if errors:
        raise GuideLoadError(errors)
    return guides


def read_catalogue(path: Path = CATALOGUE) -> dict[str, str]:
    """The shipped catalogue: id -> exact title."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["id"]: row["title"] for row in csv.DictReader(fh, delimiter="\t")}


def check_corpus(guides: list[Guide], catalogue: dict[str, str] | None = None) -> list[GuideError]:
    """Cross-file checks: titles match the catalogue, related ids exist, sample data says so."""
    errors: list[GuideError] = []
    ids = {g.id for g in guides} | set(catalogue or {})
    for g in guides:
        path = Path(f"{g.id}.yaml")
        if catalogue is not None:
            if g.id not in catalogue:
                errors.append(GuideError(path, "id", "not in knowledge/catalogue.tsv"))
            elif catalogue[g.id] != g.title:
                errors.append(GuideError(path, "title", f"must be {catalogue[g.id]!r} as in the catalogue"))
            if not g.is_sample:
                errors.append(GuideError(path, "source", "shipped sample guides must say 示例数据，以官方发布为准"))
        for rel in g.related:
            if rel not in ids:
                errors.append(GuideError(path, "related", f"unknown guide id {rel!r}"))
    return errors


def read_life_event_file(path: Path) -> tuple[LifeEvent | None, list[GuideError]]:
    """One life event file, validated like a guide: every error names the file and the field."""
    data, errors = _read_yaml(path)
    if errors:
        return None, errors
    if not isinstance(data, dict):
        return None, [GuideError(path, "", "a life event file must hold one mapping (key: value), not a list")]
    try:
        event = LifeEvent.model_validate(data)
    except ValidationError as exc:
        return None, [
            GuideError(path, _field_path(err["loc"]), f"{err['msg']} (got {err.get('input')!r:.80})")
            for err in exc.errors()
        ]
    if path.stem != event.id:
        return None, [GuideError(path, "id", f"id {event.id!r} must equal the file name {path.stem!r}")]
    return event, []


def check_life_events(events: list[LifeEvent], guides: list[Guide]) -> list[GuideError]:
    """Cross-file checks: every service is a known guide, listed once, and comes after what it needs; the visits
    are what the guides add up to."""
    by_id = {g.id: g for g in guides}
    known = set(by_id)
    errors: list[GuideError] = []
    for event in events:
        path = Path(f"{event.id}.yaml")
        seen: set[str] = set()
        for n, service in enumerate(event.services):
            where = f"services.{n}"
            if service.guide not in known:
                errors.append(GuideError(path, f"{where}.guide", f"unknown guide id {service.guide!r}"))
            if service.guide in seen:
                errors.append(GuideError(path, f"{where}.guide", f"{service.guide!r} is listed twice"))
            for before in service.after:
                if before not in seen:
                    errors.append(GuideError(path, f"{where}.after", f"{before!r} must be listed before it"))
            if service.own_facts and not service.together:
                errors.append(GuideError(path, f"{where}.own_facts", "only services applied for together ask facts"))
            seen.add(service.guide)
        if not event.is_sample:
            errors.append(GuideError(path, "source", "shipped sample life events must say 示例数据，以官方发布为准"))
        if not (seen - known):
            counted = visits_in_all(list(event.services), by_id)
            if event.visits != counted:
                errors.append(GuideError(path, "visits", f"{event.visits} visit(s), but the guides need {counted} "
                                         "(the most of those applied for together, plus each other one's)"))
    return errors


def load_life_events_lenient(events_dir: Path, guides: list[Guide]) -> tuple[list[LifeEvent], list[GuideError]]:
    """Every valid life event plus every error, of single files and across files."""
    events: list[LifeEvent] = []
    errors: list[GuideError] = []
    for path in guide_files(events_dir):
        event, errs = read_life_event_file(path)
        errors.extend(errs)
        if event is not None:
            events.append(event)
    errors.extend(
        GuideError(events_dir / e.path, e.field, e.message) for e in check_life_events(events, guides)
    )
    return events, errors


def load_life_events(events_dir: Path, guides: list[Guide]) -> list[LifeEvent]:
    """All life events in a folder, or ``GuideLoadError`` listing every bad file and field."""
    events, errors = load_life_events_lenient(events_dir, guides)
    if errors:
        raise GuideLoadError(errors)
    return events
