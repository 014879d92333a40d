import json
from pathlib import Path
from typing import Any

import pytest

from knowledge.cli import main
from knowledge.lint import (
    NationalFact,
    check_aliases,
    check_fees,
    check_national_facts,
    check_offices,
    check_online,
    check_phones,
    check_urls,
    lint_folder,
    load_national_facts,
)
from knowledge.loader import load_guides
from knowledge.schema import Guide
from tests.knowledge.factories import REPO, make_guide, write_guides

SHIPPED = REPO / "knowledge" / "guides"
HOTLINES = {"12345": "政务服务便民热线", "12333": "人社", "12393": "医保"}


def guide(**changes: Any) -> Guide:
    return Guide.model_validate(make_guide(**changes))


def test_shipped_corpus_has_no_errors() -> None:
    n_guides, findings = lint_folder(SHIPPED)
    assert n_guides == 76
    assert [str(f) for f in findings if f.severity == "error"] == []


def test_every_national_fact_applies_to_a_shipped_guide_and_holds() -> None:
    national = load_national_facts()
    guides = load_guides(SHIPPED)
    titles = {g.title for g in guides}
    assert [f.id for f in national.facts if not set(f.titles) & titles] == []
    assert [str(f) for g in guides for f in check_national_facts(g, national.facts)] == []


def test_one_window_has_one_address_and_hours_and_one_body_one_phone() -> None:
    a = guide()
    b = guide(id="temp-id-card", title="临时居民身份证申领",
              locations=[{"name": "户政大厅（综合窗口）", "address": "贵阳市观山湖区", "hours": "周一至周六"}],
              phones={"consult": ["12345"]})
    fields = {f.field for f in check_offices([a, b])}
    assert fields == {"locations.0.hours", "phones.consult"}


def test_sample_guides_list_only_public_hotlines() -> None:
    findings = check_phones(guide(phones={"consult": ["0851-85790110", "12345", "0851-1234（示例）"]}), HOTLINES)
    assert [f.field for f in findings] == ["phones.consult.0"]


def test_imported_guides_keep_local_numbers_unless_they_end_like_a_hotline() -> None:
    official = guide(source="贵州省政务服务网", phones={"consult": ["0851-87988393", "0851-86812471"]})
    findings = check_phones(official, HOTLINES)
    assert [(f.field, f.severity) for f in findings] == [("phones.consult.0", "warning")]


def test_home_page_url_is_a_warning_and_sample_guides_may_leave_it_out() -> None:
    assert [f.severity for f in check_urls(guide(url="https://zwfw.guizhou.gov.cn/"))] == ["warning"]
    assert check_urls(guide(url="https://zwfw.guizhou.gov.cn/guide/id-card-replacement")) == []
    assert check_urls(guide(url=None)) == []
    assert [f.message for f in check_urls(guide(url=None, source="贵州省政务服务网"))] == ["no page of this guide"]


@pytest.mark.parametrize(
    ("step", "flagged"),
    [
        ("本人携带材料到落户地派出所户籍室申请", True),
        ("窗口现场采集照片和指纹", True),
        ("在App提交，不用到现场", False),
        ("在App提交，也可到窗口办理", False),
    ],
)
def test_zero_visits_conflicts_with_a_step_that_needs_a_visit(step: str, flagged: bool) -> None:
    g = guide(visits=0, process=[{"name": "申请", "description": step}])
    assert any(f.field == "process.0" and f.severity == "error" for f in check_online(g)) is flagged


def test_online_claims_are_checked_against_visits_and_fingerprints() -> None:
    g = guide(visits=0, online={"available": False}, process=[{"name": "申请", "description": "在App提交"}])
    assert [f.field for f in check_online(g)] == ["visits"]
    g = guide(visits=1, summary="全程网上办理，不用跑。",
              process=[{"name": "采集", "description": "窗口采集指纹"}])
    assert {(f.field, f.severity) for f in check_online(g)} == {("summary", "warning"), ("process.0", "warning")}


def test_fees_named_in_steps_must_be_in_the_fees_section() -> None:
    step = [{"name": "缴费", "description": "缴纳工本费40元，领取回执"}]
    assert [f.message for f in check_fees(guide(process=step))] == ["names 40元, fees do not"]
    assert check_fees(guide(process=step, fees=[{"item": "工本费", "amount": "40元"}])) == []
    assert [f.message for f in check_fees(guide(process=step, fees=[]))] == ["charges 40元 but fees is empty (free)"]
    assert check_fees(guide(process=[{"name": "领证", "description": "免收工本费，补贴500元"}], fees=[])) == []


def test_an_alias_belongs_to_one_guide() -> None:
    a = guide(aliases=["出生一件事", "上户口"])
    b = guide(id="birth-medical-certificate", title="出生医学证明办理", aliases=["出生证", "出生一件事"])
    findings = check_aliases([a, b])
    assert [(str(f.path), f.field) for f in findings] == [("birth-medical-certificate.yaml", "aliases.1")]


def test_national_fact_needs_the_value_and_the_citation() -> None:
    fact = NationalFact(id="lost", fact="补领40元", basis="发改价格〔2003〕2322号", titles=["居民身份证补领"],
                        section="fees", contains=["40元"], cite="2322号")
    wrong = guide(fees=[{"item": "工本费", "amount": "20元", "basis": "国家规定"}])
    assert len(check_national_facts(wrong, [fact])) == 2
    right = guide(fees=[{"item": "工本费", "amount": "40元", "basis": "发改价格〔2003〕2322号"}])
    assert check_national_facts(right, [fact]) == []
    assert check_national_facts(guide(title="结婚登记"), [fact]) == []


def test_cli_lint_reports_file_and_field_and_fails_only_on_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_guides(tmp_path / "guides", [make_guide(phones={"consult": ["12345"]},
                                                           fees=[{"item": "工本费", "amount": "40元",
                                                                  "basis": "发改价格〔2003〕2322号"}],
                                                           time_limit={"statutory": "60日（延长不超过30日；"
                                                                       "《中华人民共和国居民身份证法》第十二条）"})])
    assert main(["lint", "--guides", str(folder)]) == 0  # the home-page url is only a warning
    assert "0 error(s), 1 warning(s)" in capsys.readouterr().out

    write_guides(folder, [make_guide(id="temp-id-card", title="其他事项", phones={"consult": ["0851-85790110"]},
                                     aliases=["身份证丢了", "临时证"])])
    assert main(["lint", "--guides", str(folder), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["guides"] == 2 and report["error"] == 3
    assert {(Path(f["file"]).name, f["field"]) for f in report["findings"] if f["severity"] == "error"} == {
        ("temp-id-card.yaml", "phones.consult.0"),
        ("temp-id-card.yaml", "phones.consult"),
        ("temp-id-card.yaml", "aliases.0"),
    }
