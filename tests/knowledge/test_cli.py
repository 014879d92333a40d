from pathlib import Path

import pytest

from knowledge.cli import main


def test_validate_reports_errors_with_exit_code(guides_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--guides", str(guides_dir)]) == 0
    (guides_dir / "broken.yaml").write_text("id: broken\n", encoding="utf-8")
    assert main(["validate", "--guides", str(guides_dir)]) == 1
    assert "broken.yaml: title: Field required" in capsys.readouterr().out


def test_search_without_index_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "身份证", "--index", str(tmp_path / "none")]) == 2
    assert "python -m knowledge build" in capsys.readouterr().err
