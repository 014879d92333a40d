import threading

import httpx
import pytest

from api.chat.rasa import RasaClient, RasaUnavailable
from govchat.settings import Settings


def test_messages_past_the_concurrency_limit_wait_then_get_busy(settings: Settings) -> None:
    """One message in Rasa at a time: a second one waits its queue time and fails cleanly; the first completes."""
    release = threading.Event()
    entered = threading.Event()

    def slow_rasa(request: httpx.Request) -> httpx.Response:
        entered.set()
        release.wait(5)
        return httpx.Response(200, json={"messages": [{"text": "您好"}]})

    limited = settings.model_copy(update={"rasa_concurrency": 1, "rasa_queue_seconds": 0.2})
    rasa = RasaClient(limited, transport=httpx.MockTransport(slow_rasa))
    replies = []
    first = threading.Thread(target=lambda: replies.append(rasa.send(sender="a", text="你好", metadata={})))
    first.start()
    assert entered.wait(5)
    with pytest.raises(RasaUnavailable, match="queue full"):
        rasa.send(sender="b", text="你好", metadata={})
    release.set()
    first.join(5)
    assert replies and replies[0].messages[0].text == "您好"
    assert rasa.send(sender="b", text="你好", metadata={}).messages[0].text == "您好"  # the slot was given back
