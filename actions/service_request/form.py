"""``service_request_form``: extraction and validation of each answer, and the questions that ask for them.

Each slot has a custom mapping, filled here from the requested slot's answer (a button payload entity or the
typed text). Questions ("要带什么材料？") and control intents (stop, correct, hand over) are left unextracted, so
the form rejects and the rules answer them, then the form asks again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.service_request import fields, gateway, texts
from actions.service_request.guides import load_guide, material_lines
from actions.turn_facts import turn
from govchat import calendar
from govchat.identity import IdentityError, validate_id_number, validate_mobile, validate_person_name
from govchat.masking import PERSONAL_DATA_KEY, FormOutcome, mask_id_number, mask_phone

logger = logging.getLogger(__name__)

GUIDE = "sr_guide_id"
READY = "sr_guide_ready"
NAME, ID_NUMBER, PHONE, MODE = "sr_name", "sr_id_number", "sr_phone", "sr_mode"
OFFICE, DATE, PERIOD = "sr_office", "sr_date", "sr_period"
MATERIALS, CONSENT, CONFIRMED = "sr_materials_ok", "sr_consent", "sr_confirmed"
WINDOW_SLOTS = (OFFICE, DATE, PERIOD)
FORM_SLOTS = (NAME, ID_NUMBER, PHONE, MODE, *WINDOW_SLOTS, MATERIALS, CONSENT, CONFIRMED)
YES_NO_SLOTS = (MATERIALS, CONSENT, CONFIRMED)

# Intents that are never answers: the rules handle them while the form waits.
CONTROL_INTENTS = frozenset(
    {"stop", "correct_field", "request_human", "start_service_request", "submit_service_request"}
)
# Intents NLU may guess for an answer (an 18-digit number looks like "choose_guide" to it): an answer that is
# unmistakable for the requested slot wins over these.
SOFT_INTENTS = frozenset({"track_request", "cancel_request", "choose_guide", "wrong_guide"})
QUESTION_INTENTS = frozenset({"ask_service", "nlu_fallback", "out_of_scope"})


def today() -> dt.date:
    return calendar.now().date()


def say(
    dispatcher: CollectingDispatcher,
    text: str,
    buttons: list[dict[str, str]] | None = None,
    *,
    form_ended: FormOutcome | None = None,
) -> None:
    """`form_ended` tells the gateway what to forget of the form's personal data (govchat.masking.FormOutcome)."""
    custom: dict[str, Any] = {"turn": turn(decision="control")}
    if form_ended is not None:
        custom[PERSONAL_DATA_KEY] = form_ended.value
    dispatcher.utter_message(text=text, buttons=buttons or [], json_message=custom)


def inform_button(title: str, slot: str, value: str) -> dict[str, str]:
    import json

    return {"title": title, "payload": "/inform" + json.dumps({slot: value}, ensure_ascii=False)}


def _strong_answer(slot: str, text: str) -> bool:
    """A reply that is clearly an answer to the requested slot, whatever NLU thought of it."""
    digits = sum(ch.isdigit() for ch in text)
    if slot == ID_NUMBER:
        return digits >= 15
    if slot == PHONE:
        return digits >= 8
    if slot == MODE:
        return fields.parse_mode(text) is not None
    if slot == DATE:
        return fields.parse_date(text, today=today()) is not None
    if slot == PERIOD:
        return fields.parse_period(text) is not None
    if slot == NAME:
        return 2 <= len(text) <= 5 and not fields.looks_like_question(text)
    if slot in YES_NO_SLOTS:
        return fields.parse_yes_no(text) is not None
    return False


def extract_answer(slot: str, tracker: Tracker) -> dict[str, Any]:
    if tracker.get_slot("requested_slot") != slot:
        return {}
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    text = (message.get("text") or "").strip()
    for entity in message.get("entities") or []:
        if entity.get("entity") == slot and entity.get("value") is not None:
            return {slot: entity["value"]}
    if intent in CONTROL_INTENTS or not text:
        return {}
    # Typed "好的" or the form's own buttons (payload "/affirm", "/deny") answer a yes/no question.
    if slot in YES_NO_SLOTS and intent in ("affirm", "deny"):
        return {slot: intent == "affirm"}
    if text.startswith("/") or (intent in SOFT_INTENTS and not _strong_answer(slot, text)):
        return {}
    if slot in YES_NO_SLOTS:
        answer = fields.parse_yes_no(text)
        if answer is None and (intent in QUESTION_INTENTS or fields.looks_like_question(text)):
            return {}
        return {slot: answer if answer is not None else text}
    if intent in QUESTION_INTENTS and fields.looks_like_question(text) and not _strong_answer(slot, text):
        return {}
    return {slot: text}


