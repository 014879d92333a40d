"""Where the CPU time of one chat message goes: CPU ms per message of every process of a running profile.

    python -m benchmarks.cpu --profile scaled --users 20 --duration 30 --index-dir var/index
    python -m benchmarks.cpu --profile embedded --target rasa --pyspy var/profiles

Starts the profile the way `python -m benchmarks` does (benchmarks.cluster), runs Locust (closed loop, the same
simulated citizens) against the gateway or straight against Rasa, and reads each process's user + system CPU seconds
(psutil) before and after: Rasa, the action server, the gateway, Locust itself and, in the scaled profile, every
PostgreSQL and Redis process. Divided by the messages Locust completed, that is the CPU cost of one message per
process. With --pyspy DIR, py-spy (not a project requirement; `pip install py-spy`) samples Rasa, the action server
and the gateway during the run and writes flame graphs (SVG; --pyspy-format raw: collapsed stacks) there; sampling
costs CPU itself, so read the CPU table of a run without --pyspy. The machine is shared: compare proportions, not
absolute numbers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psutil

from benchmarks.__main__ import out, run_locust, table
from benchmarks.cluster import Cluster, make_cluster
from govchat.settings import ROOT
from govchat.stack import PROJECT_PYTHON, child_env


def _family(pid: int) -> list[psutil.Process]:
    try:
        proc = psutil.Process(pid)
        return [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _services() -> dict[str, list[psutil.Process]]:
    """PostgreSQL (every backend of the server) and Redis processes, by the name they run under."""
    found: dict[str, list[psutil.Process]] = {"postgresql": [], "redis": []}
    for proc in psutil.process_iter(["name"]):
        name = proc.info["name"] or ""
        if name.startswith("postgres"):
            found["postgresql"].append(proc)
        elif name.startswith("redis-server"):
            found["redis"].append(proc)
    return found


def _cpu(procs: list[psutil.Process]) -> dict[int, float]:
    seconds = {}
    for p in procs:
        try:
            t = p.cpu_times()
            seconds[p.pid] = t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return seconds


def snapshot(cluster: Cluster) -> dict[str, dict[int, float]]:
    snap = {name: _cpu(_family(pid)) for name, pid in cluster.pids().items()}
    if cluster.profile.startswith("scaled"):
        snap.update({name: _cpu(procs) for name, procs in _services().items()})
    return snap


def used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds per process group between two snapshots; processes started in between count from zero."""
    return {
        name: sum(sec - before.get(name, {}).get(pid, 0.0) for pid, sec in pids.items())
        for name, pids in after.items()
    }


def pyspy(pid: int, seconds: int, output: Path, fmt: str) -> subprocess.Popen[bytes] | None:
    exe = shutil.which("py-spy") or str(ROOT / ".venv" / "bin" / "py-spy")
    if not Path(exe).exists():
        out("py-spy is not installed (pip install py-spy); no flame graphs")
        return None
    return subprocess.Popen(
        [exe, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "50", "--subprocesses",
         "--nonblocking", "--format", fmt, "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def run(args: argparse.Namespace, work: Path) -> list[list[Any]]:
    cluster = make_cluster(args.profile, work / args.profile, replicas=1, index_dir=args.index_dir)
    try:
        # Only the migration: the newest trained model in bot/models is served as it is (no `rasa train` here, so a
        # measurement never retrains on data someone is editing), and the index must exist (--index-dir).
        subprocess.run([str(PROJECT_PYTHON), "-m", "alembic", "upgrade", "heads"], env=child_env(cluster.replicas[0]),
                       cwd=ROOT, check=True, capture_output=True)
        cluster.start()
        hosts = cluster.gateway_urls if args.target == "gateway" else cluster.rasa_urls
        spies = []
        if args.pyspy:
            args.pyspy.mkdir(parents=True, exist_ok=True)
            for name, pid in cluster.pids().items():
                suffix = {"flamegraph": "svg", "raw": "txt", "speedscope": "json"}[args.pyspy_format]
                output = args.pyspy / f"{args.profile}-{args.target}-{name}.{suffix}"
                spies.append(pyspy(pid, args.duration, output, args.pyspy_format))
        before = snapshot(cluster)
        load = run_locust(
            profile=args.profile, target=args.target, hosts=hosts, users=args.users, seconds=args.duration,
            think=0, form=args.form, work=work,
        )
        after = snapshot(cluster)
        for spy in spies:
            if spy is not None:
                spy.wait(timeout=120)
        messages = load.requests - load.failures
        seconds = used(before, after)
        seconds["locust"] = load.locust_cpu_seconds
        all_cpu = sum(seconds.values())
        out(f"\n{args.profile} -> {args.target}: {messages} messages ({load.failures} failed) in "
            f"{args.duration} s = {load.rps:.1f} msg/s, p50 {load.p50:.0f} ms; "
            f"CPU of all processes {all_cpu:.1f} s of {args.duration * psutil.cpu_count()} core-seconds")
        rows = [
            [args.profile, args.target, name, round(sec, 1), round(sec * 1000 / max(messages, 1), 1),
             round(100 * sec / all_cpu) if all_cpu else 0]
            for name, sec in sorted(seconds.items(), key=lambda kv: -kv[1])
        ]
        rows.append([args.profile, args.target, "all", round(all_cpu, 1), round(all_cpu * 1000 / max(messages, 1), 1),
                     100])
        return rows
    finally:
        cluster.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cpu", description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="embedded", choices=["embedded", "scaled"])
    parser.add_argument("--target", default="gateway", choices=["gateway", "rasa"])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=30, help="seconds of load")
    parser.add_argument("--form", action="store_true", help="simulated citizens also start a service request")
    parser.add_argument("--index-dir", type=Path, default=ROOT / "var" / "index", help="a built knowledge index")
    parser.add_argument("--pyspy", type=Path, default=None, help="write py-spy flame graphs to this directory")
    parser.add_argument("--pyspy-format", default="flamegraph", choices=["flamegraph", "raw", "speedscope"],
                        help="raw: collapsed stacks, one line per stack with its sample count")
    args = parser.parse_args(argv)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    with tempfile.TemporaryDirectory(prefix="govchat-cpu-") as tmp:
        rows = run(args, Path(tmp))
    table("CPU per message (user + system)", ["profile", "target", "process", "CPU s", "CPU ms/msg", "%"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
