"""Database engine and sessions. SQLite file by default; PostgreSQL by setting GOVCHAT_DATABASE_URL.

One session per request; services flush, the request boundary commits once.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, Dialect, Engine, TypeDecorator, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from govchat.localtime import as_utc


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Times come back from every database as aware UTC (SQLite drops the zone), so the API always sends the
    offset and browsers never read a UTC time as their own local one."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    # none_as_null: None is stored as SQL NULL (what the ORM leaves for an unset column), never as JSON 'null',
    # also when a Core INSERT or UPDATE passes None explicitly.
    type_annotation_map = {
        dict[str, Any]: JSON(none_as_null=True),
        list[Any]: JSON(none_as_null=True),
        datetime: UtcDateTime(),
    }


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10) -> Engine:
    """The pool arguments apply to PostgreSQL. The gateway passes GOVCHAT_DB_POOL_SIZE and GOVCHAT_DB_MAX_OVERFLOW;
    the defaults are SQLAlchemy's own, plenty for the command-line tools and tests, which use a connection or two."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
            # WAL lets readers proceed while one writer commits; foreign keys are off by default in SQLite.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work outside a request (jobs, background tasks): commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.sessionmaker) as session:
        yield session


# scope="function": the commit happens before the response is sent, so whatever a reply announces is durable.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
