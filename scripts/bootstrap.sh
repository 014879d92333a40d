#!/usr/bin/env bash
# Installs what is missing, from the project's own files: the project's environment (.venv, Python 3.11) and
# Rasa's (.venv-rasa, Python 3.10). Re-running is cheap: each environment records the hash of the files it was
# installed from and is only touched when they change.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {  # find_python 3.11 -> path of an interpreter of that version
  local version=$1 candidate
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python "$(command -v "python$version" || true)"; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  echo "Python $version is needed (e.g. 'pyenv install $version'); see README.md" >&2
  return 1
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

install_project() {
  local stamp; stamp=$(stamp_of pyproject.toml constraints.txt)
  if [ -f .venv/.installed ] && [ "$(cat .venv/.installed)" = "$stamp" ]; then return 0; fi
  echo "==> installing the project environment (.venv)"
  [ -x .venv/bin/python ] || "$(find_python 3.11)" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  # torch first, pinned: on these machines pip takes the CPU build from local disk instead of a multi-GB CUDA build.
  .venv/bin/pip install -q "torch==2.13.0"
  .venv/bin/pip install -q -c constraints.txt -e ".[dev]"
  echo "$stamp" > .venv/.installed
}

install_rasa() {
  local stamp; stamp=$(stamp_of requirements/rasa.txt requirements/rasa-constraints.txt)
  if [ -f .venv-rasa/.installed ] && [ "$(cat .venv-rasa/.installed)" = "$stamp" ]; then return 0; fi
  echo "==> installing Rasa 3.6 (.venv-rasa)"
  [ -x .venv-rasa/bin/python ] || "$(find_python 3.10)" -m venv .venv-rasa
  .venv-rasa/bin/python -m pip install -q --upgrade pip
  .venv-rasa/bin/pip install -q -c requirements/rasa-constraints.txt -r requirements/rasa.txt
  echo "$stamp" > .venv-rasa/.installed
}

install_project
install_rasa
