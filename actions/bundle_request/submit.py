"""Submitting the confirmed combined form: one idempotency key for the whole application (the single form's rule,
actions/service_request/applications.py), so a retried confirmation finds the bundle the first try stored."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import slots
from actions.bundle_request import texts
from actions.bundle_request.events import Bundle, answered, load_bundle, pending_facts
from actions.service_request import applications, fields, gateway
from actions.service_request import texts as request_texts
from actions.service_request.control import reset_events
from actions.service_request.form import (
    CONFIRMED,
    CONSENT,
    DATE,
    ID_NUMBER,
    MATERIALS,
    NAME,
    OFFICE,
    PERIOD,
    PHONE,
    say,
)
from govchat.masking import FormOutcome

logger = logging.getLogger(__name__)

def build_payload(bundle: Bundle, tracker: Tracker) -> dict[str, Any] | None:
    """The bundle request body, or None when the form is not complete and confirmed."""
    shared = (NAME, ID_NUMBER, PHONE, *((OFFICE, DATE, PERIOD) if bundle.needs_visit else ()))
    if any(not tracker.get_slot(s) for s in shared) or tracker.get_slot(CONFIRMED) is not True:
        return None
    if pending_facts(bundle, tracker):
        return None
    facts = answered(tracker)
    return {
        "session_id": tracker.sender_id,
        "life_event_id": bundle.event.id,
        "applicant_name": tracker.get_slot(NAME),
        "id_number": tracker.get_slot(ID_NUMBER),
        "phone": tracker.get_slot(PHONE),
        "office": tracker.get_slot(OFFICE) if bundle.needs_visit else None,
        "day": tracker.get_slot(DATE) if bundle.needs_visit else None,
        "period": tracker.get_slot(PERIOD) if bundle.needs_visit else None,
        "materials_confirmed": tracker.get_slot(MATERIALS) is True,
        "consent": tracker.get_slot(CONSENT) is True,
        "items": [{"guide_id": g.id, "facts": facts.get(g.id, {})} for g in bundle.guides],
    }


def submitted_text(bundle: Bundle, created: dict[str, Any], payload: dict[str, Any]) -> str:
    items = "\n".join(
        f"{n}. {item['service_title']}（{item['mode_label']}）" for n, item in enumerate(created["items"], start=1)
    )
    text = texts.SUBMITTED.format(
        title=bundle.event.title, no=created["tracking_no"], count=len(created["items"]), items=items
    )
    if payload["day"]:
        when = f"{fields.format_day(dt.date.fromisoformat(payload['day']))} {payload['period']}"
        text += texts.SUBMITTED_VISIT.format(when=when, office=payload["office"])
    return text


class ActionSubmitBundleRequest(Action):
    def name(self) -> str:
        return "action_submit_bundle_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        bundle = load_bundle(tracker.get_slot(slots.BUNDLE_EVENT))
        payload = build_payload(bundle, tracker) if bundle else None
        if bundle is None or payload is None:
            say(dispatcher, request_texts.NOTHING_TO_SUBMIT)
            return []
        try:
            created = await applications.create(tracker.sender_id, payload, send=gateway.create_bundle)
        except gateway.GatewayUnavailable:
            # Unknown outcome: no number shown; the slots stay so "重新提交" sends the same key.
            say(dispatcher, texts.SUBMIT_UNAVAILABLE, applications.RETRY_BUTTONS)
            return []
        except gateway.GatewayRefused as refused:
            if refused.code in {"slot_full", "slot_unavailable"}:
                say(dispatcher, request_texts.SLOT_TAKEN)
                return [SlotSet(DATE, None), SlotSet(PERIOD, None), SlotSet(CONFIRMED, None),
                        FollowupAction(slots.BUNDLE_FORM)]
            say(dispatcher, request_texts.SUBMIT_REFUSED.format(detail=refused.detail))
            return [SlotSet(CONFIRMED, None), FollowupAction(slots.BUNDLE_FORM)]
        say(dispatcher, submitted_text(bundle, created, payload), form_ended=FormOutcome.SUBMITTED)
        logger.info("bundle request %s submitted for conversation", created["tracking_no"])
        return [*reset_events(), SlotSet(slots.BUNDLE_READY, False)]
