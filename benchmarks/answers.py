"""The whole turn, judged: citizen questions through the real gateway, Rasa and action server, one table.

    python -m benchmarks.answers                      the blind test set (benchmarks/sets/answers-test.yaml)
    python -m benchmarks.answers --set dev            the development set (tune on dev and dev2 only)
    python -m benchmarks.answers --set dev --show-failures 40
    python -m benchmarks.answers --set life-events-dev  life events (docs/life-events.md); life-events-test: blind

The system is started the way `make run` starts it (govchat.stack, free ports, a temporary data directory, the
index in var/index). Each single question goes to a new conversation; each conversation's turns go to one. What the
citizen saw (the reply's source and buttons) and what the gateway recorded for the turn (decision, fallback, the
NLU intent) are judged against the set's expectations (docs/evaluation.md says what each column means).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from api.conversations.models import Message
from govchat.settings import ROOT, Settings
from knowledge.evaluation import load_devset

logger = logging.getLogger("benchmarks.answers")
SETS = Path(__file__).with_name("sets")
NAMED_SETS = {
    "test": SETS / "answers-test.yaml",
    "dev": SETS / "answers-dev.yaml",
    "dev2": SETS / "answers-dev2.yaml",
    "dev3": SETS / "answers-dev3.yaml",
    "dev4": SETS / "answers-dev4.yaml",
    "life-events-dev": SETS / "life-events-dev.yaml",
    "life-events-dev3": SETS / "life-events-dev3.yaml",
    "life-events-dev4": SETS / "life-events-dev4.yaml",
    "life-events-dev5": SETS / "life-events-dev5.yaml",
    "life-events-test": SETS / "life-events-test.yaml",  # written blind (docs/evaluation.md): never tune on it
}
# life_event: a question about a life event, found when the first reply's turn facts name the item's ``event``.
KINDS = ("service", "out_of_scope", "complaint", "control", "life_event")
# Sections that answer an aspect: a FAQ may answer any aspect, the overview answers a question without one.
_SECTION_FOR_NOTHING = ("overview", "faq", "process")


@dataclass(frozen=True)
class Expect:
    kind: str
    guides: tuple[str, ...] = ()
    aspect: str | None = None
    event: str | None = None  # kind life_event: the life event's id (knowledge/life_events/<id>.yaml)


@dataclass(frozen=True)
class Turn:
    text: str
    expect: Expect


@dataclass(frozen=True)
class Case:
    """One conversation: a single question is a conversation of one turn."""

    id: str
    turns: tuple[Turn, ...]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """What one turn produced, as the citizen saw it and as the gateway recorded it."""

    guide_id: str | None  # the guide the answer's facts came from
    section: str | None
    decision: str | None
    fell_back: bool
    handed_over: bool
    intent: str | None
    offered: tuple[str, ...]  # guides offered as choices (a clarification)
    text: str
    latency_ms: int | None = None  # the gateway's wait for Rasa and the actions
    life_event: str | None = None  # the life event whose checklist the turn showed or answered on


def _expect(raw: dict[str, Any]) -> Expect:
    kind = str(raw.get("kind") or "service")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    event = raw.get("event")
    if kind == "life_event" and not event:
        raise ValueError(f"item {raw.get('id', raw.get('text'))!r} of kind life_event has no event")
    return Expect(kind=kind, guides=tuple(raw.get("guides") or ()), aspect=raw.get("aspect"), event=event)


def load_set(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = [
        Case(id=str(s["id"]), turns=(Turn(str(s["text"]), _expect(s)),), tags=tuple(s.get("tags") or ()))
        for s in data.get("singles") or []
    ]
    for c in data.get("conversations") or []:
        turns = tuple(Turn(str(t["text"]), _expect(t)) for t in c["turns"])
        cases.append(Case(id=str(c["id"]), turns=turns, tags=tuple(c.get("tags") or ())))
    return cases


def load_knowledge_devset() -> list[Case]:
    """The knowledge base's development questions as single turns (a null guide: an out-of-scope question)."""
    return [
        Case(id=f"kb-dev-{n}", turns=(Turn(q.q, Expect("service", (q.guide,), q.aspect) if q.guide else
                                         Expect("out_of_scope")),))
        for n, q in enumerate(load_devset(), 1)
    ]


