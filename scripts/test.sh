#!/usr/bin/env bash
# The whole test suite: lint, types, unit tests, then the end-to-end and browser tests that start real processes.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
echo "==> ruff"; .venv/bin/ruff check .
echo "==> mypy"; .venv/bin/mypy govchat api actions knowledge
echo "==> pytest"
exec .venv/bin/python -m pytest "$@"
