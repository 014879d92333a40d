"""Data folders and database files are created for their owner only, whatever the umask."""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from api.db import make_engine
from govchat.files import private_dir, private_file, sqlite_path


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default, under which files are world-readable
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_folders_are_0700_existing_ones_keep_their_mode(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir(mode=0o755)
    private_dir(tmp_path / "var" / "logs" / "old")
    assert mode(tmp_path / "var" / "logs") == mode(tmp_path / "var" / "logs" / "old") == 0o700
    assert mode(tmp_path / "var") == 0o755


def test_created_files_are_0600(tmp_path: Path) -> None:
    path = private_file(tmp_path / "var" / "rasa-tracker.db")
    assert mode(path) == 0o600 and mode(path.parent) == 0o700 and path.stat().st_size == 0
    path.write_text("kept")
    assert private_file(path).read_text() == "kept"


def test_the_sqlite_database_and_its_wal_are_0600(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'govchat.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert mode(tmp_path / "var" / "govchat.db-wal") == 0o600
    engine.dispose()
    assert mode(tmp_path / "var" / "govchat.db") == 0o600 and mode(tmp_path / "var") == 0o700


def test_sqlite_path() -> None:
    assert sqlite_path("sqlite:///var/govchat.db") == Path("var/govchat.db")
    assert sqlite_path("sqlite:////srv/govchat/govchat.db") == Path("/srv/govchat/govchat.db")
    assert sqlite_path("sqlite:///:memory:") is None and sqlite_path("sqlite://") is None
    assert sqlite_path("postgresql+psycopg://govchat@db/govchat") is None
