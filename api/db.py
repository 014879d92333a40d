"""Database engine and sessions. SQLite file by default; PostgreSQL by setting GOVCHAT_DATABASE_URL.

One session per request; services flush, the request boundary commits once.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, Dialect, Engine, TypeDecorator, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from govchat.files import private_file, sqlite_path
from govchat.localtime import as_utc
from govchat.text import clean, strip_controls


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Times come back from every database as aware UTC (SQLite drops the zone), so the API always sends the
    offset (the OpenAPI date-time format) and browsers never read a UTC time as their own local one."""

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


def _scrub_json(value: Any) -> Any:
    """Control characters out of every string in a JSON value; lone surrogates are left for _clean_parameters."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {strip_controls(str(k)): _scrub_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(v) for v in value]
    return value


def _json_serializer(value: Any) -> str:
    # ensure_ascii=False: a lone surrogate stays a character that _clean_parameters refuses, not a \ud800 escape
    # that would come back out of the database and fail in a response.
    return json.dumps(_scrub_json(value), ensure_ascii=False)


def _clean_row(row: Any) -> Any:
    if isinstance(row, dict):
        return {key: clean(value) if isinstance(value, str) else value for key, value in row.items()}
    return type(row)(clean(value) if isinstance(value, str) else value for value in row)


def _clean_parameters(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
) -> tuple[str, Any]:
    """Every string written to (or looked up in) the database passes govchat.text.clean: one place, whichever code
    path (ORM, bulk INSERT, Core UPDATE) stores it. A lone surrogate raises UnencodableText (422)."""
    # Several rows (executemany) or one; a batched multi-row INSERT also arrives as one flat row.
    if isinstance(parameters, list) and parameters and isinstance(parameters[0], tuple | list | dict):
        return statement, [_clean_row(row) for row in parameters]
    return statement, _clean_row(parameters)


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10) -> Engine:
    """The pool arguments apply to PostgreSQL. The gateway passes GOVCHAT_DB_POOL_SIZE and GOVCHAT_DB_MAX_OVERFLOW;
    the defaults are SQLAlchemy's own, plenty for the command-line tools and tests, which use a connection or two."""
    if url.startswith("sqlite"):
        if (path := sqlite_path(url)) is not None:
            private_file(path)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, json_serializer=_json_serializer
        )
        event.listen(engine, "before_cursor_execute", _clean_parameters, retval=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
            # WAL lets readers proceed while one writer commits; foreign keys are off by default in SQLite.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = create_engine(
        url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow, json_serializer=_json_serializer
    )
    event.listen(engine, "before_cursor_execute", _clean_parameters, retval=True)
    return engine


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