def _identity_checked(
    slot: str, value: Any, dispatcher: CollectingDispatcher, check: Callable[[str], str]
) -> dict[str, Any]:
    """Name, ID number, mobile: the normalised value, or the validator's Chinese message and the form asks again."""
    if value is None:  # a reset, not an answer
        return {}
    try:
        return {slot: check(str(value))}
    except IdentityError as exc:
        say(dispatcher, str(exc))
        return {slot: None}


def _yes_or_ask_again(slot: str, value: Any, dispatcher: CollectingDispatcher, *, refused: str) -> dict[str, Any]:
    """A yes/no question: yes fills the slot; no or an unclear answer says why, and the form asks again."""
    if value is None:  # a reset, not an answer
        return {}
    if value is True:
        return {slot: True}
    say(dispatcher, refused if value is False else texts.YES_NO_UNCLEAR)
    return {slot: None}


async def _free_slots(tracker: Tracker) -> list[dict[str, Any]] | None:
    """Free places at the chosen office, or None when the gateway cannot be reached. A single request's office is
    checked against its guide; a bundle's is the life event's one window (no guide)."""
    office, guide_id = tracker.get_slot(OFFICE), tracker.get_slot(GUIDE)
    if not office:
        return []
    try:
        return await gateway.available_slots(office=office, guide_id=guide_id)
    except (gateway.GatewayUnavailable, gateway.GatewayRefused) as exc:
        logger.warning("slots unavailable: %s", exc)
        return None


async def _why_not_bookable(day: dt.date) -> str:
    """The gateway's holiday table is the one source of working days, so it tells a day off from a full day."""
    try:
        booking_day = await gateway.booking_day(day)
    except (gateway.GatewayUnavailable, gateway.GatewayRefused) as exc:
        logger.warning("booking day unavailable: %s", exc)
        return texts.DATE_FULL
    if not booking_day.working:
        return texts.DATE_CLOSED
    return texts.DATE_FULL if booking_day.bookable else texts.DATE_TOO_FAR


