"""The Rasa project's own checks: data validation, NLU cross-validation and the conversation tests.

Slow (they train models), so marked e2e. They run Rasa from .venv-rasa in bot/, as the run script does.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from govchat.settings import ROOT

pytestmark = pytest.mark.e2e

BOT = ROOT / "bot"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
# Issue 4's goal; measured 0.93 with 3 folds (docs/dialogue.md). Folds are shuffled without a seed (about +-0.01).
INTENT_MACRO_F1_GOAL = 0.90
FOLDS = 3


def rasa(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [str(RASA), *args], cwd=BOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def tail(proc: subprocess.CompletedProcess[str]) -> str:
    return (proc.stdout + proc.stderr)[-4000:]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    # The same model directory as the run script: Rasa skips training when its fingerprint is unchanged.
    proc = rasa("train", "--domain", "domain", "--data", "data", "--out", "models", "--quiet")
    assert proc.returncode == 0, tail(proc)
    return BOT / "models"


def test_training_data_is_valid() -> None:
    proc = rasa("data", "validate", "--domain", "domain")
    assert proc.returncode == 0, tail(proc)


def test_nlu_cross_validation_macro_f1(tmp_path: Path) -> None:
    proc = rasa(
        "test",
        "nlu",
        "--domain",
        "domain",
        "--nlu",
        "data",
        "--cross-validation",
        "--folds",
        str(FOLDS),
        "--out",
        str(tmp_path),
    )
    assert proc.returncode == 0, tail(proc)
    report = json.loads((tmp_path / "intent_report.json").read_text(encoding="utf-8"))
    f1 = report["macro avg"]["f1-score"]
    weak = {
        k: round(v["f1-score"], 2) for k, v in report.items() if isinstance(v, dict) and v.get("f1-score", 1) < 0.85
    }
    print(  # noqa: T201 - the report, shown with -s and kept in the CI log on failure
        f"intent macro F1 over {FOLDS} held-out folds: {f1:.3f} (goal {INTENT_MACRO_F1_GOAL}); weak intents: {weak}"
    )
    assert f1 >= INTENT_MACRO_F1_GOAL, weak


def test_conversations_follow_the_stories(model_dir: Path, tmp_path: Path) -> None:
    proc = rasa(
        "test",
        "core",
        "--model",
        str(model_dir),
        "--stories",
        "tests",
        "--out",
        str(tmp_path),
        "--fail-on-prediction-errors",
    )
    failed = tmp_path / "failed_test_stories.yml"
    detail = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert proc.returncode == 0, detail + tail(proc)
