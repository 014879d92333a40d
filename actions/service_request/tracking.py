"""Tracking (查进度) and cancelling (取消申请) a request by tracking number + the applicant's birth date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer_from_guide import answer_turn, asks_about_service, question_text
from actions.service_request import fields, gateway, texts
from actions.service_request.form import CONTROL_INTENTS, QUESTION_INTENTS, SOFT_INTENTS, say
from actions.service_request.rating import rating_buttons
from govchat import calendar
from govchat.identity import birth_date_verifier
from govchat.masking import FormOutcome

TRACKING_NO, VERIFIER = "sr_tracking_no", "sr_verifier"
LOOKUP_READY = "sr_lookup_ready"
# "出生日期是1990年10月10日" fits; a longer message is a sentence that happens to contain a date.
_VERIFIER_MAX_CHARS = 20


class ActionStartLookup(Action):
    """Before the tracking or cancelling form: take a tracking number typed in the request itself.

    A service question NLU took for tracking ("想看看社保一共缴了几年") names a service and no request of the
    citizen's: it is answered from the guides and no form starts (``sr_lookup_ready`` false). "办到哪了" in the
    conversation that made a request shows that request's status at once, with the 好差评 buttons once it can be
    rated: the conversation is the proof, as for the status notices. Elsewhere (or if the gateway cannot say) the
    form asks for the tracking number and the birth date.
    """

    def name(self) -> str:
        return "action_start_lookup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        found = fields.find_tracking_no(text)
        if found is None and not fields.mentions_request(text) and asks_about_service(question_text(tracker)):
            return [*await answer_turn(dispatcher, tracker), SlotSet(LOOKUP_READY, False)]
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if found is None and intent == "track_request" and await _show_session_requests(dispatcher, tracker):
            return [SlotSet(LOOKUP_READY, False)]
        return [SlotSet(TRACKING_NO, found), SlotSet(VERIFIER, None), SlotSet(LOOKUP_READY, True)]


class _LookupFormMixin:
    """Shared by the tracking and cancelling forms. A mixin, not an Action: rasa-sdk registers every Action
    subclass it finds, and an abstract one would break the server's start."""

    def _answer(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        message = tracker.latest_message or {}
        text = (message.get("text") or "").strip()
        intent = (message.get("intent") or {}).get("name")
        if slot == TRACKING_NO and (found := fields.find_tracking_no(text)):
            return {TRACKING_NO: found}
        if tracker.get_slot("requested_slot") != slot or intent in CONTROL_INTENTS or not text:
            return {}
        if slot == VERIFIER and intent in SOFT_INTENTS and not birth_date_verifier(text):
            return {}
        if slot == VERIFIER and (verifier := birth_date_verifier(text)) and len(text) <= _VERIFIER_MAX_CHARS:
            return {VERIFIER: verifier}
        if intent in QUESTION_INTENTS and fields.looks_like_question(text):
            return {}
        return {slot: text}

    async def extract_sr_tracking_no(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._answer(TRACKING_NO, tracker)

    async def extract_sr_verifier(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._answer(VERIFIER, tracker)

    def validate_sr_tracking_no(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # a reset, not an answer
            return {}
        found = fields.find_tracking_no(str(value))
        if found is None:
            say(dispatcher, texts.TRACKING_NO_INVALID)
        return {TRACKING_NO: found}

    def validate_sr_verifier(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # a reset, not an answer
            return {}
        verifier = birth_date_verifier(str(value))
        if verifier is None or len(str(value).strip()) > _VERIFIER_MAX_CHARS:
            say(dispatcher, texts.VERIFIER_INVALID)
            return {VERIFIER: None}
        return {VERIFIER: verifier}


class ValidateTrackRequestForm(_LookupFormMixin, FormValidationAction):
    def name(self) -> str:
        return "validate_track_request_form"


class ValidateCancelRequestForm(_LookupFormMixin, FormValidationAction):
    def name(self) -> str:
        return "validate_cancel_request_form"


def _history_lines(request: dict[str, Any]) -> list[str]:
    lines = []
    for change in request.get("history", []):
        at = dt.datetime.fromisoformat(change["at"]).astimezone(calendar.TZ)
        reason = f"（{change['reason']}）" if change.get("reason") else ""
        lines.append(f"· {at:%m月%d日 %H:%M} {change['label']}{reason}")
    return lines


def _appointment(application: dict[str, Any]) -> str:
    if not application.get("day"):
        return ""
    day = dt.date.fromisoformat(application["day"])
    return f"\n预约：{application['office']}，{fields.format_day(day)} {application['period']}"


def status_text(request: dict[str, Any]) -> str:
    text = texts.STATUS.format(
        title=request["service_title"], no=request["tracking_no"], status=request["status_label"]
    )
    return text + _appointment(request) + "\n办理记录：\n" + "\n".join(_history_lines(request))


def bundle_status_text(bundle: dict[str, Any]) -> str:
    """One line per item, with its own number and its latest change: each department moves its own item."""
    items = bundle["items"]
    lines = [texts.BUNDLE_STATUS.format(title=bundle["event_title"], no=bundle["tracking_no"], count=len(items))]
    for n, item in enumerate(items, start=1):
        latest = _history_lines(item)[-1:] or [""]
        lines.append(f"{n}. {item['service_title']}（{item['tracking_no']}）：{item['status_label']}")
        lines.append("   " + latest[0].removeprefix("· "))
    return "\n".join(lines) + _appointment(bundle)


def _ratable_items(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in bundle["items"] if item.get("ratable")]


async def _show_session_requests(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Shows the status of the requests this conversation made; False when it made none (or the gateway is down)."""
    try:
        requests, bundles = await gateway.session_applications(session_id=tracker.sender_id)
    except (gateway.GatewayUnavailable, gateway.GatewayRefused):
        return False
    for bundle in bundles:
        buttons = rating_buttons(bundle["tracking_no"]) if bundle.get("ratable") else None
        say(dispatcher, bundle_status_text(bundle) + (texts.RATE_BUNDLE if buttons else ""), buttons)
        for item in _ratable_items(bundle):
            say(dispatcher, texts.RATE_CHOOSE.format(title=item["service_title"], no=item["tracking_no"]),
                rating_buttons(item["tracking_no"]))
    for request in requests:
        buttons = rating_buttons(request["tracking_no"]) if request.get("ratable") else None
        say(dispatcher, status_text(request), buttons)
    if requests or bundles:
        say(dispatcher, texts.OTHER_REQUEST_HINT)
    return bool(requests or bundles)


def _clear() -> list[EventType]:
    return [SlotSet(TRACKING_NO, None), SlotSet(VERIFIER, None)]


class ActionTrackRequest(Action):
    def name(self) -> str:
        return "action_track_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            request = await gateway.lookup(
                tracking_no=tracker.get_slot(TRACKING_NO) or "", verifier=tracker.get_slot(VERIFIER) or ""
            )
        except gateway.GatewayUnavailable:
            say(dispatcher, texts.LOOKUP_UNAVAILABLE, form_ended=FormOutcome.VERIFIED)
            return _clear()
        except gateway.GatewayRefused as refused:
            say(dispatcher, refused.detail, form_ended=FormOutcome.VERIFIED)
            return _clear()
        if "items" in request:
            say(dispatcher, bundle_status_text(request), form_ended=FormOutcome.VERIFIED)
            return _clear()
        text = status_text(request)
        buttons = []
        if request["status"] == "submitted":
            buttons.append({"title": "取消申请", "payload": "/cancel_request"})
        say(dispatcher, text, buttons, form_ended=FormOutcome.VERIFIED)
        return _clear()


class ActionCancelRequest(Action):
    def name(self) -> str:
        return "action_cancel_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            request = await gateway.cancel(
                tracking_no=tracker.get_slot(TRACKING_NO) or "", verifier=tracker.get_slot(VERIFIER) or ""
            )
        except gateway.GatewayUnavailable:
            say(dispatcher, texts.CANCEL_UNAVAILABLE, form_ended=FormOutcome.VERIFIED)
            return _clear()
        except gateway.GatewayRefused as refused:
            say(dispatcher, refused.detail, form_ended=FormOutcome.VERIFIED)
            return _clear()
        slot_note = "预约名额已释放。" if request.get("day") else ""
        say(
            dispatcher,
            texts.CANCELLED.format(title=request["service_title"], no=request["tracking_no"], slot_note=slot_note),
            form_ended=FormOutcome.VERIFIED,
        )
        return _clear()
