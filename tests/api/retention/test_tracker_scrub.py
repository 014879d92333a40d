"""Rasa's tracker store keeps nothing of a service-request form the citizen abandoned, and only masked values of one
they submitted: tested on a SQLite file with the table Rasa 3.6's SQLTrackerStore creates."""

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, select

from actions.service_request.form import ID_NUMBER, NAME, PHONE
from api.conversations.models import Message
from api.db import session_scope
from api.retention import tracker
from govchat.masking import PERSONAL_SLOTS, FormOutcome
from govchat.settings import Settings
from tests.api.staff.test_retention_tracker import RASA_EVENTS  # Rasa 3.6's events table
from tests.conftest import FakeRasa, new_session

SENDER, OTHER = "web-citizen-1", "web-someone-else"
TYPED = ["张晓梅", "５２０１０２ １９９００１０１ １２３ｘ", "+86 139-8501-2345"]
SECRETS = ["张晓梅", "晓梅", "52010219900101123X", "19900101", "１９９００１０１", "13985012345", "8501"]


def _user(text: str, at: float) -> dict[str, Any]:
    parse = {"intent": {"name": "inform", "confidence": 0.9}, "entities": [], "text": text, "message_id": "m1",
             "metadata": {}, "intent_ranking": [{"name": "inform", "confidence": 0.9}]}
    return {"event": "user", "timestamp": at, "metadata": {"channel": "web"}, "text": text, "parse_data": parse,
            "input_channel": "govchat", "message_id": "m1"}


def _slot(name: str, value: Any, at: float) -> dict[str, Any]:
    return {"event": "slot", "timestamp": at, "name": name, "value": value}


def _bot(text: str, at: float) -> dict[str, Any]:
    return {"event": "bot", "timestamp": at, "metadata": {}, "text": text, "data": {"custom": {"turn": {}}}}


def dialogue() -> list[dict[str, Any]]:
    """A form filled in, its summary shown, then left with "算了不办了" (which resets the slots)."""
    return [
        _user("我要办理", 1.0), _bot("请问申请人的姓名是？", 1.1),
        _user(TYPED[0], 2.0), _slot("sr_name", TYPED[0], 2.1), _slot("sr_name", "张晓梅", 2.2),
        _user(TYPED[1], 3.0), _slot("sr_id_number", TYPED[1], 3.1), _slot("sr_id_number", "52010219900101123X", 3.2),
        _user(TYPED[2], 4.0), _slot("sr_phone", "13985012345", 4.1),
        _bot("请核对：\n申请人：张晓梅\n身份证号：520102********123X\n手机号码：139****2345", 4.2),
        _user("算了不办了", 5.0), _bot("好的，已为您退出本次办理，您填写的信息不会保存。", 5.1),
        {"event": "active_loop", "timestamp": 5.2, "name": None},
        _slot("sr_name", None, 5.3), _slot("sr_id_number", None, 5.3), _slot("sr_phone", None, 5.3),
    ]


def make_store(path: Path, senders: tuple[str, ...] = (SENDER, OTHER)) -> str:
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    RASA_EVENTS.metadata.create_all(engine)
    with engine.begin() as connection:
        for sender in senders:
            for event in dialogue():
                connection.execute(insert(RASA_EVENTS).values(
                    sender_id=sender, type_name=event["event"], timestamp=event["timestamp"],
                    intent_name=(event.get("parse_data") or {}).get("intent", {}).get("name"),
                    action_name=event.get("name"), data=json.dumps(event),  # as Rasa writes it: ASCII escapes
                ))
    engine.dispose()
    return url


def stored(url: str, sender: str) -> list[dict[str, Any]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(RASA_EVENTS.c.data).where(RASA_EVENTS.c.sender_id == sender).order_by(RASA_EVENTS.c.id)
        ).scalars().all()
    engine.dispose()
    return [json.loads(row) for row in rows]


def slot_values(events: list[dict[str, Any]], name: str) -> list[Any]:
    return [e["value"] for e in events if e["event"] == "slot" and e["name"] == name]


def test_the_personal_slots_are_the_forms() -> None:
    assert set(PERSONAL_SLOTS) == {NAME, ID_NUMBER, PHONE}