def load_named(name: str) -> tuple[Path, list[Case]]:
    path = NAMED_SETS.get(name, Path(name))
    cases = load_set(path)
    return path, (load_knowledge_devset() + cases if name == "dev" else cases)


def set_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------------------------------
# Judging


def _offered(buttons: Iterable[dict[str, Any]]) -> tuple[str, ...]:
    out = []
    for b in buttons:
        payload = str(b.get("payload") or "")
        if payload.startswith("/choose_guide"):
            out.append(str(json.loads(payload.removeprefix("/choose_guide")).get("guide_id")))
    return tuple(out)


def section_answers(section: str | None, aspect: str | None) -> bool:
    """Does an answer from ``section`` answer a question about ``aspect``?"""
    if aspect is None:
        return section in _SECTION_FOR_NOTHING or section is not None
    return section == aspect


# The complaint reply's words, for gateways that recorded no decision for it (before govchat.turn's "complaint").
_APOLOGY_TEXT = "给您带来了不好的体验"


def apologised(reply: Reply) -> bool:
    return reply.decision == "complaint" or _APOLOGY_TEXT in reply.text


def judge_single(expect: Expect, reply: Reply) -> str:
    """The outcome of a first reply (one column of the table)."""
    refused = reply.guide_id is None and not reply.offered
    if expect.kind == "out_of_scope":
        return "refused" if refused and not apologised(reply) else "answered_out_of_scope"
    if expect.kind == "complaint":
        return "apologised" if apologised(reply) else "no_apology"
    if expect.kind == "control":
        return "control" if reply.guide_id is None else "answered_control"
    if expect.kind == "life_event":
        if reply.life_event == expect.event:
            return "event_found"
        return "other_event" if reply.life_event else "event_missed"
    if reply.guide_id in expect.guides:
        return "right_section" if section_answers(reply.section, expect.aspect) else "right_guide_other_section"
    if reply.offered and set(reply.offered) & set(expect.guides):
        return "clarify_offers_right"
    if reply.guide_id is not None:
        return "confidently_wrong"
    if reply.offered:
        return "clarify_without_right"
    if apologised(reply):
        return "apology"
    if reply.handed_over:
        return "handover"
    return "fallback"


def judge_follow_up(expect: Expect, previous: Expect, reply: Reply) -> str:
    """A later turn of a conversation: on the same guide (a follow-up) or a switch to another one."""
    if expect.kind != "service":
        return judge_single(expect, reply)
    switched = not set(expect.guides) & set(previous.guides)
    if reply.guide_id in expect.guides:
        answered = section_answers(reply.section, expect.aspect)
        if switched:
            return "switched" if answered else "switched_other_section"
        return "stayed_answered" if answered else "stayed_other_section"
    if reply.offered and set(reply.offered) & set(expect.guides):
        return "clarify_offers_right"
    if reply.guide_id is not None:
        return "left_for_wrong_guide"
    return "apology" if apologised(reply) else "fallback"


@dataclass
class Outcomes:
    singles: Counter[str] = field(default_factory=Counter)
    singles_by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    by_event: dict[str, Counter[str]] = field(default_factory=dict)  # life_event singles, per event (issue 15's goal)
    follow_ups: Counter[str] = field(default_factory=Counter)
    switches: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str, str, Reply]] = field(default_factory=list)
    latencies: list[int] = field(default_factory=list)

    def add_first(self, case: Case, turn: Turn, reply: Reply) -> None:
        self._latency(reply)
        outcome = judge_single(turn.expect, reply)
        self.singles_by_kind.setdefault(turn.expect.kind, Counter())[outcome] += 1
        if turn.expect.kind == "life_event" and turn.expect.event:
            self.by_event.setdefault(turn.expect.event, Counter())[outcome] += 1
        if outcome not in ("right_section", "refused", "apologised", "control", "event_found"):
            self.failures.append((case.id, turn.text, outcome, reply))

    def add_later(self, case: Case, turn: Turn, previous: Turn, reply: Reply) -> None:
        self._latency(reply)
        outcome = judge_follow_up(turn.expect, previous.expect, reply)
        switched = turn.expect.kind == "service" and not set(turn.expect.guides) & set(previous.expect.guides)
        (self.switches if switched else self.follow_ups)[outcome] += 1
        if outcome not in ("stayed_answered", "switched", "refused", "apologised", "control"):
            self.failures.append((case.id, turn.text, outcome, reply))


    def _latency(self, reply: Reply) -> None:
        if reply.latency_ms is not None:
            self.latencies.append(reply.latency_ms)


