"""Retention of Rasa's tracker store: a sender's events go with its conversation, and nothing goes in a dry run."""

import json
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, func, insert, select

from api.conversations.models import ConversationState
from api.db import session_scope, utcnow
from api.retention import service
from api.retention.schemas import RetentionReport
from govchat.settings import Settings
from tests.api.staff.factories import ID_NUMBER, PHONE, SAMPLE_TURNS, make_conversation, staff_client

# The shape of Rasa 3.6's SQLTrackerStore.SQLEvent (rasa/core/tracker_store.py).
RASA_EVENTS = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
EVENTS_PER_SENDER = 3


def add_events(url: str, sender_days: dict[str, int]) -> None:
    """EVENTS_PER_SENDER events per sender, the last one `days` ago, the citizen's text with personal data in."""
    engine = create_engine(url)
    try:
        RASA_EVENTS.create(engine, checkfirst=True)
        with engine.begin() as connection:
            for sender, days in sender_days.items():
                last = (utcnow() - timedelta(days=days)).timestamp()
                text = f"身份证 {ID_NUMBER}，手机 {PHONE}"
                rows = [
                    ("action", last - 60, None, "action_listen", {"event": "action", "name": "action_listen"}),
                    ("user", last - 30, "ask_service", None, {"event": "user", "text": text}),
                    ("bot", last, None, None, {"event": "bot", "text": "好的"}),
                ]
                connection.execute(insert(RASA_EVENTS), [
                    {"sender_id": sender, "type_name": type_name, "timestamp": timestamp, "intent_name": intent,
                     "action_name": action, "data": json.dumps(data, ensure_ascii=False)}
                    for type_name, timestamp, intent, action, data in rows
                ])
    finally:
        engine.dispose()


def events_by_sender(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = select(RASA_EVENTS.c.sender_id, func.count()).group_by(RASA_EVENTS.c.sender_id)
            return dict(connection.execute(query).all())
    finally:
        engine.dispose()


def _run(client: TestClient, settings: Settings, *, dry_run: bool) -> RetentionReport:
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        return service.run(session=session, settings=settings, dry_run=dry_run)


def test_old_tracker_events_go_with_their_conversations(client: TestClient, migrated_settings: Settings) -> None:
    old, ancient = utcnow() - timedelta(days=400), utcnow() - timedelta(days=1000)
    make_conversation(client, session_id="old-anon", turns=SAMPLE_TURNS, created_at=old)
    make_conversation(client, session_id="new-anon", turns=SAMPLE_TURNS)
    make_conversation(client, session_id="old-id", turns=SAMPLE_TURNS, created_at=ancient, identified=True)
    make_conversation(client, session_id="recent-id", turns=SAMPLE_TURNS, created_at=old, identified=True)
    make_conversation(client, session_id="old-wait", turns=SAMPLE_TURNS, created_at=old,
                      state=ConversationState.WAITING)
    # Staff have held it recently while Rasa stayed silent: the gateway keeps it, so Rasa's old events stay too.
    make_conversation(client, session_id="staff-lately", turns=SAMPLE_TURNS)
    url = migrated_settings.rasa_tracker_url
    add_events(url, {
        "old-anon": 400, "new-anon": 1, "old-id": 1000, "recent-id": 400, "old-wait": 400, "staff-lately": 400,
        "govchat-warm-up-old": 200, "govchat-warm-up-new": 10,  # senders the gateway does not know
    })
    gone = {"old-anon", "old-id", "govchat-warm-up-old"}
    kept = {"new-anon", "recent-id", "old-wait", "staff-lately", "govchat-warm-up-new"}
    before = events_by_sender(url)

    report = _run(client, migrated_settings, dry_run=True)
    assert report.tracker_events_to_delete == len(gone) * EVENTS_PER_SENDER
    assert events_by_sender(url) == before

    done = _run(client, migrated_settings, dry_run=False)
    assert done.tracker_events_to_delete == len(gone) * EVENTS_PER_SENDER
    assert events_by_sender(url) == {sender: EVENTS_PER_SENDER for sender in kept}
    assert _run(client, migrated_settings, dry_run=True).tracker_events_to_delete == 0


def test_report_shows_tracker_events(client: TestClient, migrated_settings: Settings) -> None:
    add_events(migrated_settings.rasa_tracker_url, {"govchat-warm-up-old": 200})
    report = staff_client(client, "admin").get("/api/v1/retention/report").json()
    assert report["tracker_events_to_delete"] == EVENTS_PER_SENDER


def test_rasa_never_started(client: TestClient, migrated_settings: Settings) -> None:
    tracker_file = Path(migrated_settings.rasa_tracker_url.removeprefix("sqlite:///"))
    make_conversation(client, session_id="old-anon", turns=SAMPLE_TURNS, created_at=utcnow() - timedelta(days=400))
    assert _run(client, migrated_settings, dry_run=False).tracker_events_to_delete == 0
    assert not tracker_file.exists()  # left for Rasa to create

    create_engine(migrated_settings.rasa_tracker_url).connect().close()  # the file, but no `events` table yet
    assert tracker_file.exists()
    assert _run(client, migrated_settings, dry_run=False).tracker_events_to_delete == 0
