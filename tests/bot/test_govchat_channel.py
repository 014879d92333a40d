"""The govchat input channel, run in the Rasa environment (Python 3.10) where its imports live."""

import textwrap

import pytest

from tests.bot.rasa_env import run_in_rasa_env

pytestmark = pytest.mark.e2e

CHECK = textwrap.dedent(
    """
    import asyncio, types
    from channels.govchat import GovchatInput, GovchatOutput

    out = GovchatOutput()
    asyncio.run(out.send_response("c1", {
        "text": "答案\\n\\n来源", "buttons": [{"title": "要多少钱", "payload": "/ask_service", "type": "postback"}],
        "custom": {"turn": {"handover": False}},
    }))
    asyncio.run(out.send_response("c1", {"text": "第二句"}))
    assert out.messages == [
        {"text": "答案\\n\\n来源", "buttons": [{"title": "要多少钱", "payload": "/ask_service"}],
         "custom": {"turn": {"handover": False}}},
        {"text": "第二句", "buttons": None, "custom": None},
    ], out.messages

    channel = GovchatInput.from_credentials(None)
    assert channel.token == "chan-token"
    def req(header):
        return types.SimpleNamespace(headers={"Authorization": header} if header else {})
    assert channel._authorised(req("Bearer chan-token"))
    assert not channel._authorised(req("Bearer wrong"))
    assert not channel._authorised(req("chan-token"))
    assert not channel._authorised(req(None))
    print("ok")
    """
)


def test_output_keeps_each_utterance_together_and_input_checks_the_token() -> None:
    run_in_rasa_env(CHECK, GOVCHAT_RASA_TOKEN="chan-token")


HOLDS_WORK = textwrap.dedent(
    """
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActiveLoop, SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker
    from channels.govchat import _holds_work

    domain = Domain.from_yaml('''
    version: "3.1"
    slots:
      sr_confirmed: {type: any, mappings: [{type: custom}]}
    forms:
      bundle_request_form: {required_slots: []}
    ''')
    def tracker(*events):
        return DialogueStateTracker.from_events("c1", list(events), slots=domain.slots)
    assert not _holds_work(tracker())
    assert _holds_work(tracker(ActiveLoop("bundle_request_form")))
    # Confirmed, but the submission failed: a new session now would lose the answers.
    assert _holds_work(tracker(SlotSet("sr_confirmed", True)))
    assert not _holds_work(tracker(SlotSet("sr_confirmed", None)))
    print("ok")
    """
)


def test_no_new_session_while_an_application_waits_to_be_stored() -> None:
    run_in_rasa_env(HOLDS_WORK)
