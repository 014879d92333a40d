"""The turn: every message that is not clearly conversation control is searched, and the search decides.

NLU intents steer only conversation control (greetings, thanks, a complaint about the service, off-topic chat),
and only when NLU is sure, the message names no service and asks nothing. Everything else goes to the knowledge
search: with a guide in context a short question stays on it; otherwise the search's decision answers, asks which
guide is meant, or says it did not understand. The thresholds are the calibration's (knowledge/calibration.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge_base, life_events, slots
from actions.clarify_guide import pick_candidate
from actions.guide_replies import answer_with_guide, ask_which, clarify
from actions.knowledge_base import find_guide
from actions.low_confidence import not_understood
from actions.service_names import mentioned_guides, named_guides, without_names
from actions.tone import COMPLAINT_RESPONSE, complains_about_service, lead
from actions.turn_facts import turn
from knowledge.aspects import asks, detect_aspect, done_by_someone_else
from knowledge.calibration import Calibration, load_calibration
from knowledge.schema import ASPECTS

logger = logging.getLogger(__name__)

SEARCH_FAILED = "抱歉，办事指南查询暂时出了点问题，请稍后再试，或说“转人工”由工作人员为您解答。"
# Intents whose own reply answers a message that is only conversation control.
CONTROL_REPLIES: dict[str, str] = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_thank",
    "bot_challenge": "utter_bot_challenge",
    "insult": "utter_insult",
    "complain": "utter_complain",
    "out_of_scope": "utter_out_of_scope",
}
# A question this short that names no other service continues the guide in context ("好多钱", "要带啥子").
FOLLOW_UP_CHARS = 12
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PUNCTUATION = re.compile(r"[\s，。,.!！?？~～、…：:；;“”\"'（）()]+")


# A yes/no question at the end of a message ("两个能同时领不", "影响不", "能不能弄", "保费有没有补贴"), or one asking
# what else ("还要交啥"): both ask on about what is in context.
_ASKS_ON = re.compile(r"(不|吗|没|没有|么)$|(.)不\2|(.)没\3|^还(要|能|得|可以)")
# Asking before the last clause ("他的户口咋个注销 我能代办不"): the service named there is the one asked about.
_ASKS_BEFORE = re.compile(r"咋|怎么|如何|吗|[？?]")
# Words around a bare name ("顺便问下 低保 我能申请不"): no situation of the citizen's.
_FILLER = re.compile(r"顺便|问一?下|请问|另外|还有|那个?|这个|呢|再|也|的")


def is_short(text: str) -> bool:
    return len(_PUNCTUATION.sub("", text)) <= FOLLOW_UP_CHARS


def clauses(text: str) -> list[str]:
    """The message cut at punctuation and spaces; at least one (maybe empty) clause."""
    return [c for c in _PUNCTUATION.split(text) if c] or [""]


def asks_of_the_current(text: str, current: str | None = None) -> bool:
    """Does a follow-up tell of the citizen's situation, naming what it names there, and then ask on, naming no other
    service ("我家吃着低保 能优先不", "我儿子户口迁到城里去了 他还能申请不", "离婚证搞丢了 影响不", "我已经有残疾证了
    还要交啥")? The question is about the service in context; the names were circumstances. A bare name before the
    question ("临时救助 我能申请不") or a question before it ("他的户口咋个注销 我能代办不") asks of that service."""
    *told, question = clauses(text)
    situation = "".join(told)
    in_question = named_guides(question)
    if not situation or (in_question and current not in in_question):
        return False
    # Something done, then one thing asked ("我户口迁到贵阳了 在哪点换") asks it of the service in context too.
    done_then_asked = situation.endswith("了") and detect_aspect(question) not in (None, "process")
    if not (_ASKS_ON.search(question) or done_then_asked):
        return False
    return not _ASKS_BEFORE.search(situation) and bool(_CJK.search(_FILLER.sub("", without_names(situation))))


def asks_first(text: str) -> bool:
    """Does a message ask one thing first, naming nothing, then tell the citizen's story ("好久能批下来 一家人现在住在
    亲戚家 急得很")? The story is why they ask, not another service."""
    first, *story = clauses(text)
    return bool(story) and is_short(first) and detect_aspect(first) is not None and not mentioned_guides(text)


def entity_value(tracker: Tracker, name: str) -> str | None:
    for ent in tracker.latest_message.get("entities") or []:
        if ent.get("entity") == name and ent.get("value"):
            return str(ent["value"])
    return None


def question_text(tracker: Tracker) -> str:
    text = (tracker.latest_message.get("text") or "").strip()
    return "" if text.startswith("/") else text  # a button payload is not a question


def nlu_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def _top(result: Any) -> Any:
    return result.hits[0] if result is not None and result.hits else None


def asks_about_service(text: str) -> bool:
    """Does the message name a service or ask about an aspect of one ("好的，利率是好多")?"""
    return bool(named_guides(text)) or detect_aspect(text) is not None


def asks_about_aspect(text: str) -> bool:
    """A typed question about one aspect of a service ("网上登记得不", "我老公可以帮我去办吗", "我来贵阳半年了 能办不"),
    never a command that NLU's control intents were trained on ("我要网上申请这个", "可以帮我办理吗", "算了不办了")."""
    if not asks(text):
        return False
    aspect = detect_aspect(text)
    if aspect == "conditions":
        return done_by_someone_else(text) or asks_of_the_current(text)
    return aspect is not None and aspect != "process"


def is_control(text: str, intent: str | None, confidence: float, cal: Calibration) -> bool:
    """Conversation control NLU is sure of, in a message that names no service and asks nothing; a "complaint"
    with a question in it, or without a word of complaint ("今年满六十，想把退休这一套都办了"), is grief, hardship, a
    situation or something off-topic, and is searched (its apology waits for a search that finds nothing)."""
    if intent == "complain" and (asks(text) or not complains_about_service(text, intent=intent)):
        return False
    return intent in CONTROL_REPLIES and confidence >= cal.control_at and not asks_about_service(text)


def is_follow_up(text: str, result: Any, current: str, named: set[str], cal: Calibration) -> bool:
    """Does the question continue the current guide rather than start a new topic?

    It does when the open search answers from it or the question names it; when it names none and is short
    ("能领好多", "周末开门不") or asks before its story (``asks_first``); when what it names is only the citizen's
    situation (``asks_of_the_current``). A
    longer one that names none leaves only when the open search is very sure of another guide. Scores of a search
    restricted to one guide are not comparable with the open search, so they are not used for this.
    """
    top = _top(result)
    answered_from = top.guide_id if top is not None and result.decision == "answer" else None
    if answered_from == current:
        return True
    # Naming the current guide stays, unless the question at the end names, instead of it, the guide the open search
    # answers from ("等低保批下来之前 能先申请临时救助不" after 低保).
    if current in named:
        in_question = named_guides(clauses(text)[-1])
        if not (answered_from in in_question and current not in in_question):
            return True
    if named:
        # names another service ("那医保异地备案咋个弄"), unless only as the citizen's situation
        return asks_of_the_current(text, current)
    # Short and about nothing but what is asked, or about the current guide's topic: a follow-up. A short one on
    # another topic ("娃娃的医保也要参保 咋个弄" after 上户口) is read like a longer one.
    if is_short(text) and (not (mentioned := mentioned_guides(text)) or current in mentioned):
        return True
    return asks_of_the_current(text, current) or asks_first(text) or not (
        answered_from is not None and result.confidence >= cal.new_topic_at
    )


def earlier_questions(tracker: Tracker, count: int = 2) -> list[str]:
    """The citizen's typed messages before this one, the latest last (button payloads are no words)."""
    texts = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    return [t for t in texts[:-1] if t and not t.startswith("/")][-count:]


def named_before(tracker: Tracker, candidates: list[str]) -> str | None:
    """The one offered guide the citizen's previous message named, if it named exactly one."""
    earlier = earlier_questions(tracker, 1)
    named = named_guides(earlier[-1]) & set(candidates) if earlier else set()
    return next(iter(named)) if len(named) == 1 else None


def pick_asked_on(text: str, result: Any, candidates: list[str]) -> str | None:
    """The offered guide a citizen means who asks on instead of choosing ("一个月能领好多", "在手机上咋个交").

    They are not asked the same choice again: a short question asks about the service of the question before, for
    which the offered guides are ranked, so the first of them answers it ("不是这个" moves to the next; read
    together with the question before, the short one's aspect words pulled the search to other guides). A longer
    message answers from the offered guide its own search puts first, and is a new question when that is none of
    them.
    """
    if is_short(text):
        return candidates[0]
    top = _top(result)
    return str(top.guide_id) if top is not None and top.guide_id in candidates else None


def alternatives(result: Any, chosen: str) -> list[str]:
    """Other guides the search found, for "不是这个"."""
    return [h.guide_id for h in result.hits if h.guide_id != chosen][:3] if result is not None else []


def answer_top_hit(
    dispatcher: CollectingDispatcher, *, result: Any, question: str, intent: str | None
) -> list[EventType]:
    """Answer from the open search's best guide, offering the others it found for "不是这个"."""
    top = result.hits[0]
    return answer_with_guide(
        dispatcher,
        guide_id=top.guide_id,
        aspect=result.aspect,
        question=question,
        hit=top,
        result=result,
        alternatives=alternatives(result, top.guide_id),
        lead=lead(question, intent=intent),
    )


def usable_hit(hit: Any, result: Any, aspect: str | None) -> Any:
    """A FAQ chunk answers a question without an aspect only when the search is sure of it."""
    if hit is not None and aspect is None and hit.section == "faq" and result.decision != "answer":
        return None
    return hit


def control_reply(dispatcher: CollectingDispatcher, intent: str) -> list[EventType]:
    dispatcher.utter_message(response=CONTROL_REPLIES[intent])
    return []


async def answer_turn(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The reply to one citizen message that may be a service question (see the module's docstring)."""
    current = tracker.get_slot(slots.CURRENT_GUIDE)
    candidates = list(tracker.get_slot(slots.CANDIDATES) or [])
    button_aspect = entity_value(tracker, "aspect")
    text = question_text(tracker)
    intent, nlu_confidence = nlu_intent(tracker)
    cal = load_calibration()

    # A next-step button ("要多少钱") is about the current guide.
    if button_aspect in ASPECTS and current:
        return answer_with_guide(dispatcher, guide_id=current, aspect=button_aspect, alternatives=candidates)
    if not text:
        return control_reply(dispatcher, intent) if intent in CONTROL_REPLIES else not_understood(dispatcher, tracker)
    # A complaint about the service itself, even one naming the service or asking for a human ("问东答西，有没有人工"),
    # gets the apology, 12345 and the handover offer; one that asks something else gets them before the answer.
    complaint = complains_about_service(text, intent=intent)
    control = is_control(text, intent, nlu_confidence, cal)
    if complaint and (control or not asks(text)):
        return control_reply(dispatcher, "complain")
    if control:
        return control_reply(dispatcher, str(intent))

    try:
        result = await knowledge_base.search(text)
    except Exception:  # the index is missing or broken: say so instead of staying silent
        logger.exception("knowledge search failed")
        dispatcher.utter_message(text=SEARCH_FAILED, json_message={"turn": turn(fell_back=True)})
        return []
    top = _top(result)
    aspect = result.aspect
    query = result.query or text  # the search reads mistyped service names as the names they sound like
    named = named_guides(query)
    logger.info(
        "turn intent=%s nlu=%.2f decision=%s confidence=%.3f top=%s aspect=%s named=%s",
        intent, nlu_confidence, result.decision, result.confidence, top.guide_id if top else None, aspect,
        ",".join(sorted(named)),
    )

    # A life event's question gets its checklist; a short message on a guide, a list or a pending choice ("要带啥子"
    # after "户口要咋个销") continues it instead.
    on_list = tracker.get_slot(slots.LIFE_EVENT)
    # A message naming one service that is not on the event's list, which the search also puts first ("买了个二手车
    # 要过户" near the house's list), is that service's question.
    elsewhere = (
        bool(result.life_event) and len(named) == 1 and top is not None and top.guide_id in named
        and not named & life_events.services(result.life_event)
    )
    # With a guide in context, the citizen's situation told before a question that asks on ("我孙子户口在这边 人在外地
    # 读书 能在这边帮他交不") asks of that guide, not for an event's list.
    if (
        result.life_event and current not in named and not elsewhere
        and not (is_short(text) and (current or on_list or candidates))
        and not (current and asks_of_the_current(text, current))
    ):
        return life_events.show_checklist(
            dispatcher, event_id=result.life_event, question=text, intent=intent, confidence=result.confidence
        )
    # "第二个要带啥" on a checklist is about its second service, even after another of its services was opened.
    if on_list and is_short(text) and (numbered := life_events.numbered_service(on_list, query)) is not None:
        return answer_with_guide(
            dispatcher,
            guide_id=numbered,
            aspect=aspect,
            question=text,
            alternatives=[c for c in candidates if c != numbered],
            lead=lead(text, intent=intent),
        )

    # A typed reply to a clarification ("租房那个") picks one of the offered guides.
    if not current and candidates:
        # A checklist's services wait as candidates; a long message on it is a new question, searched openly.
        chosen = pick_candidate(query, candidates, result) if not (on_list and not is_short(text)) else None
        # "娃娃生了咋个上户口" brought the list: "要带啥子" after it asks about 上户口, the one service it named.
        if on_list and chosen is None and not named and is_short(text) and not life_events.asks_about_whole_list(text):
            chosen = named_before(tracker, candidates)
        if on_list and chosen is None and not named:  # "都能网上办不", "要跑几趟", "先办哪个" on the whole list
            on_whole_list = life_events.follow_up(dispatcher, event_id=on_list, text=text, aspect=aspect)
            if on_whole_list is not None:
                return on_whole_list
            # "过户费要好多" after the house checklist: the search is sure it is one service of the list.
            if result.decision == "answer" and top is not None and top.guide_id in candidates:
                chosen = top.guide_id
        # Asking on instead of choosing ("一个月能领好多", "他77了") answers one of the offered guides.
        if chosen is None and not named and not on_list:
            chosen = pick_asked_on(text, result, candidates)
        if chosen is not None:
            return answer_with_guide(
                dispatcher,
                guide_id=chosen,
                aspect=aspect or tracker.get_slot(slots.ASKED_ASPECT),
                question=text,
                alternatives=[c for c in candidates if c != chosen],
                lead=lead(text, intent=intent),
            )
        if not named and is_short(text):  # "要带啥子" on a checklist, about none of its services
            choices = [(c, g.title) for c in candidates if (g := find_guide(c)) is not None]
            if choices:
                return ask_which(dispatcher, choices=choices, aspect=aspect or tracker.get_slot(slots.ASKED_ASPECT))

    if current and is_follow_up(query, result, current, named, cal):
        mine = await knowledge_base.search(text, guide_id=current)
        if mine is not None and mine.hits:
            return answer_with_guide(
                dispatcher,
                guide_id=current,
                aspect=aspect,
                question=text,
                hit=usable_hit(_top(mine), mine, aspect),
                result=mine,
                decision="answer",  # the restricted search's decision tells guides apart; here there is one
                alternatives=candidates,
                lead=lead(text, intent=intent),
            )

    # Chat NLU took for off-topic, a greeting, thanks or a complaint stands unless the message names a service or
    # the search is surer than any off-topic question gets. A "complaint" that asks something is no chat: grief and
    # hardship read like complaints to NLU.
    unnamed_chat = intent in CONTROL_REPLIES and not named and not (intent == "complain" and asks(text))
    if result.decision == "answer" and top is not None:
        if not (unnamed_chat and result.confidence < cal.overrule_at):
            return answer_top_hit(dispatcher, result=result, question=text, intent=intent)
    elif result.decision == "clarify" and len(result.hits) > 1 and not unnamed_chat:
        if complaint:  # "窗口喊我网上办，网上又说去窗口，到底咋个整": the apology first, then which service
            dispatcher.utter_message(response=COMPLAINT_RESPONSE)
        return clarify(dispatcher, result=result, aspect=aspect)
    if complaint or intent == "complain":  # nothing found: the apology for a complaint, what it can do for a question
        return control_reply(dispatcher, "complain" if complaint or not asks(text) else "out_of_scope")
    if intent in CONTROL_REPLIES:
        return control_reply(dispatcher, str(intent))
    return not_understood(dispatcher, tracker, result=result, aspect=aspect)


class ActionAnswerFromGuide(Action):
    def name(self) -> str:
        return "action_answer_from_guide"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return await answer_turn(dispatcher, tracker)
