"""bot/rasa_main.py: both CPU fixes behave exactly as Rasa does (action response validation, event class lookup)."""

import textwrap

import pytest

from tests.bot.rasa_env import run_in_rasa_env

pytestmark = pytest.mark.e2e

CHECK = textwrap.dedent(
    """
    import jsonschema
    from rasa.core.actions.action import RemoteAction
    from rasa_main import reuse_action_response_validator

    action = RemoteAction("action_x", None)
    responses = [
        {"events": [{"event": "slot", "name": "guide", "value": "g1"}], "responses": [{"text": "好的"}]},
        {"events": [], "responses": []},
        {"events": "not a list", "responses": []},
        {"events": [{"no_event_key": 1}], "responses": []},
        {"events": [{"event": "slot", "name": "guide", "value": "g1"}], "responses": "x"},
        {"events": [], "responses": [], "unknown": {"deep": [1, 2]}},
    ]

    def outcome(response):
        try:
            return action._validate_action_result(response)
        except jsonschema.ValidationError as error:
            return ("error", error.message, list(error.absolute_path))

    before = [outcome(r) for r in responses]
    assert reuse_action_response_validator()
    after = [outcome(r) for r in responses]
    assert after == before, (before, after)
    assert [o is True for o in after] == [True, True, False, False, False, True], after
    print("ok")
    """
)


def test_patched_validator_matches_rasa() -> None:
    run_in_rasa_env(CHECK)


EVENTS = textwrap.dedent(
    """
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
    from rasa_main import remember_event_classes

    names = ["user", "action", "slot", "bot", "session_started", "active_loop", "followup"]
    before = [Event.resolve_by_type(n) for n in names]
    assert remember_event_classes()
    assert [Event.resolve_by_type(n) for n in names] == before
    assert [Event.resolve_by_type(n) for n in names] == before  # remembered
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    try:
        Event.resolve_by_type("no_such_event")
    except ValueError as error:
        assert "Unknown event name 'no_such_event'" in str(error)
    else:
        raise AssertionError("an unknown event name must still raise")
    events = [UserUttered("你好", {"name": "greet", "confidence": 0.9}), ActionExecuted("utter_greet"), SlotSet("a", 1)]
    assert Event.from_parameters(events[0].as_dict()) == events[0]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events
    print("ok")
    """
)


def test_remembered_event_classes_match_rasa() -> None:
    run_in_rasa_env(EVENTS)
