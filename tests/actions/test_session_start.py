import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.session_start import ActionSessionStart
from tests.actions.conftest import make_tracker

DOMAIN = {"slots": {"current_guide_id": {"type": "text"}, "failed_turns": {"type": "float", "initial_value": 0.0}}}


def test_a_new_session_carries_each_set_slot_once_and_nothing_else() -> None:
    tracker = make_tracker(
        slots={
            "current_guide_id": "id-card-replacement",
            "failed_turns": 0.0,  # at its initial value: nothing to carry
            "asked_aspect": None,
            "requested_slot": "sr_name",
            "session_started_metadata": {"channel": "web"},
        }
    )
    events = asyncio.run(ActionSessionStart().run(CollectingDispatcher(), tracker, DOMAIN))
    assert [e["event"] for e in events] == ["session_started", "slot", "action"]
    assert events[1]["name"] == "current_guide_id" and events[1]["value"] == "id-card-replacement"
    assert events[2]["name"] == "action_listen"
