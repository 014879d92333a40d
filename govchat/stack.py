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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from govchat.settings import ROOT, Settings

logger = logging.getLogger(__name__)

BOT_DIR = ROOT / "bot"
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


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
        GOVCHAT_GATEWAY_URL=settings.gateway_url,
        GOVCHAT_SERVICE_TOKEN=settings.service_token.get_secret_value(),
        GOVCHAT_PORT=str(settings.port),
        GOVCHAT_RASA_TRACKER_DB=str(settings.data_dir / "rasa-tracker.db"),
        RASA_TELEMETRY_ENABLED="false",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BOT_DIR), str(ROOT), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


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
    # Rasa compares its fingerprint with the newest model and skips training when nothing changed.
    _run([RASA, "train", "--out", "models", "--quiet"], env=env, cwd=BOT_DIR)


@dataclass
class Stack:
    settings: Settings
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self) -> None:
        s = self.settings
        env = child_env(s)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._spawn(
            "actions",
            [PROJECT_PYTHON, "-m", "rasa_sdk", "--actions", "actions", "--port", str(_port(s.action_server_url))],
            env,
            ROOT,
        )
        self._spawn(
            "rasa",
            [
                RASA, "run", "--enable-api", "--auth-token", s.rasa_token.get_secret_value(),
                "--port", str(_port(s.rasa_url)), "--model", "models",
                "--credentials", "credentials.yml", "--endpoints", s.rasa_endpoints,
            ],
            env,
            BOT_DIR,
        )
        self._spawn(
            "gateway",
            [PROJECT_PYTHON, "-m", "api", "--host", s.host, "--port", str(_port(s.gateway_url))],
            env,
            ROOT,
        )

    def _spawn(self, name: str, args: Sequence[str | Path], env: dict[str, str], cwd: Path) -> None:
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
