"""Life events at the search, without Rasa: how many event wordings find their event, how many single-service
questions near an event are taken for one (docs/life-events.md, "Search").

    python -m benchmarks.life_event_search benchmarks/sets/life-events-dev.yaml benchmarks/sets/life-events-dev2.yaml

A set's singles with ``kind: life_event`` and ``event:`` must find that event; every other single must find none.
The knowledge base's development questions (one service each) are counted too: none should find an event.
Development sets only: the blind life-events-test.yaml is measured through the whole turn (benchmarks.answers).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from benchmarks.__main__ import out, table
from knowledge.base import KnowledgeBase
from knowledge.evaluation import load_devset


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    kb = KnowledgeBase.open()
    kb.warm_up()
    rows = []
    for path in args.sets:
        singles = yaml.safe_load(path.read_text(encoding="utf-8"))["singles"]
        events = [s for s in singles if s["kind"] == "life_event"]
        others = [s for s in singles if s["kind"] != "life_event"]
        missed = [(s, got) for s in events if (got := kb.search(s["text"]).life_event) != s["event"]]
        taken = [(s, got) for s in others if (got := kb.search(s["text"]).life_event) is not None]
        found = len(events) - len(missed)
        rows.append([path.name, len(events), found, round(found / max(len(events), 1), 2), len(others), len(taken)])
        if args.show_misses:
            for s, got in missed + taken:
                out(f"{s['id']}\t{s.get('event')} -> {got}\t{s['text']}")
    questions = [q for q in load_devset() if q.guide]
    taken_dev = [(q.q, got) for q in questions if (got := kb.search(q.q).life_event) is not None]
    rows.append(["knowledge dev set", 0, 0, "", len(questions), len(taken_dev)])
    if args.show_misses:
        for text, got in taken_dev:
            out(f"knowledge-dev\tNone -> {got}\t{text}")
    table("Life events at the search", ["set", "event wordings", "found", "share", "single-service", "taken"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
