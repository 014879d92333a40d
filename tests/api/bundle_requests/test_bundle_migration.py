"""The bundle-requests migration on SQLite: up, down without losing single requests or their history, up again."""

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from api.db import make_engine
from tests.conftest import alembic_config

REVISION = "b5d1e7a3c9f2"


def _schema(url: str) -> tuple[set[str], set[str]]:
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        return set(inspector.get_table_names()), {c["name"] for c in inspector.get_columns("service_requests")}
    finally:
        engine.dispose()


def _count(url: str, table: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0)  # noqa: S608 - fixed names
    finally:
        engine.dispose()


def test_up_down_up_keeps_requests_and_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrations.db'}"
    config = alembic_config(url)
    command.upgrade(config, "heads")
    tables, columns = _schema(url)
    assert "bundle_requests" in tables and {"bundle_id", "department", "facts"} <= columns
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO service_requests (id, tracking_no, idempotency_key, fingerprint, guide_id, service_title,"
                " applicant_name, id_number, phone, mode, materials_confirmed, consent_at, status, created_at,"
                " updated_at) VALUES (1, 'GZ20260101ABCDEFGH', 'key-1', 'f', 'g', 't', '张三', '52010219900101123X',"
                " '13985012345', 'online', 1, '2026-01-01', 'submitted', '2026-01-01', '2026-01-01')"))
            connection.execute(text(
                "INSERT INTO service_request_status_changes (request_id, to_status, actor, created_at)"
                " VALUES (1, 'submitted', 'citizen', '2026-01-01')"))
    finally:
        engine.dispose()

    command.downgrade(config, "1f2ab3d65253")
    tables, columns = _schema(url)
    assert "bundle_requests" not in tables and not {"bundle_id", "department", "facts"} & columns
    # Foreign keys are on: a batch-mode table copy would have cascaded the history away.
    assert (_count(url, "service_requests"), _count(url, "service_request_status_changes")) == (1, 1)

    command.upgrade(config, "heads")
    assert "bundle_requests" in _schema(url)[0]


def test_the_revision_is_the_head_of_the_service_requests_branch() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_revision("service_requests@head").revision == REVISION  # type: ignore[union-attr]
