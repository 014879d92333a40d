"""Starts the real system once per test session: action server, Rasa server and gateway, each its own process.

The same start-up code as `make run` (govchat.stack), on free ports and a temporary data directory.
"""

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from govchat.settings import Settings
from govchat.stack import Stack, prepare
from tests.conftest import TEST_INDEX_DIR


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def stack_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("govchat-e2e")
    gateway_port = free_port()
    return Settings(
        environment="test",
        data_dir=data_dir,
        index_dir=TEST_INDEX_DIR,
        port=gateway_port,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        action_server_url=f"http://127.0.0.1:{free_port()}",
        rasa_token="e2e-rasa-token",
        service_token="e2e-service-token",
    )


@pytest.fixture(scope="session")
def stack(stack_settings: Settings) -> Iterator[Stack]:
    prepare(stack_settings)
    running = Stack(stack_settings, Path(stack_settings.data_dir) / "logs")
    try:
        running.start()
        running.wait_ready()
        yield running
    except Exception:
        for log in sorted(running.log_dir.glob("*.log")):
            tail = log.read_text(errors="replace")[-3000:]
            print(f"----- {log.name} -----\n{tail}")  # noqa: T201 - shown by pytest on failure
        raise
    finally:
        running.stop()


@pytest.fixture(scope="session")
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.settings.gateway_url, timeout=30.0) as client:
        yield client
