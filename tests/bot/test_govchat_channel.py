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
