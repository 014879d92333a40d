import json
from pathlib import Path

import pytest

from knowledge.chunking import chunk_entry
from knowledge.documents import Document
from knowledge.importers import import_path
from knowledge.schema import Guide
from tests.knowledge.factories import SHARED_DATA, make_guide

GUANGDONG = SHARED_DATA / "guangdong_service_items.jsonl"


def test_guide_chunks_cover_every_section_and_faq() -> None:
    chunks = chunk_entry(Guide.model_validate(make_guide(fees=[])))
    sections = {c.section for c in chunks}
    assert sections >= {"overview", "conditions", "materials", "process", "time", "fees", "place", "phone",
                        "online", "faq"}
    fees = next(c for c in chunks if c.section == "fees")
    assert "不收费" in fees.text
    assert sum(c.section == "faq" for c in chunks) == 2
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert all(c.search_text.startswith("居民身份证补领｜") for c in chunks)


def test_document_chunks_only_have_their_sections() -> None:
    doc = Document(id="d1", title="T", text="正文", sections={"place": "某地"})
    assert {c.section for c in chunk_entry(doc)} == {"overview", "place"}


def test_csv_import_reports_rejected_rows_and_keeps_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "docs.csv"
    path.write_text(
        "id,title,text,department,url\n"
        "a1,低保问答,低保申请条件,民政,\n"
        ",没有编号,x,,\n"
        "a2,,没有标题,,\n"
        "a1,重复,y,,\n"
        "a3,有效,z,,https://example.org\n",
        encoding="utf-8",
    )
    report = import_path(path)
    assert [e.id for e in report.entries] == ["a1", "a3"]
    assert [(r.line, r.reason.split(" ")[0]) for r in report.rejected] == [(3, "missing"), (4, "missing"),
                                                                          (5, "duplicate")]


def test_jsonl_import_rejects_bad_json_and_unknown_fields(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    rows = [json.dumps({"id": "x", "title": "标题", "text": "t"}), "{not json", json.dumps({"id": "y", "title": "t",
            "colour": "red"}), json.dumps([1, 2])]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = import_path(path)
    assert [e.id for e in report.entries] == ["x"]
    assert [r.line for r in report.rejected] == [2, 3, 4]
    assert "invalid JSON" in report.rejected[0].reason and "colour" in report.rejected[1].reason


def test_import_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"id": "x", "title": "标题", "text": "t"}) + "\n", encoding="utf-8")
    assert import_path(path).entries == import_path(path).entries


def test_guide_folder_import_reports_bad_files(guides_dir: Path) -> None:
    (guides_dir / "bad.yaml").write_text("id: bad\n", encoding="utf-8")
    report = import_path(guides_dir)
    assert len(report.entries) == 3
    assert report.rejected and all(r.source.endswith("bad.yaml") for r in report.rejected)


def test_unsupported_format(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(ValueError, match="unsupported"):
        import_path(tmp_path / "a.txt")


@pytest.mark.skipif(not GUANGDONG.exists(), reason="shared Guangdong data absent")
def test_guangdong_items_import(tmp_path: Path) -> None:
    report = import_path(GUANGDONG)
    assert report.kind == "province-items"
    assert len(report.entries) + len(report.rejected) == 2262
    assert len(report.entries) >= 2200
    doc = report.entries[0]
    assert isinstance(doc, Document) and doc.id.startswith("item-")
    assert "place" in doc.sections and "广州" in doc.sections["place"]
    broken = tmp_path / "items.jsonl"
    lines = GUANGDONG.read_text(encoding="utf-8").splitlines()[:3]
    broken.write_text("\n".join([lines[0], '{"TASK_CODE": "X1"}', lines[0], lines[2]]) + "\n", encoding="utf-8")
    small = import_path(broken)
    assert len(small.entries) == 2
    assert [(r.line, r.reason.split(" ")[0]) for r in small.rejected] == [(2, "missing"), (3, "duplicate")]


def test_csv_rows_with_missing_columns_are_rejected_not_imported_empty(tmp_path: Path) -> None:
    path = tmp_path / "docs.csv"
    path.write_text(
        "id,title,text,department,url\n"
        "a1,低保问答,低保申请条件,民政,\n"
        "a2,缺了正文\n",
        encoding="utf-8",
    )
    report = import_path(path)
    assert [e.id for e in report.entries] == ["a1"]
    assert [(r.line, r.reason) for r in report.rejected] == [(3, "2 values for 5 header columns")]


def test_jsonl_export_with_a_byte_order_mark_keeps_its_first_row(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    rows = [json.dumps({"id": "x", "title": "标题", "text": "t"}), json.dumps({"id": "y", "title": "标题二"})]
    path.write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")
    report = import_path(path)
    assert [e.id for e in report.entries] == ["x", "y"] and report.rejected == []