def rate(counter: Counter[str], *keys: str) -> float:
    total = sum(counter.values())
    return sum(counter[k] for k in keys) / total if total else 0.0


def summary(outcomes: Outcomes) -> dict[str, float]:
    """The goals of issue 14 as numbers (docs/evaluation.md)."""
    service = outcomes.singles_by_kind.get("service", Counter())
    return {
        "service_questions": float(sum(service.values())),
        "first_reply_right_guide": rate(service, "right_section", "right_guide_other_section"),
        "first_reply_right_section": rate(service, "right_section"),
        "clarify_offers_right": rate(service, "clarify_offers_right"),
        "confidently_wrong": rate(service, "confidently_wrong"),
        "apology_or_fallback": rate(service, "apology", "fallback", "handover", "clarify_without_right"),
        "follow_up_turns": float(sum(outcomes.follow_ups.values())),
        "follow_up_stayed": rate(outcomes.follow_ups, "stayed_answered", "stayed_other_section"),
        "follow_up_stayed_and_answered": rate(outcomes.follow_ups, "stayed_answered"),
        "switch_turns": float(sum(outcomes.switches.values())),
        "switched_right": rate(outcomes.switches, "switched", "switched_other_section"),
        "out_of_scope_refused": rate(outcomes.singles_by_kind.get("out_of_scope", Counter()), "refused"),
        "complaints_apologised": rate(outcomes.singles_by_kind.get("complaint", Counter()), "apologised"),
        "life_event_questions": float(sum(outcomes.singles_by_kind.get("life_event", Counter()).values())),
        "life_event_found": rate(outcomes.singles_by_kind.get("life_event", Counter()), "event_found"),
        "median_turn_ms": float(statistics.median(outcomes.latencies)) if outcomes.latencies else 0.0,
    }


# ---------------------------------------------------------------------------------------------------------------------
# Running


class Chat:
    """Talks to a running gateway and reads what it recorded for each turn from its database."""

    def __init__(self, gateway_url: str, database_url: str) -> None:
        self.http = httpx.Client(base_url=gateway_url, timeout=60.0)
        self.engine: Engine = create_engine(database_url)

    def close(self) -> None:
        self.http.close()
        self.engine.dispose()

    def new_session(self) -> str:
        response = self.http.post("/api/v1/chat/sessions")
        response.raise_for_status()
        return str(response.json()["session_id"])

    def send(self, session_id: str, text: str) -> Reply:
        response = self.http.post("/api/v1/chat", json={"session_id": session_id, "text": text})
        response.raise_for_status()
        messages = response.json()["messages"]
        ids = [m["id"] for m in messages if m.get("id") is not None]
        with self.engine.connect() as connection:
            rows = connection.execute(select(Message).where(Message.id.in_(ids)).order_by(Message.id)).all()
            intent = connection.execute(
                select(Message.intent).where(Message.id < min(ids, default=0)).order_by(Message.id.desc()).limit(1)
            ).scalar()
        last = rows[-1] if rows else None
        sourced = [m for m in messages if m.get("source")]
        buttons = [b for m in messages for b in (m.get("buttons") or [])]
        return Reply(
            guide_id=sourced[-1]["source"]["guide_id"] if sourced else None,
            section=sourced[-1]["source"].get("section") if sourced else None,
            decision=last.decision if last is not None else None,
            fell_back=bool(last.fell_back) if last is not None else False,
            handed_over=any(r.handed_over for r in rows),
            intent=intent,
            offered=_offered(buttons),
            text="\n".join(m["text"] for m in messages),
            latency_ms=last.latency_ms if last is not None else None,
            life_event=last.life_event if last is not None else None,
        )


def run_cases(chat: Chat, cases: list[Case], progress: Callable[[int], None] | None = None) -> Outcomes:
    outcomes = Outcomes()
    for n, case in enumerate(cases, 1):
        session_id = chat.new_session()
        previous: Turn | None = None
        for turn in case.turns:
            reply = chat.send(session_id, turn.text)
            if previous is None:
                outcomes.add_first(case, turn, reply)
            else:
                outcomes.add_later(case, turn, previous, reply)
            if reply.handed_over:
                break  # staff hold the conversation now: the bot answers no more
            previous = turn
        if progress is not None:
            progress(n)
    return outcomes