class SharedFactsValidation:
    """Extraction and validation of the facts every request form asks (applicant, appointment day and period,
    materials, consent, confirmation), shared by the single form and the combined form of a life event
    (actions/bundle_request). A mixin, not an Action: rasa-sdk registers every Action subclass it finds."""

    # --- extraction: one per slot, as rasa-sdk looks them up by name ---

    async def extract_sr_name(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return extract_answer(NAME, tracker)

    async def extract_sr_id_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        return extract_answer(ID_NUMBER, tracker)

    async def extract_sr_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return extract_answer(PHONE, tracker)

    async def extract_sr_date(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return extract_answer(DATE, tracker)

    async def extract_sr_period(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return extract_answer(PERIOD, tracker)

    async def extract_sr_materials_ok(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        return extract_answer(MATERIALS, tracker)

    async def extract_sr_consent(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return extract_answer(CONSENT, tracker)

    async def extract_sr_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        return extract_answer(CONFIRMED, tracker)

    # --- validation ---

    def validate_sr_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        return _identity_checked(NAME, value, dispatcher, validate_person_name)

    def validate_sr_id_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        return _identity_checked(ID_NUMBER, value, dispatcher, lambda text: validate_id_number(text, today=today()))

    def validate_sr_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        return _identity_checked(PHONE, value, dispatcher, validate_mobile)

    async def validate_sr_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        if value is None:  # a reset, not an answer
            return {}
        day = fields.parse_date(str(value), today=today())
        if day is None:
            say(dispatcher, texts.DATE_UNCLEAR)
            return {DATE: None}
        if day <= today():
            say(dispatcher, texts.DATE_PAST)
            return {DATE: None}
        free = await _free_slots(tracker)
        if free is None or day.isoformat() in {s["day"] for s in free}:
            return {DATE: day.isoformat(), PERIOD: None}  # unreachable gateway: checked again at submission
        reason = await _why_not_bookable(day)
        say(dispatcher, reason.format(day=fields.format_day(day)))
        return {DATE: None}

    async def validate_sr_period(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        if value is None:  # a reset, not an answer
            return {}
        free = await _free_slots(tracker)
        day = tracker.get_slot(DATE)
        available = [s["period"] for s in free or [] if s["day"] == day]
        period = fields.parse_period(str(value), available=available or None)
        if period is None:
            say(dispatcher, texts.PERIOD_UNCLEAR)
            return {PERIOD: None}
        if free is not None and period not in available:
            say(dispatcher, texts.PERIOD_FULL.format(period=period))
            return {PERIOD: None}
        return {PERIOD: period}

    def validate_sr_materials_ok(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        return _yes_or_ask_again(MATERIALS, value, dispatcher, refused=texts.MATERIALS_MISSING)

    def validate_sr_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        return _yes_or_ask_again(CONSENT, value, dispatcher, refused=texts.CONSENT_REFUSED)

    def validate_sr_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        return _yes_or_ask_again(CONFIRMED, value, dispatcher, refused=texts.NOT_CONFIRMED)


class ValidateServiceRequestForm(SharedFactsValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_service_request_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        window = list(WINDOW_SLOTS) if tracker.get_slot(MODE) == "window" else []
        return [NAME, ID_NUMBER, PHONE, MODE, *window, MATERIALS, CONSENT, CONFIRMED]

    async def extract_sr_mode(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return extract_answer(MODE, tracker)

    async def extract_sr_office(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return extract_answer(OFFICE, tracker)

    def validate_sr_mode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        if value is None:  # a reset, not an answer
            return {}
        mode = fields.parse_mode(str(value))
        guide = load_guide(tracker.get_slot(GUIDE))
        if mode is None:
            say(dispatcher, texts.MODE_UNCLEAR)
            return {MODE: None}
        if guide is not None and mode == "online" and not guide.online.available:
            say(dispatcher, texts.NOT_ONLINE.format(title=guide.title))
            mode = "window"
        if guide is not None and mode == "window" and not (guide.appointment and guide.locations):
            say(dispatcher, texts.NO_WINDOW.format(title=guide.title))
            return {MODE: None}
        result: dict[str, Any] = {MODE: mode}
        if mode == "online":
            result.update({OFFICE: None, DATE: None, PERIOD: None})
        elif guide is not None and len(guide.locations) == 1:
            result[OFFICE] = guide.locations[0].name  # nothing to choose
        return result

    def validate_sr_office(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        if value is None:  # a reset, not an answer
            return {}
        guide = load_guide(tracker.get_slot(GUIDE))
        names = [location.name for location in guide.locations] if guide else []
        text = str(value).strip()
        matches = [n for n in names if n == text] or [n for n in names if text and (text in n or n in text)]
        if len(matches) == 1:
            return {OFFICE: matches[0]}
        say(dispatcher, texts.OFFICE_UNCLEAR)
        return {OFFICE: None}


# --- questions ----------------------------------------------------------------------------------------------


class ActionAskSrMode(Action):
    def name(self) -> str:
        return "action_ask_sr_mode"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        guide = load_guide(tracker.get_slot(GUIDE))
        buttons = []
        if guide is None or guide.online.available:
            buttons.append(inform_button("网上办理", MODE, "online"))
        if guide is None or (guide.appointment and guide.locations):
            buttons.append(inform_button("到窗口办理（预约）", MODE, "window"))
        say(dispatcher, texts.ASK_MODE, buttons)
        return []


class ActionAskSrOffice(Action):
    def name(self) -> str:
        return "action_ask_sr_office"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        guide = load_guide(tracker.get_slot(GUIDE))
        locations = guide.locations if guide else []
        lines = [f"{n}. {loc.name}：{loc.address}（{loc.hours}）" for n, loc in enumerate(locations, start=1)]
        say(
            dispatcher,
            texts.ASK_OFFICE + "\n" + "\n".join(lines),
            [inform_button(loc.name, OFFICE, loc.name) for loc in locations],
        )
        return []


class ActionAskSrDate(Action):
    def name(self) -> str:
        return "action_ask_sr_date"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        free = await _free_slots(tracker)
        if free is None:
            say(dispatcher, texts.ASK_DATE_OFFLINE)
            return []
        days: list[str] = []
        for slot in free:
            if slot["day"] not in days:
                days.append(slot["day"])
        if not days:
            say(dispatcher, texts.NO_FREE_DAYS, [inform_button("改为网上办理", MODE, "online")])
            return []
        buttons = [inform_button(fields.format_day(dt.date.fromisoformat(day)), DATE, day) for day in days[:6]]
        say(dispatcher, texts.ASK_DATE.format(office=tracker.get_slot(OFFICE)), buttons)
        return []


class ActionAskSrPeriod(Action):
    def name(self) -> str:
        return "action_ask_sr_period"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        free = await _free_slots(tracker)
        day = tracker.get_slot(DATE)
        label = fields.format_day(dt.date.fromisoformat(day)) if day else ""
        if free is None:
            say(dispatcher, texts.ASK_PERIOD_OFFLINE.format(day=label))
            return []
        buttons = [
            inform_button(f"{s['period']}（余{s['remaining']}个）", PERIOD, s["period"])
            for s in free
            if s["day"] == day
        ]
        say(dispatcher, texts.ASK_PERIOD.format(day=label), buttons)
        return []


MATERIALS_BUTTONS = [{"title": "已备齐", "payload": "/affirm"}, {"title": "还没有", "payload": "/deny"}]


class ActionAskSrMaterialsOk(Action):
    def name(self) -> str:
        return "action_ask_sr_materials_ok"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        guide = load_guide(tracker.get_slot(GUIDE))
        lines = material_lines(guide) if guide else []
        say(
            dispatcher,
            texts.ASK_MATERIALS.format(title=guide.title if guide else "该事项") + "\n" + "\n".join(lines),
            MATERIALS_BUTTONS,
        )
        return []


class ActionAskSrConsent(Action):
    def name(self) -> str:
        return "action_ask_sr_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        say(
            dispatcher,
            texts.CONSENT_NOTICE,
            [{"title": "同意", "payload": "/affirm"}, {"title": "不同意", "payload": "/deny"}],
        )
        return []


def summary(tracker: Tracker) -> str:
    guide = load_guide(tracker.get_slot(GUIDE))
    lines = [
        f"办理事项：{guide.title if guide else tracker.get_slot(GUIDE)}",
        f"申请人：{tracker.get_slot(NAME)}",
        f"身份证号：{mask_id_number(tracker.get_slot(ID_NUMBER) or '')}",
        f"手机号码：{mask_phone(tracker.get_slot(PHONE) or '')}",
    ]
    if tracker.get_slot(MODE) == "window":
        day = tracker.get_slot(DATE)
        when = fields.format_day(dt.date.fromisoformat(day)) if day else ""
        lines.append(f"办理方式：窗口办理，{tracker.get_slot(OFFICE)}，{when} {tracker.get_slot(PERIOD)}")
    else:
        lines.append("办理方式：网上办理")
    lines.append("材料：已确认备齐")
    return "\n".join(lines)


CORRECTION_BUTTONS = [
    {"title": "修改姓名", "payload": '/correct_field{"sr_field": "sr_name"}'},
    {"title": "修改身份证号", "payload": '/correct_field{"sr_field": "sr_id_number"}'},
    {"title": "修改手机号", "payload": '/correct_field{"sr_field": "sr_phone"}'},
    {"title": "修改办理方式或时间", "payload": '/correct_field{"sr_field": "sr_mode"}'},
]


class ActionAskSrConfirmed(Action):
    def name(self) -> str:
        return "action_ask_sr_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        buttons = [
            {"title": "确认提交", "payload": "/affirm"},
            *CORRECTION_BUTTONS,
            {"title": "不办了", "payload": "/stop"},
        ]
        say(dispatcher, texts.ASK_CONFIRM.format(summary=summary(tracker)), buttons)
        return []
