"""Retention: dry-run report, deletion of old anonymous conversations, anonymisation of old identified ones."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.conversations.models import Conversation, ConversationState, Message
from api.db import session_scope, utcnow
from api.feedback.models import Rating, RatingLevel
from api.retention import __main__ as retention_cli
from api.retention.scheduler import seconds_until
from govchat.settings import Settings
from tests.api.staff.factories import ID_NUMBER, PHONE, SAMPLE_TURNS, make_conversation, staff_client


def _seed(client: TestClient) -> dict[str, int]:
    old = utcnow() - timedelta(days=400)
    ancient = utcnow() - timedelta(days=1000)
    return {
        "old_anonymous": make_conversation(client, session_id="old-anon", turns=SAMPLE_TURNS, created_at=old),
        "new_anonymous": make_conversation(client, session_id="new-anon", turns=SAMPLE_TURNS),
        "old_identified": make_conversation(client, session_id="old-id", turns=SAMPLE_TURNS, created_at=ancient,
                                            identified=True, callback_phone=PHONE),
        "recent_identified": make_conversation(client, session_id="recent-id", turns=SAMPLE_TURNS, created_at=old,
                                               identified=True),
        "old_waiting": make_conversation(client, session_id="old-wait", turns=SAMPLE_TURNS, created_at=old,
                                         state=ConversationState.WAITING),
    }


def test_dry_run_then_run(client: TestClient) -> None:
    ids = _seed(client)
    admin = staff_client(client, "admin")
    report = admin.get("/api/v1/retention/report").json()
    assert report["dry_run"] and report["anonymous_to_delete"] == 1 and report["identified_to_anonymise"] == 1
    assert report["skipped_open_handover"] == 1 and report["messages_affected"] == 12
    with session_scope(client.app.state.sessionmaker) as session:
        assert session.scalar(select(Conversation).where(Conversation.id == ids["old_anonymous"])) is not None

    done = admin.post("/api/v1/retention/run").json()
    assert not done["dry_run"]
    with session_scope(client.app.state.sessionmaker) as session:
        assert session.get(Conversation, ids["old_anonymous"]) is None
        assert session.scalars(select(Message).where(Message.conversation_id == ids["old_anonymous"])).all() == []
        for keep in ("new_anonymous", "recent_identified", "old_waiting"):
            assert session.get(Conversation, ids[keep]) is not None
        anonymised = session.get_one(Conversation, ids["old_identified"])
        assert anonymised.session_id == f"anon-{anonymised.id}" and anonymised.callback_phone is None
        texts = " ".join(m.text for m in anonymised.messages)
        assert ID_NUMBER not in texts and PHONE not in texts and "张三" not in texts and "张*" in texts
    again = admin.get("/api/v1/retention/report").json()
    assert again["anonymous_to_delete"] == 0 and again["identified_to_anonymise"] == 0
    assert admin.get("/api/v1/staff/audit", params={"action": "retention_run"}).json()["total"] == 1


def test_retention_is_admin_only(client: TestClient) -> None:
    for role in ("agent", "analyst"):
        staff = staff_client(client, role)
        assert staff.get("/api/v1/retention/report").status_code == 403
        assert staff.post("/api/v1/retention/run").status_code == 403


def test_cli_report(migrated_settings: Settings, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(retention_cli, "get_settings", lambda: migrated_settings)
    assert retention_cli.main(["report"]) == 0
    assert '"dry_run": true' in capsys.readouterr().out


def test_seconds_until_next_run() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    # 02:00 Beijing -> 03:00 is one hour away; 04:00 Beijing -> 23 hours.
    assert seconds_until(3, ZoneInfo("Asia/Shanghai"), datetime(2026, 1, 1, 18, 0, tzinfo=UTC)) == 3600
    assert seconds_until(3, ZoneInfo("Asia/Shanghai"), datetime(2026, 1, 1, 20, 0, tzinfo=UTC)) == 23 * 3600


def test_anonymising_masks_the_rating_comment_of_the_conversation(client: TestClient) -> None:
    """A 好差评 comment is the citizen's own free text: it goes with the conversation's other texts."""
    ancient = utcnow() - timedelta(days=1000)
    conversation_id = make_conversation(client, session_id="old-rated", turns=SAMPLE_TURNS, created_at=ancient,
                                        identified=True)
    with session_scope(client.app.state.sessionmaker) as session:
        session.add(Rating(conversation_id=conversation_id, level=RatingLevel.VERY_DISSATISFIED, score=1,
                           comment=f"身份证 {ID_NUMBER} 电话 {PHONE} 没人接", needs_follow_up=True,
                           follow_up_note=f"已拨打 {PHONE} 回访", created_at=ancient))
    assert staff_client(client, "admin").post("/api/v1/retention/run").json()["identified_to_anonymise"] == 1
    with session_scope(client.app.state.sessionmaker) as session:
        rating = session.scalars(select(Rating).where(Rating.conversation_id == conversation_id)).one()
        kept = f"{rating.comment} {rating.follow_up_note}"
        assert ID_NUMBER not in kept and PHONE not in kept and "138****5678" in kept


def test_skipped_counts_only_open_conversations_that_are_past_their_own_period(client: TestClient) -> None:
    old = utcnow() - timedelta(days=400)  # past the anonymous period, not the identified one
    make_conversation(client, session_id="old-wait", turns=SAMPLE_TURNS, created_at=old,
                      state=ConversationState.WAITING)
    make_conversation(client, session_id="old-id-wait", turns=SAMPLE_TURNS, created_at=old, identified=True,
                      state=ConversationState.HUMAN)
    report = staff_client(client, "admin").get("/api/v1/retention/report").json()
    assert report["skipped_open_handover"] == 1
