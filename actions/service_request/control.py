"""Starting, stopping and correcting a service request."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import slots as dialogue_slots
from actions.answer_from_guide import answer_turn, asks_about_aspect, asks_about_service, question_text
from actions.service_names import named_guides
from actions.service_request import texts
from actions.service_request.form import (
    CONFIRMED,
    CORRECTION_BUTTONS,
    DATE,
    FORM_SLOTS,
    GUIDE,
    ID_NUMBER,
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

# The forms that collect an application: the single one and the combined one of a life event.
APPLICATION_FORMS = frozenset({"service_request_form", dialogue_slots.BUNDLE_FORM})
FORMS = APPLICATION_FORMS | {"track_request_form", "cancel_request_form"}
LOOKUP_SLOTS = ("sr_tracking_no", "sr_verifier")


def reset_events() -> list[EventType]:
    return [SlotSet(slot, None) for slot in (*FORM_SLOTS, *LOOKUP_SLOTS, *dialogue_slots.BUNDLE_SLOTS)]


class ActionStartServiceRequest(Action):
    """ "我要办理": the form starts for the guide the conversation is about, or asks which service first."""

    def name(self) -> str:
        return "action_start_service_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        current = tracker.get_slot(dialogue_slots.CURRENT_GUIDE)
        text = question_text(tracker)
        # "我想申请失业金" typed, not the button: first what the service needs (the answer has 我要办理 to start);
        # "我老公可以帮我去办吗" asks about the service, it starts nothing.
        if text and (((named := named_guides(text)) and current not in named) or asks_about_aspect(text)):
            return [*await answer_turn(dispatcher, tracker), SlotSet(READY, False)]
        guide = load_guide(current)
        if guide is None:
            say(dispatcher, texts.WHICH_SERVICE)
            return [SlotSet(READY, False)]
        if not guide.online.available and not guide.appointment:
            say(dispatcher, texts.CANNOT_APPLY.format(title=guide.title))
            return [SlotSet(READY, False)]
        say(dispatcher, texts.START.format(title=guide.title))
        return [*reset_events(), SlotSet(GUIDE, guide.id), SlotSet(READY, True)]


class ActionStopServiceRequest(Action):
    """ "算了不办了": leaves whichever request form is active and forgets what was typed."""

    def name(self) -> str:
        return "action_stop_service_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        active = (tracker.active_loop or {}).get("name")
        in_request = active in FORMS or any(tracker.get_slot(s) for s in (*FORM_SLOTS, dialogue_slots.BUNDLE_EVENT))
        if in_request:
            say(dispatcher, texts.STOPPED, form_ended=FormOutcome.ABANDONED)
        elif asks_about_aspect(question_text(tracker)):  # "网上登记得不" outside a request: a question, not "stop"
            return [*await answer_turn(dispatcher, tracker), ActiveLoop(None)]
        else:
            say(dispatcher, texts.NOTHING_TO_STOP)
        return [
            ActiveLoop(None), SlotSet("requested_slot", None), SlotSet(READY, False),
            SlotSet(dialogue_slots.BUNDLE_READY, False), *reset_events(),
        ]


# What a correction clears: the field, everything that depends on it, and the confirmation.
_DEPENDENTS: dict[str, tuple[str, ...]] = {
    NAME: (NAME,),
    ID_NUMBER: (ID_NUMBER,),
    PHONE: (PHONE,),
    MODE: (MODE, OFFICE, DATE, PERIOD),
    OFFICE: (OFFICE, DATE, PERIOD),
    DATE: (DATE, PERIOD),
    PERIOD: (PERIOD,),
    dialogue_slots.BUNDLE_FACTS: (dialogue_slots.BUNDLE_FACTS, dialogue_slots.BUNDLE_FACT),
}
_LABELS = {
    NAME: "姓名",
    ID_NUMBER: "身份证号",
    PHONE: "手机号码",
    MODE: "办理方式",
    OFFICE: "办理地点",
    DATE: "预约日期和时段",
    PERIOD: "预约时段",
    dialogue_slots.BUNDLE_FACTS: "各事项的信息",
}
# Checked in order: the first keyword found in the message names the field.
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("身份证", ID_NUMBER),
    ("证件号", ID_NUMBER),
    ("手机", PHONE),
    ("电话", PHONE),
    ("姓名", NAME),
    ("名字", NAME),
    ("时段", PERIOD),
    ("几点", PERIOD),
    ("日期", DATE),
    ("哪天", DATE),
    ("时间", DATE),
    ("地点", OFFICE),
    ("大厅", OFFICE),
    ("窗口", MODE),
    ("网上", MODE),
    ("方式", MODE),
)


def field_to_correct(tracker: Tracker) -> str | None:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == "sr_field" and entity.get("value") in _DEPENDENTS:
            return str(entity["value"])
    text = (tracker.latest_message or {}).get("text") or ""
    return next((slot for word, slot in _KEYWORDS if word in text), None)


class ActionCorrectServiceRequestField(Action):
    def name(self) -> str:
        return "action_correct_service_request_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reopen: list[EventType] = []
        bundle = bool(tracker.get_slot(dialogue_slots.BUNDLE_EVENT))
        if (tracker.active_loop or {}).get("name") not in APPLICATION_FORMS:
            if tracker.get_slot(CONFIRMED) is not True:  # submitted (its answers were cleared) or never filled in
                if asks_about_service(question_text(tracker)):  # "身份证过期了要改新的咋弄": a service question
                    return await answer_turn(dispatcher, tracker)
                say(dispatcher, texts.CORRECT_AFTER_SUBMIT)
                return []
            # Confirmed but not stored (the gateway was down): the answers are kept, so the form opens again.
            say(dispatcher, texts.CORRECT_BEFORE_RESUBMIT)
            reopen = [FollowupAction(dialogue_slots.BUNDLE_FORM if bundle else "service_request_form")]
        events: list[Any] = [SlotSet(CONFIRMED, None)]
        field = field_to_correct(tracker)
        if bundle and field in (MODE, OFFICE):  # the one window is fixed: only the time can change
            field = DATE
        if field is None:
            # The confirmation's own buttons name what can be corrected; it is asked again at once.
            if not bundle:
                say(dispatcher, texts.CORRECT_WHICH, CORRECTION_BUTTONS)
            return events + reopen
        say(dispatcher, texts.CORRECT_AGAIN.format(label=_LABELS[field]))
        return events + [SlotSet(slot, None) for slot in _DEPENDENTS[field]] + reopen
