"""``bundle_request_form``: the shared facts once (the single form's slots, extraction and validation), then each
together service's own facts one after another in ``br_fact``, then materials, consent and confirmation."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import slots
from actions.answer_from_guide import answer_turn, question_text
from actions.bundle_request import texts
from actions.bundle_request.events import Bundle, answered, load_bundle, pending_facts
from actions.service_request import fields
from actions.service_request.control import reset_events
from actions.service_request.form import (
    CONFIRMED,
    CONSENT,
    CORRECTION_BUTTONS,
    DATE,
    ID_NUMBER,
    MATERIALS,
    MATERIALS_BUTTONS,
    NAME,
    OFFICE,
    PERIOD,
    PHONE,
    SharedFactsValidation,
    extract_answer,
    inform_button,
    say,
    today,
)
from actions.service_request.guides import material_lines
from govchat.masking import mask_id_number, mask_phone
from knowledge import bundle as bundle_rules
from knowledge.aspects import detect_aspect
from knowledge.schema import OwnFact

# Name, ID number and phone: the single form's buttons (its last one, mode or time, has no place here).
APPLICANT_CORRECTIONS = [b for b in CORRECTION_BUTTONS if "sr_mode" not in b["payload"]]


class ActionStartBundleRequest(Action):
    """ "一次申请" under a life event's checklist (or typed while its checklist is the topic): the combined form
    starts for the services the event applies for together, or says why it cannot."""

    def name(self) -> str:
        return "action_start_bundle_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # NLU hears "一次" in "一次能给好多", "一起" in "这几个能一起办吗": a typed question is answered, not applied.
        if (text := question_text(tracker)) and detect_aspect(text) is not None:
            return [*await answer_turn(dispatcher, tracker), SlotSet(slots.BUNDLE_READY, False)]
        entities = (tracker.latest_message or {}).get("entities") or []
        event_id = next((e.get("value") for e in entities if e.get("entity") == slots.LIFE_EVENT), None)
        bundle = load_bundle(event_id or tracker.get_slot(slots.LIFE_EVENT))
        if bundle is None:
            say(dispatcher, texts.WHICH_EVENT)
            return [SlotSet(slots.BUNDLE_READY, False)]
        if len(bundle.guides) < 2:
            say(dispatcher, texts.CANNOT_BUNDLE.format(title=bundle.event.title))
            return [SlotSet(slots.BUNDLE_READY, False)]
        titles = "、".join(f"{n}.{g.title}" for n, g in enumerate(bundle.guides, start=1))
        say(dispatcher, texts.START.format(title=bundle.event.title, count=len(bundle.guides), titles=titles))
        return [
            *reset_events(),
            SlotSet(slots.BUNDLE_EVENT, bundle.event.id),
            SlotSet(slots.BUNDLE_FACTS, {}),
            # The one window is the only place: nothing to choose.
            SlotSet(OFFICE, bundle.event.window.name if bundle.needs_visit else None),
            SlotSet(slots.BUNDLE_READY, True),
        ]


def read_fact(fact: OwnFact, text: str) -> str | None:
    """The answer to an own fact in the form the gateway stores (knowledge.bundle.checked_fact), or None."""
    text = text.strip()
    if fact.kind == "date":
        # A birth or death date lies in the past: without a year, 11月20日 would be read as the next one.
        day = fields.parse_date(text, today=today()) if re.search(r"\d{4}", text) else None
        return day.isoformat() if day else None
    if fact.kind == "choice":
        matches = [c for c in fact.choices if c == text] or [
            c for c in fact.choices if text and (text in c or c in text)
        ]
        return matches[0] if len(matches) == 1 else None
    return text or None


class ValidateBundleRequestForm(SharedFactsValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_bundle_request_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        bundle = load_bundle(tracker.get_slot(slots.BUNDLE_EVENT))
        visit = [DATE, PERIOD] if bundle is None or bundle.needs_visit else []
        facts = [slots.BUNDLE_FACT] if bundle is not None and pending_facts(bundle, tracker) else []
        return [NAME, ID_NUMBER, PHONE, *visit, *facts, MATERIALS, CONSENT, CONFIRMED]

    async def extract_br_fact(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return extract_answer(slots.BUNDLE_FACT, tracker)

    def validate_br_fact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict:
        """Stores the answer under its service and key; the slot is emptied again so the form asks the next one."""
        bundle = load_bundle(tracker.get_slot(slots.BUNDLE_EVENT))
        pending = pending_facts(bundle, tracker) if bundle and value is not None else []
        if not pending:
            return {slots.BUNDLE_FACT: None}
        guide_id, fact = pending[0]
        try:
            # An answer that cannot be read is checked as typed, so the message says what is wrong with it.
            stored = bundle_rules.checked_fact(fact, read_fact(fact, str(value)) or str(value))
        except ValueError as exc:
            say(dispatcher, texts.DATE_FACT_UNCLEAR if fact.kind == "date" else str(exc))
            return {slots.BUNDLE_FACT: None}
        facts = answered(tracker)
        return {
            slots.BUNDLE_FACT: None,
            slots.BUNDLE_FACTS: {**facts, guide_id: {**facts.get(guide_id, {}), fact.key: stored}},
        }


class ActionAskBrFact(Action):
    def name(self) -> str:
        return "action_ask_br_fact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        bundle = load_bundle(tracker.get_slot(slots.BUNDLE_EVENT))
        pending = pending_facts(bundle, tracker) if bundle else []
        if bundle is None or not pending:
            return []
        guide_id, fact = pending[0]
        text = texts.ASK_FACT.format(service=bundle.title_of(guide_id), question=fact.question)
        if fact.kind == "date":
            text += texts.DATE_FACT_HINT
        say(dispatcher, text, [inform_button(c, slots.BUNDLE_FACT, c) for c in fact.choices])
        return []


class ActionAskBundleRequestFormSrMaterialsOk(Action):
    """The materials of every service, each under its guide's title (the guides are the source)."""

    def name(self) -> str:
        return "action_ask_bundle_request_form_sr_materials_ok"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        bundle = load_bundle(tracker.get_slot(slots.BUNDLE_EVENT))
        lines = [texts.ASK_MATERIALS]
        for guide in bundle.guides if bundle else []:
            lines += [f"【{guide.title}】", *material_lines(guide)]
        say(dispatcher, "\n".join(lines), MATERIALS_BUTTONS)
        return []


