"""Exports: conversations as CSV/XLSX (masked), annotated turns as Rasa NLU examples and knowledge eval rows."""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import yaml
from sqlalchemy.orm import Session

from api.review import service
from api.review.models import Verdict
from govchat.masking import mask_message
from govchat.text import printable

OUT_OF_SCOPE_TAGS = {"超出范围", "out_of_scope"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\n")


def _cell(value: Any) -> Any:
    """Any stored text, also from before govchat.text.clean, makes a valid cell (XLSX refuses control characters;
    a CSV would carry terminal escapes). Spreadsheet programs run cells starting with = + - @ as formulas; a
    citizen could type one."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens Chinese CSV correctly


def to_xlsx(header: list[str], rows: Iterable[list[Any]], title: str = "会话") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def rasa_nlu(*, session: Session) -> tuple[str, int]:
    """Rasa 3 NLU training data from annotated turns: the reviewer's intent, or the predicted one if the answer
    was marked right. Texts are masked so no personal data enters training files."""
    examples: dict[str, list[str]] = defaultdict(list)
    for annotation, _answer, question, entities in service.annotated_turns(session=session):
        if question is None:
            continue
        intent = annotation.expected_intent
        if not intent and annotation.verdict == Verdict.CORRECT:
            intent = question.intent
        if not intent:
            continue
        text = _one_line(mask_message(question.text, entities))
        if text and text not in examples[intent]:
            examples[intent].append(text)
    lines = ['version: "3.1"', "nlu:"]
    count = 0
    for intent in sorted(examples):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        for text in examples[intent]:
            lines.append(f"    - {text}")
            count += 1
    return "\n".join(lines) + "\n", count


def knowledge_eval(*, session: Session) -> tuple[str, int]:
    """Rows in the format of knowledge/devset/*.yaml (q, guide, aspect) for `python -m knowledge eval`."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for annotation, answer, question, entities in service.annotated_turns(session=session):
        if question is None:
            continue
        row: dict[str, Any] = {"q": _one_line(mask_message(question.text, entities))}
        if annotation.expected_guide_id:
            row["guide"] = annotation.expected_guide_id
            if annotation.verdict == Verdict.CORRECT and answer.section:
                row["aspect"] = answer.section
        elif annotation.verdict == Verdict.CORRECT and answer.guide_id:
            row["guide"] = answer.guide_id
            if answer.section:
                row["aspect"] = answer.section
        elif OUT_OF_SCOPE_TAGS & set(annotation.tags or []):
            row["guide"] = None
        else:
            continue
        if row["q"] in seen:
            continue
        seen.add(row["q"])
        rows.append(row)
    text = yaml.safe_dump(rows, allow_unicode=True, sort_keys=False) if rows else "[]\n"
    return "# 由会话标注导出（已脱敏），格式同 knowledge/devset/*.yaml\n" + text, len(rows)
