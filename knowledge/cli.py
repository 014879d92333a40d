"""Command line: ``python -m knowledge validate|build|import|search|eval``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

logger = logging.getLogger(__name__)


def out(text: str = "") -> None:
    """The CLI's only way to print."""
    sys.stdout.write(text + "\n")


def _cmd_validate(args: argparse.Namespace) -> int:
    from knowledge.loader import check_corpus, load_guides_lenient, read_catalogue

    guides_dir = Path(args.guides) if args.guides else _settings().guides_dir
    guides, errors = load_guides_lenient(guides_dir)
    errors += check_corpus(guides, read_catalogue() if not args.guides else None)
    for err in errors:
        out(str(err))
    out(f"{len(guides)} valid guide(s), {len(errors)} error(s) in {guides_dir}")
    return 1 if errors else 0


def _settings():  # type: ignore[no-untyped-def]
    from govchat.settings import get_settings

    return get_settings()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description="govchat knowledge base")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="validate guide YAML files and report file and field of each error")
    p.add_argument("--guides", help="folder of guide YAML files (default: settings.guides_dir)")
    p.set_defaults(func=_cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    return int(args.func(args))
