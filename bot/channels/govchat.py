"""The gateway's channel into Rasa: one POST per citizen message, all bot utterances and the NLU parse back.

Contract (docs/dialogue.md): POST /webhooks/govchat/webhook, ``Authorization: Bearer <GOVCHAT_RASA_TOKEN>``,
body ``{"sender", "message", "metadata"}``; response ``{"messages": [{"text", "buttons", "custom"}], "nlu": {...}}``
with one element per utterance and text, buttons and custom kept together.
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

TOKEN_ENV = "GOVCHAT_RASA_TOKEN"
DEFAULT_TOKEN = "dev-rasa-token"
MAX_SENDER_CHARS = 200
MAX_MESSAGE_CHARS = 5000  # the gateway enforces the real, smaller limit
# Rasa reads, replays and serialises every event of the current session on each message, so latency grows with
# the conversation (docs/performance.md). Past this many events, with no form in progress (or application confirmed
# but not stored), a new session starts;
# carry_over_slots_to_new_session keeps the context (current guide) in the new one.
MAX_SESSION_EVENTS = int(os.environ.get("GOVCHAT_MAX_SESSION_EVENTS", "200"))


def _buttons(raw: Any) -> Optional[List[Dict[Text, Text]]]:
    if not raw:
        return None
    return [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in raw]


class GovchatOutput(CollectingOutputChannel):
    """Collects one element per utterance; Rasa's default would split custom and buttons into separate ones."""

    @classmethod
    def name(cls) -> Text:
        return "govchat"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        custom = message.get("custom")
        extras = {k: message[k] for k in ("image", "attachment") if message.get(k)}
        if extras:
            custom = {**(custom or {}), **extras}
        self.messages.append(
            {
                "text": message.get("text"),
                "buttons": _buttons(message.get("buttons") or message.get("quick_replies")),
                "custom": custom or None,
            }
        )


def _holds_work(tracker: DialogueStateTracker) -> bool:
    """A form in progress, or an application confirmed but not stored (the action server or the gateway failed):
    a new session would lose its answers, since carrying slots over needs the action server too."""
    return bool(tracker.active_loop_name) or tracker.get_slot("sr_confirmed") is True


class GovchatInput(InputChannel):
    def __init__(self, token: Optional[Text] = None) -> None:
        self.token = token or os.environ.get(TOKEN_ENV) or DEFAULT_TOKEN

    @classmethod
    def name(cls) -> Text:
        return "govchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GovchatInput":
        # The token comes from the environment, never from credentials.yml in the repository.
        return cls()

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, supplied = header.partition(" ")
        if scheme.lower() != "bearer" or not supplied:
            return False
        return hmac.compare_digest(supplied.strip().encode(), self.token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("govchat_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            try:
                body = request.json
            except Exception:  # sanic raises its own error types for bad JSON
                body = None
            if not isinstance(body, dict):
                return response.json({"error": "body must be a JSON object"}, status=400)
            sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata") or {}
            if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS:
                return response.json({"error": "sender must be a non-empty string"}, status=400)
            if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
                return response.json({"error": "message must be a string"}, status=400)
            if not isinstance(metadata, dict):
                return response.json({"error": "metadata must be an object"}, status=400)

            collector = GovchatOutput()
            await on_new_message(
                UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
            )
            tracker = await self._tracker(request, sender)
            nlu = self._parse_of_this_message(tracker)
            if tracker is not None and len(tracker.events) > MAX_SESSION_EVENTS and not _holds_work(tracker):
                await on_new_message(
                    UserMessage("/session_start", GovchatOutput(), sender, input_channel=self.name(), metadata=metadata)
                )
            return response.json({"messages": collector.messages, "nlu": nlu})

        return hook

    @staticmethod
    async def _tracker(request: Request, sender: Text) -> Optional[DialogueStateTracker]:
        """The conversation's current session, read back once the message is handled."""
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return None
        tracker: Optional[DialogueStateTracker] = await agent.tracker_store.retrieve(sender)
        return tracker

    @staticmethod
    def _parse_of_this_message(tracker: Optional[DialogueStateTracker]) -> Dict[Text, Any]:
        """What NLU understood of the message just handled."""
        empty: Dict[Text, Any] = {"intent": None, "confidence": None, "entities": []}
        if tracker is None:
            return empty
        parse = tracker.latest_message.parse_data if tracker.latest_message else {}
        intent = parse.get("intent") or {}
        return {
            "intent": intent.get("name"),
            "confidence": intent.get("confidence"),
            "entities": [
                {k: e.get(k) for k in ("entity", "value", "start", "end", "confidence_entity", "extractor")}
                for e in parse.get("entities") or []
            ],
        }
