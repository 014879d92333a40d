"""The supervisor on a real action server, one round at a time (`check(now=...)`, no thread, no sleeping for the
back-off): kill -9 of its main process and of its Sanic worker each lead to a new server on the same port."""

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from govchat.settings import Settings
from govchat.stack import HEALTH_FAILURES, RESTART_DELAYS, Stack, Supervisor, group_members
from tests.conftest import free_port


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until_answering(stack: Stack, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not answers(f"{stack.settings.action_server_url}/health"):
        assert time.monotonic() < deadline, (stack.log_dir / "actions.log").read_text()
        time.sleep(0.3)


def sanic_workers(main_pid: int) -> list[int]:
    """The processes that serve HTTP (Sanic names them in their environment); the group also holds
    multiprocessing's resource tracker and one more helper."""
    return [
        pid for pid in group_members(main_pid)
        if b"\0SANIC_WORKER_NAME=Sanic-Server-" in b"\0" + Path(f"/proc/{pid}/environ").read_bytes()
    ]


@pytest.fixture
def stack(settings: Settings, tmp_path: Path) -> Iterator[Stack]:
    settings = settings.model_copy(update={"action_server_url": f"http://127.0.0.1:{free_port()}"})
    running = Stack(settings, tmp_path / "logs", components=("actions",))
    running.start()
    try:
        wait_until_answering(running)
        yield running
    finally:
        running.stop()


def restart_after(supervisor: Supervisor, now: float) -> float:
    """Rounds until the supervisor has started a new process; returns the time it did."""
    watch = supervisor.watches["actions"]
    assert watch.restart_at is not None
    supervisor.check(now=watch.restart_at)
    return watch.restart_at


def test_killed_main_process_its_orphan_worker_goes_and_a_new_server_takes_the_port(stack: Stack) -> None:
    supervisor = Supervisor(stack)
    supervisor.check(now=0.0)
    old = stack.processes["actions"]
    [worker] = sanic_workers(old.pid)
    os.kill(old.pid, signal.SIGKILL)
    old.wait()
    assert answers(f"{stack.settings.action_server_url}/health")  # the orphan still answers on the port

    supervisor.check(now=1.0)
    assert worker not in group_members(old.pid)  # killed with the group
    assert supervisor.watches["actions"].restart_at == 1.0 + RESTART_DELAYS[0]
    supervisor.check(now=1.5)
    assert stack.processes["actions"] is old  # still waiting out the back-off
    restart_after(supervisor, 1.5)
    assert stack.processes["actions"] is not old
    wait_until_answering(stack)


def test_killed_worker_is_noticed_by_the_health_check_and_the_server_restarted(stack: Stack) -> None:
    supervisor = Supervisor(stack)
    supervisor.check(now=0.0)
    old = stack.processes["actions"]
    [worker] = sanic_workers(old.pid)
    os.kill(worker, signal.SIGKILL)

    for n in range(HEALTH_FAILURES):
        assert supervisor.watches["actions"].restart_at is None
        supervisor.check(now=2.0 * (n + 1))
    assert supervisor.watches["actions"].restart_at is not None
    assert group_members(old.pid) == []
    restart_after(supervisor, 10.0)
    wait_until_answering(stack)
    supervisor.check(now=20.0)

    # Failing again before it stayed up for STABLE_SECONDS: the next wait is longer.
    os.kill(stack.processes["actions"].pid, signal.SIGKILL)
    stack.processes["actions"].wait()
    supervisor.check(now=21.0)
    assert supervisor.watches["actions"].restart_at == 21.0 + RESTART_DELAYS[1]
