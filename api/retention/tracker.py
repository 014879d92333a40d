"""Rasa's tracker store: its SQL `events` table holds every event of a dialogue, the citizen's raw text included, and
Rasa never deletes any. The retention job (api/retention/service.py) decides which senders are past retention; this
module finds, counts and deletes their events, in batches, in the database of settings.rasa_tracker_url. It also
rewrites a sender's events when a service-request form ends (``scrub_sender``), so the name, ID number and phone
the citizen typed are not kept there for months.
"""

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from govchat.masking import PERSONAL_SLOTS, VERIFIER_SLOTS, FormOutcome, mask_birth_dates, mask_text

logger = logging.getLogger(__name__)

BATCH = 500

# The columns this module needs of Rasa 3.6's SQLTrackerStore.SQLEvent (rasa/core/tracker_store.py); Rasa creates and
# owns the table. `timestamp` is unix seconds; `data` is the event as JSON (Event.as_dict()).
EVENTS = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("data", Text),
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


def scrub_sender(url: str, sender_id: str, outcome: FormOutcome) -> list[str]:
    """Rewrites every stored event of a sender whose service-request form just ended: the form's name, ID number
    and phone slot values are removed (abandoned) or masked (submitted), and ID numbers, phone numbers and the
    applicant's name are masked in every text (the citizen's messages, their NLU parse, the bot's summary). After a
    tracking or cancelling form (verified), its verifier slot and the dates in the citizen's messages are masked.

    Returns the names the form held, so the caller can mask them elsewhere too. Rows are updated in place, never
    deleted: Rasa appends only the events beyond the number it has stored. A failure is logged and the chat goes on;
    the retention job deletes the events later in any case."""
    try:
        with open_store(url) as engine:
            return [] if engine is None else scrub(engine, sender_id, outcome)
    except SQLAlchemyError:
        logger.warning("could not scrub personal data from Rasa's tracker store", exc_info=True)
        return []


def scrub(engine: Engine, sender_id: str, outcome: FormOutcome) -> list[str]:
    """`scrub_sender` on an open store, for the retention job's many senders; errors are the caller's."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            # Otherwise the old text stays readable in the file's free space until SQLite reuses the page.
            connection.exec_driver_sql("PRAGMA secure_delete = ON")
        rows = connection.execute(
            select(EVENTS.c.id, EVENTS.c.type_name, EVENTS.c.data).where(EVENTS.c.sender_id == sender_id)
        ).all()
        events = [(row.id, row.type_name, json.loads(row.data or "null")) for row in rows]
        # The name typed as an answer is known from the form's own slot, so it is found in every text.
        names = [data["value"] for _, kind, data in events if kind == "slot" and _is_slot(data, "sr_name")]
        slots = VERIFIER_SLOTS if outcome == FormOutcome.VERIFIED else PERSONAL_SLOTS
        for event_id, kind, data in events:
            if kind == "slot":
                # Only the ended form's slots: another form may still be running on the others.
                if not (isinstance(data, dict) and data.get("name") in slots and isinstance(data.get("value"), str)):
                    continue
                mask = slots[data["name"]]
                value = None if outcome == FormOutcome.ABANDONED else mask(mask_text(data["value"], names))
                scrubbed: Any = {**data, "value": value}
            else:
                scrubbed = _masked(data, lambda text: mask_text(text, names))
                if kind == "user" and outcome == FormOutcome.VERIFIED:
                    scrubbed = _masked(scrubbed, mask_birth_dates)
            if scrubbed != data:
                connection.execute(update(EVENTS).where(EVENTS.c.id == event_id).values(
                    data=json.dumps(scrubbed, ensure_ascii=False)
                ))
        return names


def unfinished_form_senders(engine: Engine, before: float) -> list[str]:
    """Senders idle since `before` (unix seconds) whose events still hold a form's name, ID number or phone as typed:
    the citizen left the form without finishing or stopping it. Scrubbed values are null or masked (with '*')."""
    holds = or_(*(EVENTS.c.data.like(f'%"name": "{slot}"%') for slot in PERSONAL_SLOTS))
    idle = select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(func.max(EVENTS.c.timestamp) < before)
    query = select(EVENTS.c.sender_id).distinct().where(
        EVENTS.c.type_name == "slot", holds, EVENTS.c.data.not_like('%"value": null%'), EVENTS.c.data.not_like("%*%"),
        EVENTS.c.sender_id.in_(idle),
    )
    with engine.connect() as connection:
        return list(connection.scalars(query).all())


def _is_slot(data: Any, name: str) -> bool:
    return isinstance(data, dict) and data.get("name") == name and isinstance(data.get("value"), str)


def _masked(value: Any, mask: Callable[[str], str]) -> Any:
    """Every string inside an event's JSON."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: _masked(item, mask) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, mask) for item in value]
    return value
