# The two commands of README.md. Both install whatever is missing first, from this repository's own files.
.PHONY: run test lint bench setup

setup:
	scripts/bootstrap.sh

run: setup
	.venv/bin/python -m govchat run

test: setup
	scripts/system-packages.sh
	scripts/test.sh

lint: setup
	.venv/bin/ruff check .
	.venv/bin/mypy govchat api actions knowledge

bench: setup
	.venv/bin/python -m benchmarks
