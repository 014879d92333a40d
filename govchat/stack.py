"""Prepares and runs the whole system: action server, Rasa server and gateway, as child processes.

Used by `python -m govchat run` (the README's run command) and by the end-to-end tests, so both exercise the same
start-up path. Readiness is polled, never slept for: Rasa needs 40-50 s to load a model on these machines.
"""

import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

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
    settings.data_dir.mkdir(parents=True, exist_ok=True)
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

    def start(self) -> None:
        s = self.settings
        env = child_env(s, **self.extra_env)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        commands: dict[str, tuple[list[str | Path], Path]] = {
            "actions": (
                [PROJECT_PYTHON, "-m", "actions", "--port", str(_port(s.action_server_url))],
                ROOT,
            ),
            "rasa": (
                [
                    # `rasa run` with two CPU fixes to Rasa 3.6, same behaviour (bot/rasa_main.py): the action
                    # response check and the event class lookup
                    RASA_PYTHON, "rasa_main.py", "run", "--enable-api", "--auth-token", s.rasa_token.get_secret_value(),
                    # `rasa run` listens on 0.0.0.0 unless told; only the gateway, at rasa_url, talks to it
                    "--interface", httpx.URL(s.rasa_url).host, "--port", str(_port(s.rasa_url)), "--model", "models",
                    "--credentials", "credentials.yml", "--endpoints", s.rasa_endpoints,
                ],
                BOT_DIR,
            ),
            "gateway": (
                [PROJECT_PYTHON, "-m", "api", "--host", s.host, "--port", str(_port(s.gateway_url))],
                ROOT,
            ),
        }
        for name in self.components:
            args, cwd = commands[name]
            self._spawn(name, args, env, cwd)

    def _spawn(self, name: str, args: Sequence[str | Path], env: dict[str, str], cwd: Path) -> None:
        name += self.suffix
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        logger.info("starting %s (log: %s)", name, log.name)
        self.processes[name] = subprocess.Popen(
            [str(a) for a in args], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

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
                    if "rasa" in self.components:
                        seconds = warm_up_rasa(self.settings.rasa_url, self.settings.rasa_token.get_secret_value())
                        logger.info("rasa%s warmed up in %.1f s", self.suffix, seconds)
                    return
                last = response.json().get("detail", response.text)
            except httpx.HTTPError as exc:
                last = str(exc)
            time.sleep(1.0)
        raise StackError(f"not ready after {timeout:.0f} s: {last}")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


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
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1.0)
        failed = [name for name, p in stack.processes.items() if p.poll() is not None]
        logger.error("%s stopped unexpectedly; see %s", ", ".join(failed), stack.log_dir)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()