def test_an_abandoned_form_leaves_no_personal_data(tmp_path: Path) -> None:
    url = make_store(tmp_path / "rasa-tracker.db")
    assert set(tracker.scrub_sender(url, SENDER, FormOutcome.ABANDONED)) == {TYPED[0]}
    events = stored(url, SENDER)
    assert len(events) == len(dialogue())  # rewritten in place: Rasa counts the rows to know what is new
    for slot in PERSONAL_SLOTS:
        assert slot_values(events, slot) == [None] * len(slot_values(dialogue(), slot))
    text = json.dumps(events, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text, secret
    assert "520102********123X" in text and "139****2345" in text and "张**" in text
    assert stored(url, OTHER) == dialogue()  # another conversation is untouched


def test_a_submitted_form_keeps_only_masked_values(tmp_path: Path) -> None:
    url = make_store(tmp_path / "rasa-tracker.db")
    tracker.scrub_sender(url, SENDER, FormOutcome.SUBMITTED)
    events = stored(url, SENDER)
    assert slot_values(events, "sr_id_number")[:2] == ["520102********123X", "520102********123X"]
    assert slot_values(events, "sr_phone")[0] == "139****2345"
    assert slot_values(events, "sr_name")[:2] == ["张**", "张**"]
    text = json.dumps(events, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text, secret
    tracker.scrub_sender(url, SENDER, FormOutcome.SUBMITTED)
    assert stored(url, SENDER) == events  # a second scrub changes nothing


def test_nothing_is_left_in_the_file_either(tmp_path: Path) -> None:
    path = tmp_path / "rasa-tracker.db"
    url = make_store(path, senders=(SENDER,))
    assert b"52010219900101123X" in path.read_bytes()
    tracker.scrub_sender(url, SENDER, FormOutcome.ABANDONED)
    raw = path.read_bytes()
    assert b"52010219900101123X" not in raw and b"13985012345" not in raw and b"19900101" not in raw


def test_after_a_lookup_only_the_verifier_is_masked(tmp_path: Path) -> None:
    url = make_store(tmp_path / "rasa-tracker.db", senders=())
    engine = create_engine(url)
    lookup = [_user("GZ20261126ABCD2345", 1.0), _slot("sr_tracking_no", "GZ20261126ABCD2345", 1.1),
              _user("出生日期1990年1月1日", 2.0), _slot("sr_verifier", "19900101", 2.1),
              _slot("sr_id_number", "52010219900101123X", 2.2), _slot("sr_date", "2026-12-03", 2.3)]
    with engine.begin() as connection:
        for event in lookup:
            connection.execute(insert(RASA_EVENTS).values(sender_id=SENDER, type_name=event["event"],
                                                          timestamp=event["timestamp"], data=json.dumps(event)))
    engine.dispose()
    tracker.scrub_sender(url, SENDER, FormOutcome.VERIFIED)
    events = stored(url, SENDER)
    assert slot_values(events, "sr_verifier") == ["********"]
    assert events[2]["text"] == events[2]["parse_data"]["text"] == "出生日期********"
    assert events[0]["text"] == "GZ20261126ABCD2345" and slot_values(events, "sr_tracking_no") == ["GZ20261126ABCD2345"]
    # Another form's slots are left as they are: it may still be running.
    assert slot_values(events, "sr_id_number") == ["52010219900101123X"]
    assert slot_values(events, "sr_date") == ["2026-12-03"]


def test_no_store_yet_is_nothing_to_scrub(tmp_path: Path) -> None:
    assert tracker.scrub_sender(f"sqlite:///{tmp_path / 'missing.db'}", SENDER, FormOutcome.ABANDONED) == []
    assert not (tmp_path / "missing.db").exists()


def test_the_chat_scrubs_when_the_actions_say_the_form_ended(
    client: TestClient, fake_rasa: FakeRasa, migrated_settings: Settings, tmp_path: Path
) -> None:
    sender = new_session(client)
    url = make_store(Path(migrated_settings.rasa_tracker_url.removeprefix("sqlite:///")), senders=(sender, OTHER))

    def rasa(body: dict[str, Any]) -> dict[str, Any]:
        stop = body["message"] == "算了不办了"
        custom = {"turn": {}, "personal_data": "abandoned"} if stop else {"turn": {}}
        return {"messages": [{"text": "好的，您填写的信息不会保存。" if stop else "请继续", "custom": custom}],
                "nlu": {"intent": "stop" if stop else "inform", "confidence": 0.99, "entities": []}}

    fake_rasa.handler = rasa
    for text in TYPED:  # the gateway's own copy of the conversation
        client.post("/api/v1/chat", json={"session_id": sender, "text": text})
    response = client.post("/api/v1/chat", json={"session_id": sender, "text": "算了不办了"})
    assert response.status_code == 200, response.text
    assert "52010219900101123X" not in json.dumps(stored(url, sender), ensure_ascii=False)
    assert stored(url, OTHER) == dialogue()
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        texts = " ".join(session.scalars(select(Message.text)).all())
    for secret in SECRETS:
        assert secret not in texts, secret
    assert "张**" in texts and "520102********123X" in texts


def test_the_verifier_is_not_kept_in_the_transcript(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.handler = lambda body: {
        "messages": [{"text": "您的申请（受理编号 GZ20261126ABCD2345）当前状态：已提交。", "buttons": None,
                      "custom": {"turn": {}, "personal_data": "verified"}}],
        "nlu": {"intent": "inform", "confidence": 0.9, "entities": []},
    }
    sender = new_session(client)
    response = client.post("/api/v1/chat", json={"session_id": sender, "text": "GZ20261126ABCD2345 1990年1月1日"})
    assert response.status_code == 200, response.text
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        texts = session.scalars(select(Message.text).order_by(Message.id)).all()
    assert texts[0] == "GZ20261126ABCD2345 ********"


def test_the_retention_job_scrubs_forms_left_unfinished_for_a_day(migrated_settings: Settings) -> None:
    from datetime import UTC, datetime, timedelta

    from api.db import make_engine, make_sessionmaker
    from api.retention import service

    url = make_store(Path(migrated_settings.rasa_tracker_url.removeprefix("sqlite:///")))
    left_at = datetime.fromtimestamp(5.3, UTC)
    engine = make_engine(migrated_settings.database_url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:

        def run(hours: int, dry_run: bool) -> int:
            now = left_at + timedelta(hours=hours)
            return service.run(session=session, settings=migrated_settings, dry_run=dry_run, now=now) \
                .unfinished_forms_to_scrub

        assert run(23, dry_run=False) == 0 and stored(url, SENDER) == dialogue()
        assert run(48, dry_run=True) == 2 and stored(url, SENDER) == dialogue()  # a dry run changes nothing
        assert run(48, dry_run=False) == 2
        assert run(72, dry_run=True) == 0  # scrubbed senders are not picked again
    engine.dispose()
    for sender in (SENDER, OTHER):
        text = json.dumps(stored(url, sender), ensure_ascii=False)
        assert "52010219900101123X" not in text and "13985012345" not in text and "张晓梅" not in text
