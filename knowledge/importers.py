"""Importers: guide YAML, generic JSONL/CSV documents, and provincial item records (Guangdong format).

Every importer is idempotent (same input, same entries, so the index stays "up to date") and reports each
rejected row with its line and reason while the good rows still import.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from knowledge.documents import Document, Entry
from knowledge.loader import guide_files, read_guide_file

logger = logging.getLogger(__name__)

GENERIC_FIELDS = ("id", "title", "text", "department", "url")
PROVINCE_SOURCE = "省级政务服务网事项（导入）"
_ID_OK = re.compile(r"^[\w.\-:]+$")


@dataclass(frozen=True)
class Rejected:
    source: str
    line: int | None  # 1-based line (row) number; None for whole-file problems
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    source: str
    kind: str
    entries: list[Entry] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in {"", "无", "null", "None"})


def _text(value: Any) -> str:
    if _blank(value):
        return ""
    if isinstance(value, list):
        return "、".join(str(v).strip() for v in value if not _blank(v))
    return str(value).strip()


def _doc_from_generic(row: dict[str, Any]) -> Document:
    unknown = sorted(set(row) - set(GENERIC_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}; expected {list(GENERIC_FIELDS)}")
    doc_id = _text(row.get("id"))
    if not doc_id:
        raise ValueError("missing id")
    if not _ID_OK.match(doc_id):
        raise ValueError(f"id {doc_id!r} may hold only letters, digits, '_', '-', '.', ':'")
    title = _text(row.get("title"))
    if not title:
        raise ValueError("missing title")
    return Document(
        id=doc_id,
        title=title,
        text=_text(row.get("text")),
        department=_text(row.get("department")) or None,
        url=_text(row.get("url")) or None,
        source="导入文档",
    )


def _doc_from_province_item(row: dict[str, Any]) -> Document:
    """One item record as exported from a provincial government-service network (see shared/data/README)."""
    code = _text(row.get("TASK_CODE"))
    title = _text(row.get("TASK_NAME")) or _text(row.get("matter_name"))
    if not code:
        raise ValueError("missing TASK_CODE")
    if not title:
        raise ValueError("missing TASK_NAME and matter_name")
    dept = _text(row.get("DEPT_NAME"))
    item_type = _text(row.get("TASK_TYPE_TEXT")) or _text(row.get("matter_type"))
    objects = _text(row.get("service_object_name"))
    themes = _text(row.get("theme_category"))
    overview = [f"{title}。"]
    if item_type or dept:
        overview.append(f"事项类型：{item_type or '未注明'}；实施主体：{dept or '未注明'}。")
    if objects:
        overview.append(f"办理对象：{objects}。")
    if themes:
        overview.append(f"主题分类：{themes}。")
    parent = _text(row.get("parentCatalogName"))
    aliases = [a for a in {parent, _text(row.get("matter_short")), _text(row.get("CATANAME"))} if a and a != title]
    time_parts = []
    if _text(row.get("handle_time")):
        time_parts.append(f"法定办结时限：{_text(row.get('handle_time'))}")
    if _text(row.get("handle_time_limit")):
        time_parts.append(f"承诺办结时限：{_text(row.get('handle_time_limit'))}")
    phones = []
    if _text(row.get("consult_phone")):
        phones.append(f"咨询电话：{_text(row.get('consult_phone'))}")
    if _text(row.get("complain_phone")):
        phones.append(f"监督投诉电话：{_text(row.get('complain_phone'))}")
    online = []
    if _text(row.get("URL")):
        online.append(f"网办地址：{_text(row.get('URL'))}")
    for key, label in (("online_book", "网上预约"), ("courier_service", "快递送达"), ("visit_number", "到现场次数")):
        if _text(row.get(key)):
            online.append(f"{label}：{_text(row.get(key))}")
    sections = {
        "conditions": _text(row.get("accept_standard")),
        "materials": _text(row.get("material_intro")),
        "time": "；".join(time_parts),
        "place": _text(row.get("handle_location")),
        "phone": "；".join(phones),
        "online": "；".join(online),
    }
    return Document(
        id="item-" + code.lower(),
        title=title,
        text="".join(overview),
        department=dept or None,
        url=_text(row.get("URL")) or None,
        aliases=sorted(aliases),
        sections={k: v for k, v in sections.items() if v},
        source=PROVINCE_SOURCE + (f"：{_text(row.get('AREA_CODE_TEXT'))}" if row.get("AREA_CODE_TEXT") else ""),
    )


def _is_province_item(row: dict[str, Any]) -> bool:
    return "TASK_CODE" in row or "TASK_NAME" in row


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    with path.open(encoding="utf-8-sig") as fh:  # exports from Windows tools often start with a BOM
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield n, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
                continue
            if not isinstance(row, dict):
                yield n, None, "a line must hold one JSON object"
                continue
            yield n, row, ""


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    missing: Any = object()  # a short row's absent columns, told apart from empty ones
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, restval=missing)
        for row in reader:
            if None in row or missing in row.values():
                count = sum(v is not missing for k, v in row.items() if k is not None) + len(row.get(None) or [])
                yield reader.line_num, None, f"{count} values for {len(reader.fieldnames or [])} header columns"
                continue
            yield reader.line_num, dict(row), ""


def _collect(report: ImportReport, rows: Iterator[tuple[int, dict[str, Any] | None, str]]) -> ImportReport:
    seen: dict[str, int] = {}
    for line, row, error in rows:
        if row is None:
            report.rejected.append(Rejected(report.source, line, error))
            continue
        try:
            if _is_province_item(row):
                report.kind = "province-items"
                doc = _doc_from_province_item(row)
            else:
                doc = _doc_from_generic(row)
        except (ValueError, ValidationError) as exc:
            reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            report.rejected.append(Rejected(report.source, line, reason))
            continue
        if doc.id in seen:
            reason = f"duplicate id {doc.id!r} (first on line {seen[doc.id]})"
            report.rejected.append(Rejected(report.source, line, reason))
            continue
        seen[doc.id] = line
        report.entries.append(doc)
    return report


def import_guides(path: Path) -> ImportReport:
    files = guide_files(path) if path.is_dir() else [path]
    report = ImportReport(str(path), "guides")
    seen: set[str] = set()
    for f in files:
        guide, errors = read_guide_file(f)
        for err in errors:
            report.rejected.append(Rejected(str(f), None, f"{err.field}: {err.message}" if err.field else err.message))
        if guide is not None:
            if guide.id in seen:
                report.rejected.append(Rejected(str(f), None, f"duplicate id {guide.id!r}"))
                continue
            seen.add(guide.id)
            report.entries.append(guide)
    return report


def import_path(path: Path) -> ImportReport:
    """Read any supported source; the format follows from the suffix (and, for JSONL, the fields)."""
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in {".yaml", ".yml"}:
        return import_guides(path)
    if suffix in {".jsonl", ".ndjson"}:
        return _collect(ImportReport(str(path), "documents"), _jsonl_rows(path))
    if suffix == ".csv":
        return _collect(ImportReport(str(path), "documents"), _csv_rows(path))
    raise ValueError(f"unsupported import format {suffix!r}: use a guide folder or .yaml, .jsonl or .csv")
