"""Run a check in the Rasa environment (.venv-rasa, Python 3.10), where bot/'s imports live."""

import os
import subprocess

from govchat.settings import ROOT


def run_in_rasa_env(code: str, **env: str) -> None:
    """Run ``code`` with bot/ importable; it must exit 0 and print "ok" last."""
    proc = subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "python"), "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT / "bot"), **env},
        cwd=ROOT / "bot",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stdout + proc.stderr[-3000:]
