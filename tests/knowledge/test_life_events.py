"""The shipped life events, their validation (file and field on every error) and the computed checklist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from govchat.settings import get_settings
from knowledge.checklists import build_checklist, document_and_holder, material_key
from knowledge.cli import main
from knowledge.lint import lint_folder
from knowledge.loader import GuideLoadError, load_guides, load_life_events
from knowledge.schema import Guide, LifeEvent
from tests.knowledge.factories import make_guide, write_guides

SEVEN = {"newborn", "after-death", "retirement", "small-restaurant", "buy-second-hand-house", "school-start",
         "disability-services"}


def shipped() -> tuple[list[Guide], list[LifeEvent]]:
    settings = get_settings()
    guides = load_guides(settings.guides_dir)
    return guides, load_life_events(settings.life_events_dir, guides)


def test_the_seven_shipped_events_load_and_lint_clean() -> None:
    guides, events = shipped()
    assert {e.id for e in events} == SEVEN
    assert all(e.is_sample and "国发〔2024〕3号" in e.source for e in events)
    settings = get_settings()
    _, findings = lint_folder(settings.guides_dir, events_dir=settings.life_events_dir)
    assert [str(f) for f in findings if "life_events" in str(f.path)] == []


def test_newborn_order_follows_the_certificates() -> None:
    guides, events = shipped()
    newborn = next(e for e in events if e.id == "newborn")
    order = [s.guide for s in newborn.services]
    assert order.index("birth-medical-certificate") < order.index("birth-registration")
    assert order.index("birth-registration") < order.index("resident-medical-insurance")
    assert order.index("resident-medical-insurance") < order.index("social-security-card")


def two_guides(folder: Path) -> Path:
    return write_guides(folder, [
        make_guide(id="first-thing", title="第一件事", visits=1, aliases=["第一件", "头一件"],
                   materials=[{"name": "居民身份证", "form": "原件"}, {"name": "户口簿", "form": "原件",
                                                                       "required": False}]),
        make_guide(id="second-thing", title="第二件事", visits=2, aliases=["第二件", "二一件"],
                   materials=[{"name": "居民 身份证", "form": "复印件"}, {"name": "申请表（第二件）",
                                                                         "form": "原件"}]),
        make_guide(id="third-thing", title="第三件事", visits=0, aliases=["第三件", "三一件"],
                   materials=[{"name": "户口簿", "form": "原件"}]),
    ])


def event_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "some-event",
        "title": "某事“一件事”",
        "summary": "测试用的一件事。",
        "aliases": ["某事", "某件事", "那件事"],
        "services": [
            {"guide": "first-thing", "line": "先办这个。", "together": True,
             "own_facts": [{"key": "child_name", "question": "姓名是？"}]},
            {"guide": "second-thing", "line": "再办这个。", "after": ["first-thing"], "together": True},
            {"guide": "third-thing", "line": "需要时办。"},
        ],
        "window": {"name": "综合窗口", "address": "政务服务中心", "hours": "工作日", "phone": "12345"},
        "visits": 2,
        "version": "1.0",
        "updated": "2026-12-03",
        "source": "示例数据，以官方发布为准",
    }
    data.update(changes)
    return data


def write_event(folder: Path, data: dict[str, Any], name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name or data['id']}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"visits": 3}, "visits", "the guides need 2"),
        ({"title": None}, "title", "should be a valid string"),
        ({"services": [{"guide": "second-thing", "line": "x", "after": ["first-thing"]},
                       {"guide": "first-thing", "line": "y"}]}, "services.0.after", "must be listed before"),
        ({"services": [{"guide": "no-such-guide", "line": "x"}, {"guide": "first-thing", "line": "y"}]},
         "services.0.guide", "unknown guide id"),
        ({"source": "某网站"}, "source", "示例数据"),
    ],
)
def test_a_broken_event_file_names_file_and_field(
    tmp_path: Path, changes: dict[str, Any], field: str, message: str
) -> None:
    guides = load_guides(two_guides(tmp_path / "guides"))
    events_dir = write_event(tmp_path / "events", event_data(**changes))
    with pytest.raises(GuideLoadError) as caught:
        load_life_events(events_dir, guides)
    errors = caught.value.errors
    assert any(e.path.name == "some-event.yaml" and e.field == field and message in e.message for e in errors), errors


def test_validate_command_checks_life_events(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    guides_dir = two_guides(tmp_path / "guides")
    events_dir = write_event(tmp_path / "events", event_data())
    args = ["validate", "--guides", str(guides_dir), "--events", str(events_dir)]
    assert main(args) == 0
    write_event(events_dir, event_data(id="broken-event", visits=9))
    assert main(args) == 1
    assert "broken-event.yaml: visits: 9 visit(s), but the guides need 2" in capsys.readouterr().out


def test_lint_command_warns_on_a_guide_fact_in_a_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    guides_dir = two_guides(tmp_path / "guides")
    data = event_data()
    data["services"][2]["line"] = "收费20元，5个工作日办结。"
    events_dir = write_event(tmp_path / "events", data)
    main(["lint", "--guides", str(guides_dir), "--events", str(events_dir)])
    lines = [line for line in capsys.readouterr().out.splitlines() if "some-event.yaml" in line]
    assert lines == [f"{events_dir / 'some-event.yaml'}: services.2.line: [warning] a fee or time limit belongs "
                     "to the guide, the line says when and why"]


def test_checklist_merges_materials_by_normalised_name(tmp_path: Path) -> None:
    guides = load_guides(two_guides(tmp_path / "guides"))
    event = LifeEvent.model_validate(event_data())
    checklist = build_checklist(event, {g.id: g for g in guides})
    assert [i.guide.id for i in checklist.items] == ["first-thing", "second-thing", "third-thing"]
    merged = {m.name: m for m in checklist.materials}
    assert merged["居民身份证"].guide_ids == ("first-thing", "second-thing")
    assert merged["户口簿"].guide_ids == ("first-thing", "third-thing")
    assert merged["户口簿"].required  # optional for one service, required by another
    assert len(checklist.materials) == 3
    assert checklist.visits == 2  # the two applied together share one trip of two; the third needs none
    assert checklist.can_apply_together
    assert checklist.numbered(2) is not None and checklist.numbered(2).guide.id == "second-thing"  # type: ignore[union-attr]
    assert checklist.numbered(4) is None


def test_material_key_ignores_spacing_and_brackets() -> None:
    assert material_key("落户方父（母）的居民户口簿") == material_key("落户方父(母)的居民户口簿 ")
    assert material_key("居民身份证") != material_key("监护人居民身份证")


def test_one_document_held_by_different_people_is_listed_once_with_whose() -> None:
    assert document_and_holder("父母双方居民身份证") == ("居民身份证", "父母双方")
    assert document_and_holder("监护人的居民身份证") == ("居民身份证", "监护人")
    assert document_and_holder("居民户口簿") == ("户口簿", None)
    assert document_and_holder("监护人") == ("监护人", None)  # a holder alone is no document


def test_the_checklist_says_whose_documents_to_bring() -> None:
    guides, events = shipped()
    newborn = next(e for e in events if e.id == "newborn")
    labels = [m.label for m in build_checklist(newborn, {g.id: g for g in guides}).materials]
    ids = [label for label in labels if label.startswith("居民身份证（")]
    assert len(ids) == 1 and "父母双方" in ids[0] and "监护人" in ids[0]
    assert not any(label in ("父母双方居民身份证", "监护人居民身份证") for label in labels)
