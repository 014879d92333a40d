"""Run every benchmark and print tables: `python -m benchmarks` (or `make bench`).

    python -m benchmarks                       everything: retrieval, both profiles, 10/50/100 users, long conversation
    python -m benchmarks --quick               short runs (10 s per load level) for a smoke test
    python -m benchmarks --profiles scaled --users 20,50 --duration 20

For each profile the system is started the way `make run` starts it (govchat.stack, on free ports, a temporary data
directory): embedded = 1 Rasa + 1 gateway on SQLite; scaled = 2 x (Rasa + gateway) on PostgreSQL and Redis, plus
scaled-1 (one replica on the same engines) so the gain of the second worker is a measured ratio. At each load level
Locust runs twice: through the gateway(s), then against the Rasa server(s) directly.
Traffic goes to 127.0.0.1 only; every run is bounded in time.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from benchmarks.cluster import TOKEN, Cluster, start_cluster
from govchat.settings import ROOT

logger = logging.getLogger("benchmarks")
LOCUST = ROOT / ".venv" / "bin" / "locust"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    cells = [[str(c) for c in header]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(header))]
    out(f"\n### {title}\n")
    out("| " + " | ".join(_pad(c, w) for c, w in zip(cells[0], widths, strict=True)) + " |")
    out("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        out("| " + " | ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)) + " |")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def _width(text: str) -> int:  # CJK characters take two columns
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


# ---------------------------------------------------------------------------------------------------------------------
# Load with Locust


@dataclass
class LoadResult:
    profile: str
    target: str
    users: int
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    locust_cpu_seconds: float  # the load generator's own CPU (user + system): it shares the cores it measures


def run_locust(
    *, profile: str, target: str, hosts: list[str], users: int, seconds: int, think: float, form: bool, work: Path
) -> LoadResult:
    prefix = work / f"{profile}-{target}-{users}-{uuid.uuid4().hex[:6]}"
    env = dict(
        os.environ,
        BENCH_HOSTS=",".join(hosts),
        BENCH_TARGET=target,
        BENCH_RASA_TOKEN=TOKEN,
        BENCH_THINK_SECONDS=str(think),
        BENCH_FORM="1" if form else "0",
    )
    args = [
        str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--only-summary", "-u", str(users),
        "-r", str(max(users // 2, 1)), "-t", f"{seconds}s", "--stop-timeout", "30", "--csv", str(prefix),
        "--loglevel", "WARNING",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, env=env, cwd=ROOT, check=False, capture_output=True, timeout=seconds + 120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        total = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    return LoadResult(
        profile=profile, target=target, users=users,
        requests=int(total["Request Count"]), failures=int(total["Failure Count"]),
        rps=float(total["Requests/s"]), p50=float(total["50%"]), p95=float(total["95%"]), p99=float(total["99%"]),
        locust_cpu_seconds=after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
    )


# ---------------------------------------------------------------------------------------------------------------------
# Memory, start-up, long conversation


def rss_table(cluster: Cluster) -> list[list[Any]]:
    rows = []
    for name, pid in sorted(cluster.pids().items()):
        try:
            proc = psutil.Process(pid)
            family = [proc, *proc.children(recursive=True)]
            rss = sum(p.memory_info().rss for p in family if p.is_running())
        except psutil.NoSuchProcess:
            continue
        rows.append([cluster.profile, name, len(family), round(rss / 2**20)])
    return rows


def send_direct(rasa_url: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    response = httpx.post(
        f"{rasa_url}/webhooks/govchat/webhook",
        json={"sender": sender, "message": text, "metadata": {"channel": "bench"}},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=120,
    )
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


def tracker_events(rasa_url: str, sender: str) -> int:
    response = httpx.get(f"{rasa_url}/conversations/{sender}/tracker", params={"token": TOKEN}, timeout=60)
    response.raise_for_status()
    return len(response.json()["events"])


def long_conversation(cluster: Cluster, length: int) -> list[list[Any]]:
    """Latency of messages around 10 and around `length` of one conversation, straight to Rasa."""
    turns = [t for conv in [
        ["身份证丢了怎么补办", "要带什么材料", "要多少钱"], ["公积金怎么提取", "需要哪些材料"], ["你好"], ["谢谢"],
    ] for t in conv]
    sender = f"bench-long-{uuid.uuid4().hex}"
    latencies: list[float] = []
    events_at: dict[int, int] = {}
    for i in range(length):
        latencies.append(send_direct(cluster.rasa_urls[0], sender, turns[i % len(turns)]))
        if i + 1 in (10, length):
            events_at[i + 1] = tracker_events(cluster.rasa_urls[0], sender)
    early = statistics.median(latencies[5:15])
    late = statistics.median(latencies[-10:])
    return [
        [cluster.profile, "messages 6-15", round(early), events_at.get(10, "")],
        [cluster.profile, f"messages {length - 9}-{length}", round(late), events_at.get(length, "")],
        [cluster.profile, "ratio late/early", round(late / early, 2), ""],
    ]


# ---------------------------------------------------------------------------------------------------------------------


def run_retrieval() -> None:
    from benchmarks import retrieval

    retrieval.main([])


def bench_profile(
    profile: str, replicas: int, args: argparse.Namespace, work: Path, results: dict[str, list[Any]]
) -> None:
    label = profile if profile == "embedded" else f"{profile}-{replicas}"
    out(f"\n==> starting the {label} profile ({replicas} Rasa + {replicas} gateway)")
    cluster = start_cluster(profile, work / label, replicas=replicas, index_dir=args.index_dir)
    cluster.profile = label
    try:
        results["startup"].append([label, round(cluster.startup_seconds, 1)])
        results["memory"].extend(rss_table(cluster))
        targets = ["gateway", "rasa"] if not args.gateway_only else ["gateway"]
        for users in args.users:
            for target in targets:
                hosts = cluster.gateway_urls if target == "gateway" else cluster.rasa_urls
                result = run_locust(
                    profile=label, target=target, hosts=hosts, users=users, seconds=args.duration,
                    think=args.think, form=args.form, work=work,
                )
                results["load"].append(result)
                out(f"    {label:10} {target:8} {users:4} users: {result.rps:6.1f} msg/s  p50 {result.p50:6.0f} ms  "
                    f"p95 {result.p95:6.0f} ms  errors {result.failures}/{result.requests}")
        results["memory_after"].extend(rss_table(cluster))
        if args.long and replicas == 1:
            results["long"].extend(long_conversation(cluster, args.long))
    finally:
        cluster.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", default="embedded,scaled", help="comma-separated: embedded, scaled")
    parser.add_argument("--users", default="10,50,100", help="concurrent users, comma-separated")
    parser.add_argument("--duration", type=int, default=20, help="seconds per load level and target")
    parser.add_argument("--think", type=float, default=0.0, help="seconds a citizen pauses between messages")
    parser.add_argument("--long", type=int, default=200, help="length of the long conversation (0: skip)")
    parser.add_argument("--form", action="store_true", help="simulated citizens also start a service request")
    parser.add_argument("--gateway-only", action="store_true", help="skip the direct-to-Rasa runs")
    parser.add_argument("--skip-retrieval", action="store_true")
    parser.add_argument("--scaled-single", action="store_true", help="also run the scaled profile with 1 replica")
    parser.add_argument("--quick", action="store_true", help="10 s per level, 10 and 50 users, 60-message conversation")
    parser.add_argument("--index-dir", type=Path, default=None, help="reuse a built index (default: build one)")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw results here")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.users, args.long = 10, "10,50", 60
    args.users = [int(u) for u in str(args.users).split(",") if u]
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

    out(f"# govchat benchmarks ({time.strftime('%Y-%m-%d %H:%M')}, {psutil.cpu_count()} CPUs, "
        f"{round(psutil.virtual_memory().total / 2**30)} GiB; think time {args.think} s; "
        f"{args.duration} s per load level)")
    if not args.skip_retrieval:
        run_retrieval()

    results: dict[str, list[Any]] = {"startup": [], "memory": [], "memory_after": [], "load": [], "long": []}
    profiles = [p for p in args.profiles.split(",") if p]
    with tempfile.TemporaryDirectory(prefix="govchat-bench-") as tmp:
        work = Path(tmp)
        for profile in profiles:
            if profile == "embedded":
                bench_profile("embedded", 1, args, work, results)
            elif profile == "scaled":
                if args.scaled_single:
                    bench_profile("scaled", 1, args, work, results)
                bench_profile("scaled", 2, args, work, results)
            else:
                parser.error(f"unknown profile {profile}")

    load: list[LoadResult] = results["load"]
    table(
        "End to end (Locust, closed loop)" if args.think <= 0 else f"End to end (Locust, think {args.think} s)",
        ["profile", "target", "users", "messages", "errors", "msg/s", "p50 ms", "p95 ms", "p99 ms"],
        [[r.profile, r.target, r.users, r.requests, r.failures, r.rps, r.p50, r.p95, r.p99] for r in load],
    )
    by_key = {(r.profile, r.target, r.users): r for r in load}
    overhead = []
    for r in load:
        direct = by_key.get((r.profile, "rasa", r.users))
        if r.target == "gateway" and direct and direct.p50:
            overhead.append([r.profile, r.users, direct.p50, r.p50, round(r.p50 / direct.p50, 2),
                             round(r.rps / direct.rps, 2) if direct.rps else ""])
    if overhead:
        table("Gateway overhead (same load, gateway vs Rasa direct)",
              ["profile", "users", "Rasa p50 ms", "gateway p50 ms", "p50 ratio", "msg/s ratio"], overhead)
    scale = []
    for users in args.users:
        one = by_key.get(("scaled-1", "gateway", users)) or by_key.get(("embedded", "gateway", users))
        two = by_key.get(("scaled-2", "gateway", users))
        if one and two and one.rps:
            scale.append([users, one.profile, one.rps, two.rps, round(two.rps / one.rps, 2), two.failures])
    if scale:
        table("Scale-out: two workers vs one (through the gateways)",
              ["users", "one worker", "1 worker msg/s", "2 workers msg/s", "ratio", "errors (2 workers)"], scale)
    table("Start-up (all processes started to every replica ready and warmed up)", ["profile", "seconds"],
          results["startup"])
    table("Memory after start-up (RSS, process and its children)", ["profile", "process", "procs", "MiB"],
          results["memory"])
    table("Memory after the load runs", ["profile", "process", "procs", "MiB"], results["memory_after"])
    if results["long"]:
        table("One long conversation, straight to Rasa", ["profile", "messages", "median ms", "tracker events"],
              results["long"])
    if args.json:
        args.json.write_text(json.dumps(
            {k: [asdict(v) if isinstance(v, LoadResult) else v for v in vals] for k, vals in results.items()},
            ensure_ascii=False, indent=1,
        ))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
