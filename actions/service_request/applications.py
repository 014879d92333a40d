"""Sending a confirmed application to the gateway with the right idempotency key: shared by the single form
(actions/service_request/submit.py) and the combined form of a life event (actions/bundle_request/submit.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from actions.service_request import gateway


def idempotency_key(sender_id: str, payload: dict[str, Any]) -> str:
    """Same conversation + same contents = same key: a double click, a retry after a timeout or a replayed
    WeChat message all find the first request instead of creating another."""
    canonical = json.dumps({"sender": sender_id, **payload}, sort_keys=True, ensure_ascii=False)
    return "rasa-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


# A request the gateway returns for our key in one of these states is an earlier application with the same answers
# that has ended (the citizen cancelled it, staff rejected or finished it): this confirmation is a new application.
ENDED = frozenset({"cancelled", "rejected", "completed"})
MAX_EARLIER = 20

# Offered when the gateway could not confirm a submission: the same confirmation again, with the same key.
RETRY_BUTTONS = [
    {"title": "重新提交", "payload": "/submit_service_request"},
    {"title": "不办了", "payload": "/stop"},
]


Send = Callable[..., Awaitable[dict[str, Any]]]


def has_ended(created: dict[str, Any]) -> bool:
    """A request that has ended, or a bundle all of whose items have."""
    statuses = [item.get("status") for item in created["items"]] if "items" in created else [created.get("status")]
    return all(status in ENDED for status in statuses)


async def create(sender_id: str, payload: dict[str, Any], send: Send = gateway.create_request) -> dict[str, Any]:
    """Store the request (or, with ``send=gateway.create_bundle``, the bundle), or find the one an earlier try of
    this same application stored.

    The key of an application made after an ended one is chained on the ended request's number, so it is new
    but still the same on every retry.
    """
    key = idempotency_key(sender_id, payload)
    for _ in range(MAX_EARLIER):
        created = await send(payload, idempotency_key=key)
        if not has_ended(created):
            return created
        key = idempotency_key(sender_id, {**payload, "after": created["tracking_no"]})
    raise gateway.GatewayUnavailable("too many earlier requests with the same contents")
