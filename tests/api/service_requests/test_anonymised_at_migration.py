"""The service_requests branch's anonymised_at migration on SQLite: up, down without losing the history, up again,
and the migrated schema matches the models."""

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from api.db import make_engine
from tests.conftest import alembic_config, schema_diff

REVISION = "1f2ab3d65253"
BEFORE = "2decf9fdcb1f"


def _columns(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {column["name"] for column in inspect(engine).get_columns("service_requests")}
    finally:
        engine.dispose()


def test_anonymised_at_up_down_up_keeps_requests_and_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrations.db'}"
    config = alembic_config(url)
    command.upgrade(config, "heads")
    assert "anonymised_at" in _columns(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO service_requests (id, tracking_no, idempotency_key, fingerprint, guide_id, service_title,"
                " applicant_name, id_number, phone, mode, materials_confirmed, consent_at, status, created_at,"
                " updated_at, anonymised_at) VALUES (1, 'GZ20260101ABCDEFGH', 'key-1', 'f', 'g', 't', '张**',"
                " '******************', '***********', 'online', 1, '2026-01-01', 'completed', '2026-01-01',"
                " '2026-01-02', '2031-01-02')"))
            connection.execute(text(
                "INSERT INTO service_request_status_changes (request_id, to_status, actor, created_at)"
                " VALUES (1, 'submitted', 'citizen', '2026-01-01'), (1, 'completed', 'staff:1', '2026-01-02')"))
    finally:
        engine.dispose()

    command.downgrade(config, BEFORE)
    assert "anonymised_at" not in _columns(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            # Foreign keys are on: a batch-mode table copy would have cascaded the history away.
            assert connection.scalar(text("SELECT count(*) FROM service_request_status_changes")) == 2
            assert connection.scalar(text("SELECT count(*) FROM service_requests")) == 1
    finally:
        engine.dispose()

    command.upgrade(config, "heads")
    assert "anonymised_at" in _columns(url)


def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    diff = schema_diff(f"sqlite:///{tmp_path / 'schema.db'}")
    assert not diff, f"models differ from the migrated schema: {diff}"

