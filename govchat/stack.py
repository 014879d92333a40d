"""Prepares and runs the whole system: action server, Rasa server and gateway, as child processes.

Used by `python -m govchat run` (the README's run command) and by the end-to-end tests, so both exercise the same
start-up path. Readiness is polled, never slept for: Rasa needs 40-50 s to load a model on these machines.
"""

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from govchat.files import private_dir, private_file, sqlite_path
from govchat.settings import ROOT, Settings

logger = logging.getLogger(__name__)

BOT_DIR = ROOT / "bot"
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
KEEP_MODELS = 3  # trained models kept in bot/models: the one served and two to roll back to


class StackError(RuntimeError):
    pass


def _port(url: str) -> int:
    port = httpx.URL(url).port
    if port is None:
        raise StackError(f"{url} names no port")
    return port


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment every child gets: the settings as GOVCHAT_ variables, so all processes agree."""
    env = dict(os.environ)
    env.update(
        GOVCHAT_DATA_DIR=str(settings.data_dir),
        GOVCHAT_DATABASE_URL=settings.database_url,
        GOVCHAT_INDEX_DIR=str(settings.index_dir),
        GOVCHAT_EMBEDDER=settings.embedder,
        GOVCHAT_RASA_URL=settings.rasa_url,
        GOVCHAT_RASA_TOKEN=settings.rasa_token.get_secret_value(),
        GOVCHAT_ACTION_SERVER_URL=settings.action_server_url,
        GOVCHAT_ACTION_SERVER_HOST=settings.action_server_host,
        GOVCHAT_ACTION_SERVER_TOKEN=settings.action_server_token.get_secret_value(),
        GOVCHAT_GATEWAY_URL=settings.gateway_url,
        GOVCHAT_SERVICE_TOKEN=settings.service_token.get_secret_value(),
        GOVCHAT_PORT=str(settings.port),
        GOVCHAT_RASA_TRACKER_URL=settings.rasa_tracker_url,
        # endpoints.yml takes the SQLite file itself (its `db`), not a URL
        GOVCHAT_RASA_TRACKER_DB=settings.rasa_tracker_url.removeprefix("sqlite:///"),
        GOVCHAT_REDIS_URL=settings.redis_url,
        GOVCHAT_RASA_ENDPOINTS=settings.rasa_endpoints,
        RASA_TELEMETRY_ENABLED="false",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BOT_DIR), str(ROOT), env.get("PYTHONPATH", "")]))
    for name, value in scaled_rasa_env(settings).items():
        env.setdefault(name, value)  # variables set by the operator win
    env.update(extra)
    return env


def scaled_rasa_env(settings: Settings) -> dict[str, str]:
    """The variables of bot/endpoints.scaled.yml, derived from the tracker store's URL and the Redis URL.

    Rasa's trackers go by default to a sibling database named `<gateway database>_rasa` on the same PostgreSQL
    server (settings.rasa_tracker_url; its `events` table stays apart from the gateway's schema); its lock store uses
    Redis database 1 of the same server.
    """
    if settings.rasa_endpoints == "endpoints.yml" or not settings.rasa_tracker_url.startswith("postgresql"):
        return {}
    db = httpx.URL(settings.rasa_tracker_url.replace("postgresql+psycopg://", "postgresql://", 1))
    env = {
        "GOVCHAT_RASA_DB_HOST": db.host or "127.0.0.1",
        "GOVCHAT_RASA_DB_PORT": str(db.port or 5432),
        "GOVCHAT_RASA_DB_NAME": db.path.strip("/"),
        "GOVCHAT_RASA_DB_USER": db.username,
        "GOVCHAT_RASA_DB_PASSWORD": db.password,
    }
    if settings.redis_url:
        redis = httpx.URL(settings.redis_url)
        env.update(
            GOVCHAT_RASA_REDIS_HOST=redis.host or "127.0.0.1",
            GOVCHAT_RASA_REDIS_PORT=str(redis.port or 6379),
            GOVCHAT_RASA_REDIS_PASSWORD=redis.password,
            GOVCHAT_RASA_REDIS_DB="1",
        )
    return env


def warm_up_rasa(rasa_url: str, token: str, *, timeout: float = 120.0) -> float:
    """Send one message through the govchat channel so the first citizen does not pay for the lazy loading
    (jieba dictionary, TensorFlow graph tracing, the action server's index). Returns the seconds it took."""
    started = time.monotonic()
    response = httpx.post(
        f"{rasa_url}/webhooks/govchat/webhook",
        # A guide question, so the action server's search and embedder load too; a fresh sender each time, so no
        # tracker grows across restarts.
        json={"sender": f"govchat-warm-up-{uuid.uuid4().hex[:12]}", "message": "身份证丢了怎么补办",
              "metadata": {"channel": "warm-up"}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
    )
    response.raise_for_status()
    return time.monotonic() - started


def _run(args: Sequence[str | Path], *, env: dict[str, str], cwd: Path = ROOT) -> None:
    logger.info("running %s", " ".join(str(a) for a in args))
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, check=False)
    if result.returncode != 0:
        raise StackError(f"{Path(str(args[0])).name} {' '.join(str(a) for a in args[1:3])} failed")


def prepare(settings: Settings) -> None:
    """Migrate the database, build the knowledge index and train the Rasa model, each only if out of date."""
    private_dir(settings.data_dir)
    if (tracker_db := sqlite_path(settings.rasa_tracker_url)) is not None:
        private_file(tracker_db)  # Rasa would create it with the umask's mode
    env = child_env(settings)
    _run([PROJECT_PYTHON, "-m", "alembic", "upgrade", "heads"], env=env)
    _run([PROJECT_PYTHON, "-m", "knowledge", "build"], env=env)
    # Rasa 3.6 writes a new model on every `train`, but takes unchanged components from its cache (.rasa/cache), so
    # an unchanged project costs ~25 s. The domain is a directory of topic files (bot/domain/).
    domain = "domain" if (BOT_DIR / "domain").is_dir() else "domain.yml"
    _run([RASA, "train", "--domain", domain, "--data", "data", "--out", "models", "--quiet"], env=env, cwd=BOT_DIR)
    prune_models(BOT_DIR / "models")


def prune_models(folder: Path, keep: int = KEEP_MODELS) -> None:
    """Remove all but the newest `keep` models (45 MB each); a running Rasa has its model unpacked already."""
    models = sorted(folder.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in models[keep:]:
        old.unlink(missing_ok=True)


@dataclass(frozen=True)
class Component:
    args: list[str]
    cwd: Path
    # Answered by the part that does the work: the action server's /health by a Sanic worker (its main process
    # only holds the socket), Rasa's / only once its model is loaded, the gateway's /healthz.
    health_url: str
    # One message through Rasa once it answers again after a restart, so that the first citizen does not pay for
    # the lazy loading: Rasa's (jieba, TensorFlow) and the action server's (index, embedder), which took longer
    # than the gateway's 15 s on 2 busy cores.
    warm_up: bool = False


@dataclass
class Stack:
    """One replica set: by default the action server, Rasa and the gateway of `settings`.

    Replicas of the scaled profile are further Stacks with `components=("rasa", "gateway")`, their own ports in
    `settings` and a `suffix` for process and log names (e.g. "-b"), sharing the first Stack's action server.
    """

    settings: Settings
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    components: tuple[str, ...] = ("actions", "rasa", "gateway")
    suffix: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)

    def commands(self) -> dict[str, Component]:
        """The processes of this replica set by their names (with the suffix)."""
        s = self.settings
        with_rasa = "rasa" in self.components
        every = {
            "actions": Component(
                [str(PROJECT_PYTHON), "-m", "actions", "--port", str(_port(s.action_server_url))],
                ROOT,
                f"{s.action_server_url}/health",
                warm_up=with_rasa,
            ),
            "rasa": Component(
                [
                    # `rasa run` with two CPU fixes to Rasa 3.6, same behaviour (bot/rasa_main.py): the action
                    # response check and the event class lookup
                    str(RASA_PYTHON), "rasa_main.py", "run", "--enable-api", "--auth-token",
                    s.rasa_token.get_secret_value(),
                    # `rasa run` listens on 0.0.0.0 unless told; only the gateway, at rasa_url, talks to it
                    "--interface", httpx.URL(s.rasa_url).host, "--port", str(_port(s.rasa_url)), "--model", "models",
                    "--credentials", "credentials.yml", "--endpoints", s.rasa_endpoints,
                ],
                BOT_DIR,
                f"{s.rasa_url}/",
                warm_up=with_rasa,
            ),
            "gateway": Component(
                [str(PROJECT_PYTHON), "-m", "api", "--host", s.host, "--port", str(_port(s.gateway_url))],
                ROOT,
                f"{s.gateway_url}/healthz",
            ),
        }
        return {name + self.suffix: every[name] for name in self.components}

    def start(self) -> None:
        private_dir(self.log_dir)  # logs are masked, but hold questions and conversation ids
        for name in self.commands():
            self.spawn(name)

    def spawn(self, name: str) -> None:
        component = self.commands()[name]
        with open(private_file(self.log_dir / f"{name}.log"), "ab") as log:  # the child keeps its own descriptor
            logger.info("starting %s (log: %s)", name, log.name)
            self.processes[name] = subprocess.Popen(
                component.args, cwd=component.cwd, env=child_env(self.settings, **self.extra_env), stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )

    def kill(self, name: str) -> None:
        """SIGKILL the process and its whole process group, and wait until none of them is left: a Sanic worker
        orphaned by its killed main process would otherwise keep answering on the port and block the restart."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 10
        while group_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)

    def wait_ready(self, timeout: float = 240.0) -> None:
        """Wait until the gateway's /readyz says every part answers (Rasa model loaded, actions, database, index)."""
        deadline = time.monotonic() + timeout
        url = f"{self.settings.gateway_url}/readyz"
        last = "no answer yet"
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise StackError(f"{name} exited with code {process.returncode}; see {self.log_dir}/{name}.log")
            try:
                response = httpx.get(url, timeout=5.0)
                if response.status_code == 200:
                    if "rasa" in self.components:  # warmed up now, by the supervisor after a restart
                        seconds = warm_up_rasa(self.settings.rasa_url, self.settings.rasa_token.get_secret_value())
                        logger.info("rasa%s warmed up in %.1f s", self.suffix, seconds)
                    return
                last = response.json().get("detail", response.text)
            except httpx.HTTPError as exc:
                last = str(exc)
            time.sleep(1.0)
        raise StackError(f"not ready after {timeout:.0f} s: {last}")

    def stop(self) -> None:
        # The whole group even when its leader is gone: a worker may have outlived it.
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name, process in self.processes.items():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            self.kill(name)


def group_members(pgid: int) -> list[int]:
    """The live processes of a process group (Linux /proc). Zombies do not count: they hold no socket, and the
    orphans among them wait for an init that may never reap them."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError, ValueError):
            continue  # gone while we looked
        if int(pgrp) == pgid and state != "Z":
            members.append(int(stat.parent.name))
    return members


# Waits before restarting a component that failed again and again; it is back to the first once it has stayed
# healthy for STABLE_SECONDS.
RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
STABLE_SECONDS = 60.0
# Failed health checks in a row, of a component that had answered since its start, before it is restarted:
# Rasa and the action server are busy with CPU-bound turns now and then, and a check times out after 2 s.
HEALTH_FAILURES = 3
HEALTH_TIMEOUT = 2.0


@dataclass
class _Watch:
    healthy_since: float | None = None  # None: no answer since (re)start; Rasa loads its model for 40-50 s
    failed_checks: int = 0
    restarts: int = 0  # in a row, for the back-off
    restart_at: float | None = None  # set while the component is down and waits for its restart


@dataclass
class Supervisor:
    """Keeps a stack alive: a component whose process exits, or that stops answering its health check, is killed
    with its process group and started again after a back-off. Nothing else is touched: the other parts keep
    serving (the gateway answers the busy reply meanwhile, and its /readyz names what is down)."""

    stack: Stack
    interval: float = 2.0
    watches: dict[str, _Watch] = field(default_factory=dict)

    def check(self, now: float | None = None) -> None:
        """One round over every component."""
        now = time.monotonic() if now is None else now
        for name, component in self.stack.commands().items():
            watch = self.watches.setdefault(name, _Watch())
            if watch.restart_at is not None:
                if now >= watch.restart_at:
                    self.stack.spawn(name)
                    self.watches[name] = _Watch(restarts=watch.restarts)
                continue
            process = self.stack.processes[name]
            if process.poll() is not None:
                self._down(name, watch, now, f"exited with code {process.returncode}")
            elif self._healthy(component.health_url):
                watch.failed_checks = 0
                if watch.healthy_since is None:
                    if component.warm_up and watch.restarts:  # the first start is warmed up by wait_ready
                        self._warm_up(name)
                    watch.healthy_since = now
                if now - watch.healthy_since >= STABLE_SECONDS:
                    watch.restarts = 0
            elif watch.healthy_since is not None:
                watch.failed_checks += 1
                if watch.failed_checks >= HEALTH_FAILURES:
                    self._down(name, watch, now, f"failed {HEALTH_FAILURES} health checks in a row")

    def _healthy(self, url: str) -> bool:
        try:
            return httpx.get(url, timeout=HEALTH_TIMEOUT).status_code == 200
        except httpx.HTTPError:
            return False

    def ready(self, name: str) -> bool:
        """The component answers its health check and, after a restart, has been warmed up."""
        watch = self.watches.get(name)
        return watch is not None and watch.restart_at is None and watch.healthy_since is not None

    def _warm_up(self, name: str) -> None:
        s = self.stack.settings
        try:
            logger.info("%s warmed up in %.1f s", name, warm_up_rasa(s.rasa_url, s.rasa_token.get_secret_value()))
        except httpx.HTTPError as exc:
            logger.warning("%s answered, but its warm-up failed: %s", name, exc)

    def _down(self, name: str, watch: _Watch, now: float, why: str) -> None:
        delay = RESTART_DELAYS[min(watch.restarts, len(RESTART_DELAYS) - 1)]
        logger.error("%s %s; restarting it in %.0f s (see %s/%s.log)", name, why, delay, self.stack.log_dir, name)
        self.stack.kill(name)
        watch.restarts += 1
        watch.restart_at = now + delay

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            self.check()


@contextlib.contextmanager
def supervised(stack: Stack) -> Iterator[Supervisor]:
    """Supervise a started stack in a background thread while the block runs."""
    supervisor = Supervisor(stack)
    stop = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(stop,), name="govchat-supervisor", daemon=True)
    thread.start()
    try:
        yield supervisor
    finally:
        stop.set()
        thread.join()


def run_forever(settings: Settings) -> int:
    prepare(settings)
    stack = Stack(settings, settings.data_dir / "logs")

    def _terminate(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        stack.start()
        stack.wait_ready()
        url = settings.public_url or f"http://{settings.host}:{settings.port}/"
        sys.stdout.write(f"\n政务服务智能助手已启动：{url}\n（按 Ctrl-C 停止所有进程；日志在 {stack.log_dir}）\n\n")
        sys.stdout.flush()
        with supervised(stack):
            while True:
                time.sleep(1.0)
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()
