"""Rasa's tracker store: its SQL `events` table holds every event of a dialogue, the citizen's raw text included, and
Rasa never deletes any. The retention job (api/retention/service.py) decides which senders are past retention; this
module finds, counts and deletes their events, in batches, in the database of settings.rasa_tracker_url.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    Column,
    ColumnElement,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import make_url

BATCH = 500

# The columns this job needs of Rasa 3.6's SQLTrackerStore.SQLEvent (rasa/core/tracker_store.py); Rasa creates and
# owns the table. `timestamp` is unix seconds.
EVENTS = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("timestamp", Float),
)


@contextmanager
def open_store(url: str) -> Iterator[Engine | None]:
    """The tracker store's engine, or None while Rasa has never started (no SQLite file, or no `events` table)."""
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    # Connecting would create an empty SQLite file; Rasa should be the one to create it.
    if is_sqlite and parsed.database and not Path(parsed.database).exists():
        yield None
        return
    # Rasa may be writing to the SQLite file at the same time: wait for its lock rather than fail after 5 s.
    engine = create_engine(url, connect_args={"timeout": 30} if is_sqlite else {})
    try:
        yield engine if inspect(engine).has_table(EVENTS.name) else None
    finally:
        engine.dispose()


def stale_senders(engine: Engine, before: float) -> list[str]:
    """Senders whose last event is older than `before` (unix seconds): dialogues nobody has continued since."""
    query = select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(func.max(EVENTS.c.timestamp) < before)
    with engine.connect() as connection:
        return list(connection.scalars(query).all())


def count_events(engine: Engine, senders: list[str], before: float) -> int:
    total = 0
    with engine.connect() as connection:
        for start in range(0, len(senders), BATCH):
            total += connection.scalar(
                select(func.count()).select_from(EVENTS).where(*_old_events_of(senders[start:start + BATCH], before))
            ) or 0
    return total


def delete_events(engine: Engine, senders: list[str], before: float) -> int:
    """Deletes in one transaction per batch, so Rasa is never blocked for long."""
    total = 0
    for start in range(0, len(senders), BATCH):
        with engine.begin() as connection:
            total += connection.execute(
                delete(EVENTS).where(*_old_events_of(senders[start:start + BATCH], before))
            ).rowcount
    return total


def _old_events_of(senders: list[str], before: float) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    # `before` again: a citizen who wrote since the senders were chosen keeps the new events.
    return EVENTS.c.sender_id.in_(senders), EVENTS.c.timestamp < before
