"""HTTP client for the Rasa server's govchat channel (bot/channels/govchat.py)."""

import logging
import threading
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from govchat.settings import Settings

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """The Rasa server (or the action server behind it) did not produce a usable reply."""


class RasaMessage(BaseModel):
    text: str | None = None
    buttons: list[dict[str, Any]] | None = None
    custom: dict[str, Any] | None = None


class RasaNlu(BaseModel):
    intent: str | None = None
    confidence: float | None = None
    entities: list[Any] = []


class RasaReply(BaseModel):
    messages: list[RasaMessage]
    nlu: RasaNlu = RasaNlu()


class RasaClient:
    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(
            base_url=settings.rasa_url,
            timeout=httpx.Timeout(settings.rasa_timeout_seconds, connect=3.0),
            headers={"Authorization": f"Bearer {settings.rasa_token.get_secret_value()}"},
            transport=transport,
        )
        self._token = settings.rasa_token.get_secret_value()
        self._in_flight = threading.BoundedSemaphore(settings.rasa_concurrency)
        self._queue_seconds = settings.rasa_queue_seconds

    def send(self, *, sender: str, text: str, metadata: dict[str, Any]) -> RasaReply:
        if not self._in_flight.acquire(timeout=self._queue_seconds):
            logger.warning("rasa busy: no free slot within %.0f s", self._queue_seconds)
            raise RasaUnavailable("queue full")
        try:
            response = self._client.post(
                "/webhooks/govchat/webhook", json={"sender": sender, "message": text, "metadata": metadata}
            )
            response.raise_for_status()
            return RasaReply.model_validate(response.json())
        except (httpx.HTTPError, ValueError, ValidationError) as exc:
            logger.warning("rasa request failed: %s", exc)
            raise RasaUnavailable(str(exc)) from exc
        finally:
            self._in_flight.release()

    def status(self) -> dict[str, Any]:
        """Rasa's /status: answers only once a model is loaded. Raises RasaUnavailable otherwise."""
        try:
            response = self._client.get("/status", params={"token": self._token}, timeout=3.0)
            response.raise_for_status()
            body: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(str(exc)) from exc
        if not body.get("model_id"):
            raise RasaUnavailable("no model loaded")
        return body

    def close(self) -> None:
        self._client.close()
