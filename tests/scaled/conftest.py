"""PostgreSQL and Redis for the scaled tests: started by scripts/services.sh when not running, a fresh database
per test session (dropped at the end), and the scaled cluster of two replicas for the replica tests."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.cluster import Cluster, create_databases, drop_databases, start_cluster, start_services
from govchat.settings import Settings
from tests.conftest import TEST_INDEX_DIR


@pytest.fixture(scope="session")
def services() -> dict[str, str]:
    return start_services()


@pytest.fixture(scope="session")
def redis_url(services: dict[str, str]) -> str:
    return services["GOVCHAT_REDIS_URL"]


@pytest.fixture
def pg_url(services: dict[str, str]) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test."""
    server = services["GOVCHAT_DATABASE_URL"]
    name = f"govchat_t{uuid.uuid4().hex[:10]}"
    url = create_databases(server, name)
    try:
        yield url
    finally:
        drop_databases(server, name)


@pytest.fixture
def pg_settings(pg_url: str, redis_url: str, tmp_path: Path) -> Settings:
    # Rate limits off: these tests send many messages from one client address, and the counters live in the shared
    # Redis across tests; the limits themselves are tested with their own settings.
    return Settings(
        environment="test", data_dir=tmp_path, index_dir=tmp_path / "index", database_url=pg_url, redis_url=redis_url,
        rate_limit_per_ip="", rate_limit_per_session="", rate_limit_per_openid="",
    )


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two Rasa servers and two gateways against one PostgreSQL and one Redis, sharing one action server."""
    running = start_cluster("scaled", tmp_path_factory.mktemp("govchat-scaled"), replicas=2, index_dir=TEST_INDEX_DIR)
    try:
        yield running
    except Exception:
        print(running.log_tails())  # noqa: T201 - shown by pytest on failure
        raise
    finally:
        running.stop()
