"""Alembic creates and upgrades the gateway's schema on PostgreSQL, and every branch head round-trips."""

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from api.models import Base
from tests.conftest import alembic_config, schema_diff

pytestmark = pytest.mark.scaled


def test_upgrade_heads_creates_every_model_table(pg_url: str) -> None:
    command.upgrade(alembic_config(pg_url), "heads")
    engine = create_engine(pg_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    missing = set(Base.metadata.tables) - tables
    assert not missing, f"models without a migration on PostgreSQL: {sorted(missing)}"
    assert "alembic_version" in tables


def test_downgrade_to_base_and_upgrade_again(pg_url: str) -> None:
    config = alembic_config(pg_url)
    command.upgrade(config, "heads")
    command.downgrade(config, "base")
    engine = create_engine(pg_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    command.upgrade(config, "heads")


def test_schema_matches_models_after_upgrade(pg_url: str) -> None:
    """No model change is waiting for a migration (autogenerate finds nothing to do)."""
    diff = schema_diff(pg_url)
    assert not diff, f"models differ from the migrated schema: {diff}"


def test_every_head_is_reachable() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert heads
