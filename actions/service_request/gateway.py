"""The gateway's request API, as the action server calls it: httpx with explicit timeouts and the service token.

``GatewayUnavailable`` means we do not know whether the gateway acted (down, timeout, 5xx): the citizen is told
nothing was confirmed and may retry with the same idempotency key. ``GatewayRefused`` carries the gateway's
problem+json ``code`` and its Chinese ``detail``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import httpx

from govchat import calendar
from govchat.settings import get_settings

logger = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(8.0, connect=2.0)
PREFIX = "/api/v1/service-requests"

_transport: httpx.AsyncBaseTransport | None = None


class GatewayUnavailable(Exception):
    pass


class GatewayRefused(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail


def use_transport(transport: httpx.AsyncBaseTransport | None) -> None:
    """Tests put a fake gateway behind the real client."""
    global _transport
    _transport = transport


def _client() -> httpx.AsyncClient:
    settings = get_settings()
    return httpx.AsyncClient(
        base_url=settings.gateway_url,
        timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {settings.service_token.get_secret_value()}"},
        transport=_transport,
    )


async def _call(method: str, path: str, *, prefix: str = PREFIX, **kwargs: Any) -> dict[str, Any]:
    try:
        async with _client() as client:
            response = await client.request(method, prefix + path, **kwargs)
    except httpx.HTTPError as exc:
        logger.warning("gateway %s %s failed: %s", method, path, type(exc).__name__)
        raise GatewayUnavailable(str(exc)) from exc
    if response.status_code >= 500:
        logger.warning("gateway %s %s answered %d", method, path, response.status_code)
        raise GatewayUnavailable(f"status {response.status_code}")
    try:
        body: dict[str, Any] = response.json()
    except ValueError as exc:
        raise GatewayUnavailable("not JSON") from exc
    if response.status_code >= 400:
        raise GatewayRefused(response.status_code, str(body.get("code", "")), str(body.get("detail", "")))
    return body


async def create_request(payload: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
    return await _call("POST", "", json=payload, headers={"Idempotency-Key": idempotency_key})


async def available_slots(*, office: str, guide_id: str | None) -> list[dict[str, Any]]:
    """Free places at an office; with a guide, the gateway also checks the office is one of the guide's."""
    params = {"office": office, **({"guide_id": guide_id} if guide_id else {})}
    body = await _call("GET", "/slots", params=params)
    slots: list[dict[str, Any]] = body.get("slots", [])
    return slots


async def booking_day(day: dt.date) -> calendar.BookingDay:
    return calendar.BookingDay.model_validate(await _call("GET", f"/days/{day.isoformat()}"))


async def lookup(*, tracking_no: str, verifier: str) -> dict[str, Any]:
    """A single request, or a bundle (it has ``items``): one lookup knows both kinds of number."""
    return await _call("POST", "/lookup", json={"tracking_no": tracking_no, "verifier": verifier})


async def session_applications(*, session_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The single requests and the bundles made in this conversation (the Rasa sender id is the gateway's session
    id), newest first."""
    body = await _call("GET", f"/by-session/{session_id}")
    return list(body.get("requests", [])), list(body.get("bundles", []))


async def create_bundle(payload: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
    return await _call(
        "POST", "", prefix="/api/v1/bundle-requests", json=payload, headers={"Idempotency-Key": idempotency_key}
    )


async def cancel(*, tracking_no: str, verifier: str) -> dict[str, Any]:
    return await _call("POST", f"/{tracking_no}/cancel", json={"verifier": verifier})


async def rate_from_chat(*, tracking_no: str, session_id: str, level: str) -> dict[str, Any]:
    payload = {"tracking_no": tracking_no, "session_id": session_id, "level": level}
    return await _call("POST", "/from-chat", prefix="/api/v1/ratings", json=payload)
