"""好差评 from the chat: the five buttons under a request's "已办结" notice."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.service_request import fields, gateway, texts
from actions.service_request.form import say

LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")


def rating_buttons(tracking_no: str) -> list[dict[str, str]]:
    """The five buttons, as under a "已办结" notice: they come back to action_rate_request."""
    return [
        {
            "title": level,
            "payload": "/rate_request"
            + json.dumps({"rating_level": level, "sr_tracking_no": tracking_no}, ensure_ascii=False),
        }
        for level in LEVELS
    ]


async def _ratable_here(tracker: Tracker) -> list[dict[str, Any]]:
    """The requests and bundle items this conversation made that can be rated now (none if the gateway cannot say)."""
    try:
        requests, bundles = await gateway.session_applications(session_id=tracker.sender_id)
    except (gateway.GatewayUnavailable, gateway.GatewayRefused):
        return []
    # A bundle as a whole is offered under its life event's title.
    wholes = [{"tracking_no": b["tracking_no"], "service_title": b["event_title"], "ratable": b.get("ratable")}
              for b in bundles]
    return [r for r in [*requests, *wholes, *(item for b in bundles for item in b["items"])] if r.get("ratable")]


class ActionRateRequest(Action):
    def name(self) -> str:
        return "action_rate_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        message = tracker.latest_message or {}
        entities = {e.get("entity"): e.get("value") for e in message.get("entities") or []}
        level = entities.get("rating_level")
        tracking_no = fields.find_tracking_no(str(entities.get("sr_tracking_no") or message.get("text") or ""))
        if tracking_no is None:
            # "我要评价" in the conversation that made the request: no tracking number needed.
            ratable = await _ratable_here(tracker)
            if level in LEVELS and len(ratable) == 1:
                tracking_no = str(ratable[0]["tracking_no"])
            elif ratable:
                for request in ratable:
                    say(dispatcher, texts.RATE_CHOOSE.format(title=request["service_title"], no=request["tracking_no"]),
                        rating_buttons(request["tracking_no"]))
                return []
        if level not in LEVELS or tracking_no is None:
            say(dispatcher, texts.RATE_HOW)
            return []
        try:
            rated = await gateway.rate_from_chat(tracking_no=tracking_no, session_id=tracker.sender_id, level=level)
        except gateway.GatewayUnavailable:
            say(dispatcher, texts.RATE_UNAVAILABLE)
            return []
        except gateway.GatewayRefused as refused:
            say(dispatcher, refused.detail)
            return []
        say(dispatcher, str(rated.get("message") or texts.RATE_THANKS))
        return []