def summary(bundle: Bundle, tracker: Tracker) -> str:
    lines = [
        f"一件事：{bundle.event.title}",
        f"申请人：{tracker.get_slot(NAME)}",
        f"身份证号：{mask_id_number(tracker.get_slot(ID_NUMBER) or '')}",
        f"手机号码：{mask_phone(tracker.get_slot(PHONE) or '')}",
    ]
    if bundle.needs_visit and (day := tracker.get_slot(DATE)):
        when = f"{fields.format_day(dt.date.fromisoformat(day))} {tracker.get_slot(PERIOD)}"
        lines.append(f"预约：{tracker.get_slot(OFFICE)}，{when}")
    else:
        lines.append("办理方式：全部网上办理")
    facts = answered(tracker)
    questions = {(guide, fact.key): fact.question for guide, fact in bundle.own_facts()}
    for n, guide in enumerate(bundle.guides, start=1):
        lines.append(f"{n}. {guide.title}（{'到窗口' if guide.visits > 0 else '网上办理'}）")
        for key, value in facts.get(guide.id, {}).items():
            lines.append(f"   {questions.get((guide.id, key), key).rstrip('？?')}：{value}")
    return "\n".join(lines)


class ActionAskBundleRequestFormSrConfirmed(Action):
    def name(self) -> str:
        return "action_ask_bundle_request_form_sr_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        bundle = load_bundle(tracker.get_slot(slots.BUNDLE_EVENT))
        if bundle is None:
            return []
        buttons = [{"title": "确认提交", "payload": "/affirm"}, *APPLICANT_CORRECTIONS]
        if bundle.needs_visit:
            buttons.append({"title": "修改预约时间", "payload": '/correct_field{"sr_field": "sr_date"}'})
        if bundle.own_facts():
            buttons.append({"title": "修改各事项信息", "payload": '/correct_field{"sr_field": "br_facts"}'})
        buttons.append({"title": "不办了", "payload": "/stop"})
        say(dispatcher, texts.ASK_CONFIRM.format(summary=summary(bundle, tracker)), buttons)
        return []
