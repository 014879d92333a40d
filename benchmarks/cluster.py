"""Start the system in a named profile, on free ports, for the scaled tests and the benchmarks.

- embedded: one action server, one Rasa, one gateway; SQLite and in-process state (the `make run` default).
- scaled:   one action server shared by N replicas of (Rasa + gateway); PostgreSQL for the gateway's data and
            Rasa's trackers, Redis for Rasa's lock store and the gateway's shared state.

Built on govchat.stack (the same start-up path as `make run`): one Stack per replica, all started before any is
waited on, so the Rasa replicas load their models in parallel.
"""

from __future__ import annotations

import logging
import re
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from govchat.settings import ROOT, Settings
from govchat.stack import Stack, prepare

logger = logging.getLogger(__name__)

TOKEN = "bench-rasa-token"
# Load tests send many messages from one IP and per session; the limits themselves are tested elsewhere.
UNLIMITED = {"GOVCHAT_RATE_LIMIT_PER_IP": "", "GOVCHAT_RATE_LIMIT_PER_SESSION": "", "GOVCHAT_RATE_LIMIT_PER_OPENID": ""}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_services() -> dict[str, str]:
    """Run scripts/services.sh (starts PostgreSQL and Redis when needed) and return the settings it prints."""
    result = subprocess.run(
        [str(ROOT / "scripts" / "services.sh")], capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"scripts/services.sh failed:\n{result.stderr}")
    return dict(re.findall(r"^export (\w+)=(.*)$", result.stdout, flags=re.M))


def create_databases(server_url: str, name: str) -> str:
    """Create `name` and `name_rasa` on the server of `server_url`; returns the URL of `name`."""
    import psycopg  # only the scaled profile needs the driver

    base, _, _ = server_url.rpartition("/")
    with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
        for db in (name, f"{name}_rasa"):
            conn.execute(f'CREATE DATABASE "{db}"')  # name is ours, [a-z0-9_] only
    return f"{base}/{name}"


def drop_databases(server_url: str, name: str) -> None:
    import psycopg
    from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

    # FORCE ends our own leftover sessions, but not an autovacuum worker that happens to be busy in the database
    # (it belongs to no role we may signal: InsufficientPrivilege); it finishes within a moment on these small
    # databases, so wait and try again.
    retrying = Retrying(
        retry=retry_if_exception_type(psycopg.errors.InsufficientPrivilege),
        wait=wait_fixed(0.5), stop=stop_after_delay(30), reraise=True,
    )
    with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
        for db in (name, f"{name}_rasa"):
            for attempt in retrying:
                with attempt:
                    conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@dataclass
class Cluster:
    """One profile running: `replicas[i]` is the Settings of gateway i and the Rasa server behind it."""

    profile: str
    data_dir: Path
    replicas: list[Settings]
    stacks: list[Stack] = field(default_factory=list)
    database_name: str | None = None
    server_url: str | None = None
    startup_seconds: float = 0.0
    warm_up_seconds: list[float] = field(default_factory=list)

    @property
    def gateway_urls(self) -> list[str]:
        return [s.gateway_url for s in self.replicas]

    @property
    def rasa_urls(self) -> list[str]:
        return [s.rasa_url for s in self.replicas]

    def pids(self) -> dict[str, int]:
        return {name: p.pid for stack in self.stacks for name, p in stack.processes.items()}

    def start(self, timeout: float = 300.0) -> None:
        log_dir = self.data_dir / "logs"
        many = len(self.replicas) > 1
        for i, settings in enumerate(self.replicas):
            components = ("actions", "rasa", "gateway") if i == 0 else ("rasa", "gateway")
            suffix = f"-{chr(ord('a') + i)}" if many else ""
            self.stacks.append(
                Stack(settings, log_dir, components=components, suffix=suffix, extra_env=dict(UNLIMITED))
            )
        started = time.monotonic()
        try:
            for stack in self.stacks:
                stack.start()
            for stack in self.stacks:
                stack.wait_ready(timeout=timeout)
        except Exception:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started

    def stop(self) -> None:
        for stack in reversed(self.stacks):
            stack.stop()
        if self.database_name and self.server_url:
            drop_databases(self.server_url, self.database_name)

    def log_tails(self, chars: int = 3000) -> str:
        return "\n".join(
            f"----- {log.name} -----\n{log.read_text(errors='replace')[-chars:]}"
            for log in sorted((self.data_dir / "logs").glob("*.log"))
        )


def make_cluster(profile: str, data_dir: Path, *, replicas: int = 1, index_dir: Path | None = None) -> Cluster:
    """Settings for every replica (free ports, one shared action server) and, for `scaled`, fresh databases."""
    if profile not in ("embedded", "scaled"):
        raise ValueError(f"unknown profile {profile!r}")
    if profile == "embedded" and replicas != 1:
        raise ValueError("the embedded profile has one replica (SQLite and in-process state)")
    data_dir.mkdir(parents=True, exist_ok=True)
    common: dict[str, object] = dict(
        environment="test",
        data_dir=data_dir,
        index_dir=index_dir or data_dir / "index",
        action_server_url=f"http://127.0.0.1:{free_port()}",
        rasa_token=TOKEN,
        service_token="bench-service-token",
    )
    cluster = Cluster(profile=profile, data_dir=data_dir, replicas=[])
    if profile == "scaled":
        services = start_services()
        cluster.server_url = services["GOVCHAT_DATABASE_URL"]
        cluster.database_name = f"govchat_t{uuid.uuid4().hex[:10]}"
        common.update(
            database_url=create_databases(cluster.server_url, cluster.database_name),
            redis_url=services["GOVCHAT_REDIS_URL"],
            rasa_endpoints="endpoints.scaled.yml",
        )
    for _ in range(replicas):
        port = free_port()
        cluster.replicas.append(
            Settings(**common, port=port, rasa_url=f"http://127.0.0.1:{free_port()}")  # type: ignore[arg-type]
        )
    return cluster


def start_cluster(profile: str, data_dir: Path, *, replicas: int = 1, index_dir: Path | None = None) -> Cluster:
    cluster = make_cluster(profile, data_dir, replicas=replicas, index_dir=index_dir)
    try:
        prepare(cluster.replicas[0])  # migrate, build the index, train: once, shared by every replica
        cluster.start()
    except Exception:
        logger.error("cluster did not start:\n%s", cluster.log_tails())
        if cluster.database_name and cluster.server_url and not cluster.stacks:
            drop_databases(cluster.server_url, cluster.database_name)
        raise
    return cluster
