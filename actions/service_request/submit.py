"""Submitting the confirmed form to the gateway. The tracking number is shown only after the gateway has
stored the request; a repeated or retried confirmation sends the same idempotency key and gets the same one."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import slots as dialogue_slots
from actions.bundle_request.submit import ActionSubmitBundleRequest
from actions.service_request import applications, fields, gateway, texts
from actions.service_request.control import reset_events
from actions.service_request.form import (
    CONFIRMED,
    CONSENT,
    DATE,
    GUIDE,
    ID_NUMBER,
    MATERIALS,
    MODE,
    NAME,
    OFFICE,
    PERIOD,
    PHONE,
    READY,
    say,
)
from actions.service_request.guides import load_guide
from govchat.masking import FormOutcome

logger = logging.getLogger(__name__)

def build_payload(tracker: Tracker) -> dict[str, Any] | None:
    """The request body, or None when the form is not complete and confirmed."""
    required = (GUIDE, NAME, ID_NUMBER, PHONE, MODE)
    if any(not tracker.get_slot(s) for s in required) or tracker.get_slot(CONFIRMED) is not True:
        return None
    window = tracker.get_slot(MODE) == "window"
    if window and not all(tracker.get_slot(s) for s in (OFFICE, DATE, PERIOD)):
        return None
    return {
        "session_id": tracker.sender_id,
        "guide_id": tracker.get_slot(GUIDE),
        "applicant_name": tracker.get_slot(NAME),
        "id_number": tracker.get_slot(ID_NUMBER),
        "phone": tracker.get_slot(PHONE),
        "mode": tracker.get_slot(MODE),
        "office": tracker.get_slot(OFFICE) if window else None,
        "day": tracker.get_slot(DATE) if window else None,
        "period": tracker.get_slot(PERIOD) if window else None,
        "materials_confirmed": tracker.get_slot(MATERIALS) is True,
        "consent": tracker.get_slot(CONSENT) is True,
    }


class ActionSubmitServiceRequest(Action):
    def name(self) -> str:
        return "action_submit_service_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot(dialogue_slots.BUNDLE_EVENT):  # "重新提交" of a combined application
            return await ActionSubmitBundleRequest().run(dispatcher, tracker, domain)
        payload = build_payload(tracker)
        if payload is None:
            say(dispatcher, texts.NOTHING_TO_SUBMIT)
            return []
        try:
            created = await applications.create(tracker.sender_id, payload)
        except gateway.GatewayUnavailable:
            # Unknown outcome: no number shown; the slots stay so "重新提交" sends the same key.
            say(dispatcher, texts.SUBMIT_UNAVAILABLE, applications.RETRY_BUTTONS)
            return []
        except gateway.GatewayRefused as refused:
            if refused.code in {"slot_full", "slot_unavailable"}:
                say(dispatcher, texts.SLOT_TAKEN)
                return [
                    SlotSet(DATE, None),
                    SlotSet(PERIOD, None),
                    SlotSet(CONFIRMED, None),
                    FollowupAction("service_request_form"),
                ]
            say(dispatcher, texts.SUBMIT_REFUSED.format(detail=refused.detail))
            return [SlotSet(CONFIRMED, None), FollowupAction("service_request_form")]

        guide = load_guide(payload["guide_id"])
        title = created.get("service_title") or (guide.title if guide else "")
        if payload["mode"] == "window":
            day = dt.date.fromisoformat(payload["day"])
            text = texts.SUBMITTED_WINDOW.format(
                title=title,
                no=created["tracking_no"],
                when=f"{fields.format_day(day)} {payload['period']}",
                office=payload["office"],
            )
        else:
            text = texts.SUBMITTED_ONLINE.format(title=title, no=created["tracking_no"])
        say(dispatcher, text, form_ended=FormOutcome.SUBMITTED)
        logger.info("service request %s submitted for conversation", created["tracking_no"])
        return [*reset_events(), SlotSet(READY, False)]