def report(outcomes: Outcomes, *, title: str, show_failures: int, out: Callable[[str], None]) -> None:
    from benchmarks.__main__ import table  # the one table format of the benchmarks

    numbers = summary(outcomes)
    table(
        title,
        ["measure", "value"],
        [[k, int(v) if k.endswith(("questions", "turns", "_ms")) else round(v, 3)] for k, v in numbers.items()],
    )
    rows = [[kind, sum(c.values()), ", ".join(f"{k} {v}" for k, v in c.most_common())]
            for kind, c in sorted(outcomes.singles_by_kind.items())]
    rows.append(["follow-ups", sum(outcomes.follow_ups.values()),
                 ", ".join(f"{k} {v}" for k, v in outcomes.follow_ups.most_common())])
    rows.append(["switches", sum(outcomes.switches.values()),
                 ", ".join(f"{k} {v}" for k, v in outcomes.switches.most_common())])
    table("Outcomes by kind", ["kind", "n", "outcomes"], rows)
    if outcomes.by_event:
        table("Life events found, per event", ["event", "n", "found", "share"],
              [[event, sum(c.values()), c["event_found"], round(c["event_found"] / sum(c.values()), 2)]
               for event, c in sorted(outcomes.by_event.items())])
    for case_id, text, outcome, reply in outcomes.failures[:show_failures]:
        out(f"{case_id}\t{outcome}\t{text}\t-> {reply.guide_id}/{reply.section} {reply.decision} "
            f"intent={reply.intent} offered={','.join(reply.offered)} event={reply.life_event}")


@dataclass
class RunningStack:
    gateway_url: str
    database_url: str


def started_stack(index_dir: Path) -> Iterator[RunningStack]:
    """The whole system on free ports and a temporary data directory, stopped when the generator closes."""
    from benchmarks.cluster import free_port
    from govchat.stack import PROJECT_PYTHON, Stack, prepare

    with tempfile.TemporaryDirectory(prefix="govchat-answers-") as tmp:
        settings = Settings(
            environment="test",
            data_dir=Path(tmp),
            index_dir=index_dir,
            port=free_port(),
            rasa_url=f"http://127.0.0.1:{free_port()}",
            action_server_url=f"http://127.0.0.1:{free_port()}",
        )
        # Built first with the default data folder, whose embedding cache makes a rebuild after a guide change
        # cheap; the temporary folder's empty cache would embed every chunk again.
        env = {**os.environ, "GOVCHAT_INDEX_DIR": str(index_dir)}
        subprocess.run([PROJECT_PYTHON, "-m", "knowledge", "build"], check=True, env=env)
        prepare(settings)
        # Every question comes from one address (the default limit protects a public gateway).
        stack = Stack(settings, Path(tmp) / "logs", extra_env={"GOVCHAT_RATE_LIMIT_PER_IP": ""})
        try:
            stack.start()
            stack.wait_ready()
            yield RunningStack(settings.gateway_url, settings.database_url)
        finally:
            stack.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.answers", description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="test", help="test, dev, or a path to a set file")
    parser.add_argument("--index-dir", type=Path, default=ROOT / "var" / "index")
    parser.add_argument("--gateway", help="a running gateway's URL (with --database-url) instead of starting one")
    parser.add_argument("--database-url", help="the running gateway's database, to read the recorded turn facts")
    parser.add_argument("--show-failures", type=int, default=0, metavar="N")
    parser.add_argument("--only", help="only cases whose id starts with this")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    path, cases = load_named(args.set)
    cases = [c for c in cases if not args.only or c.id.startswith(args.only)]
    from benchmarks.__main__ import out
    out(f"set {path.name}: {len(cases)} cases, sha256 {set_hash(path)[:16]}")

    def evaluate(gateway_url: str, database_url: str) -> Outcomes:
        chat = Chat(gateway_url, database_url)
        try:
            return run_cases(chat, cases, lambda n: sys.stderr.write(f"\r{n}/{len(cases)}") if n % 20 == 0 else None)
        finally:
            chat.close()

    if args.gateway:
        outcomes = evaluate(args.gateway, args.database_url)
    else:
        stack = started_stack(args.index_dir)
        running = next(stack)
        try:
            outcomes = evaluate(running.gateway_url, running.database_url)
        finally:
            stack.close()
    report(outcomes, title=f"Whole turn on {path.name}", show_failures=args.show_failures, out=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
