from pathlib import Path

import pytest
import yaml

from knowledge.loader import (
    GuideLoadError,
    check_corpus,
    load_guides,
    load_guides_lenient,
    read_catalogue,
)
from knowledge.schema import Guide
from tests.knowledge.factories import REPO, make_guide, write_guides


def test_valid_guide_parses_and_numbers_become_text() -> None:
    g = Guide.model_validate(make_guide(phones={"consult": [12345], "complaint": []}, version=1.0))
    assert g.phones.consult == ["12345"]
    assert g.version == "1.0"
    assert g.is_sample


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"item_type": "行政审批"}, "item_type"),
        ({"faqs": [{"q": "a", "a": "b"}]}, "faqs"),
        ({"id": "Bad_ID"}, "id"),
        ({"visits": -1}, "visits"),
        ({"materials": [{"name": "户口簿", "form": "扫描件"}]}, "materials.0.form"),
        ({"titel": "typo"}, "titel"),
    ],
)
def test_loader_reports_file_and_field(tmp_path: Path, changes: dict, field: str) -> None:
    data = make_guide(**changes)
    name = data["id"] if data["id"] != "Bad_ID" else "Bad_ID"
    (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(GuideLoadError) as exc:
        load_guides(tmp_path)
    fields = [e.field for e in exc.value.errors]
    assert field in fields
    assert str(tmp_path / f"{name}.yaml") in str(exc.value)


def test_file_name_must_equal_id_and_bad_yaml_is_reported(tmp_path: Path) -> None:
    (tmp_path / "other-name.yaml").write_text(yaml.safe_dump(make_guide(), allow_unicode=True), encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    guides, errors = load_guides_lenient(tmp_path)
    assert guides == []
    by_file = {e.path.name: e for e in errors}
    assert by_file["other-name.yaml"].field == "id"
    assert "invalid YAML" in by_file["broken.yaml"].message


def test_good_files_still_load_beside_bad_ones(tmp_path: Path) -> None:
    write_guides(tmp_path, [make_guide(), make_guide(id="x-1", title="X", item_type="不存在")])
    guides, errors = load_guides_lenient(tmp_path)
    assert [g.id for g in guides] == ["id-card-replacement"]
    assert len(errors) == 1 and errors[0].path.name == "x-1.yaml"


def test_corpus_checks_titles_related_and_sample_notice() -> None:
    g = Guide.model_validate(make_guide(title="身份证补办", related=["nope"], source="官方"))
    fields = {e.field for e in check_corpus([g], {"id-card-replacement": "居民身份证补领"})}
    assert fields == {"title", "related", "source"}


def test_shipped_guides_are_valid_and_match_the_catalogue() -> None:
    guides_dir = REPO / "knowledge" / "guides"
    guides, errors = load_guides_lenient(guides_dir)
    catalogue = read_catalogue()
    errors += check_corpus(guides, catalogue)
    assert not errors, "\n".join(map(str, errors))
    assert {g.id for g in guides} <= set(catalogue)
