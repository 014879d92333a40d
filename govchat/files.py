"""Folders and database files that may hold personal data are created readable by their owner only (0700 folders,
0600 files), whatever the umask of whoever starts the process (PIPL art. 51: access control)."""

import os
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


def private_dir(path: Path) -> Path:
    """`mkdir -p` that makes each folder it creates 0700 (mkdir's own mode is cut by the umask; chmod is not).
    Folders that already exist keep their mode: an operator may have chosen it."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        created.chmod(PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Creates an empty 0600 file if there is none, e.g. before SQLite opens it: SQLite takes an empty file as an
    empty database, and gives its journal and WAL files the database file's mode."""
    private_dir(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
        path.chmod(PRIVATE_FILE)
    return path


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (`sqlite:///var/govchat.db`); None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)
