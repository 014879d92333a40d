"""Life events in the conversation (高效办成一件事, docs/life-events.md): the checklist and follow-ups on it.

The checklist lists the event's services in order, each with its one line and a button to its guide, the merged
materials, the visits in all and the one window; "一次申请" starts the combined application (owned by
bot/domain/bundle_request.yml) when two services or more can be applied for together. Every fact comes from a
guide (knowledge/checklists.py) and the reply names them.
"""

from __future__ import annotations

import json
import logging
import re

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.clarify_guide import ordinal
from actions.guide_replies import choice_button
from actions.knowledge_base import get_knowledge_base
from actions.tone import checklist_lead
from actions.turn_facts import turn
from govchat.turn import CHECKLIST_SECTION
from knowledge.checklists import Checklist, build_checklist
from knowledge.schema import SAMPLE_NOTICE

logger = logging.getLogger(__name__)

BUNDLE_TITLE = "一次申请"
# Follow-ups on the list as a whole; one service's question ("第二个要带啥") picks it from the candidates.
_VISITS = re.compile(r"几趟|几次|多少趟|多少次|跑几|跑好多|要跑")
_ORDER = re.compile(r"先办|先弄|先去|哪个先|哪样先|顺序|从哪.{0,4}(开始|办起)|第一步")
_ALL = re.compile(r"都|全部|每个|每样|这些|哪些")


def bundle_button(event_id: str) -> dict[str, str]:
    """The combined application's entry (intent start_bundle_request, branch bundle-requests)."""
    return {"title": BUNDLE_TITLE, "payload": "/start_bundle_request" + json.dumps({slots.LIFE_EVENT: event_id})}


def checklist(event_id: str) -> Checklist | None:
    kb = get_knowledge_base()
    event = next((e for e in kb.life_events() if e.id == event_id), None)
    if event is None:
        logger.warning("unknown life event %s", event_id)
        return None
    return build_checklist(event, {g.id: g for g in kb.guides()})


def _sources(cl: Checklist) -> str:
    titles = "、".join(f"《{i.guide.title}》" for i in cl.items)
    notice = SAMPLE_NOTICE if all(i.guide.is_sample for i in cl.items) else "以官方发布为准"
    return f"来源：{titles}办事指南（{notice}）"


def _visits_line(cl: Checklist) -> str:
    share = f"，标★的{len(cl.together)}件一起申请只算一趟" if cl.can_apply_together else ""
    return f"全部办完一般共跑现场{cl.visits}次{share}。" if cl.visits else "全部可以网上办，不用跑现场。"


def render_checklist(cl: Checklist) -> str:
    event = cl.event
    # The first line is what elder mode shows first (the web chat's gist): how many, and what one application saves.
    together = f"，标★的{len(cl.together)}件可以一次申请" if cl.can_apply_together else ""
    lines = [f"{event.title}共{len(cl.items)}件{together}，按顺序办："]
    for item in cl.items:
        mark = "★" if item.service.together and cl.can_apply_together else ""
        lines.append(f"{item.number}. {item.guide.title}{mark}：{item.service.line}")
    required = [m for m in cl.materials if m.required]
    lines.append("")
    lines.append("要带的材料（每样带一份就行，冒号后是要用它的事项）：")
    for m in required:
        numbers = "、".join(str(i.number) for g in m.guide_ids if (i := cl.item(g)) is not None)
        lines.append(f"· {m.label}：{numbers}")
    if len(required) < len(cl.materials):
        lines.append("另有视情况提供的材料，点下面的事项查看。")
    lines.append("")
    lines.append(_visits_line(cl))
    window = event.window
    phone = f"，咨询电话{window.phone}" if window.phone else ""
    lines.append(f"一窗办理：{window.name}（{window.address}）{phone}。")
    lines.append("")
    lines.append(_sources(cl))
    return "\n".join(lines)


def checklist_buttons(cl: Checklist) -> list[dict[str, str]]:
    # The one application first: it is what the list leads to; then each service's guide in the list's order.
    buttons = [bundle_button(cl.event.id)] if cl.can_apply_together else []
    return buttons + [choice_button(f"{i.number}. {i.guide.title}", i.guide.id) for i in cl.items]


def _on_list(cl: Checklist) -> list[EventType]:
    """The list is the conversation's topic: no current guide, its services are the candidates ("第二个")."""
    return [
        SlotSet(slots.LIFE_EVENT, cl.event.id),
        SlotSet(slots.CURRENT_GUIDE, None),
        SlotSet(slots.CANDIDATES, [i.guide.id for i in cl.items]),
        SlotSet(slots.ASKED_ASPECT, None),
        SlotSet(slots.FAILED_TURNS, 0.0),
        SlotSet(slots.HANDOVER_OFFERED, False),
    ]


def show_checklist(
    dispatcher: CollectingDispatcher,
    *,
    event_id: str,
    question: str = "",
    intent: str | None = None,
    confidence: float | None = None,
) -> list[EventType]:
    cl = checklist(event_id)
    if cl is None:
        return []
    lead = checklist_lead(question, intent=intent)
    if lead is not None and lead.response:  # a complaint that also asks: its own reply first, as for a guide
        dispatcher.utter_message(response=lead.response)
    sentence = lead.sentence if lead is not None else None
    dispatcher.utter_message(
        text=(f"{sentence}\n" if sentence else "") + render_checklist(cl),
        buttons=checklist_buttons(cl),
        json_message={
            "turn": turn(decision="checklist", section=CHECKLIST_SECTION, confidence=confidence, life_event=event_id)
        },
    )
    return _on_list(cl)


def _online(cl: Checklist) -> str:
    lines = []
    for i in cl.items:
        g = i.guide
        if not g.online.available:
            how = f"不能网上办，要到现场{g.visits}次" if g.visits else "不能网上办"
        else:
            how = "全程网上办" if g.visits == 0 else f"可以网上申请，还要到现场{g.visits}次"
        lines.append(f"{i.number}. {g.title}：{how}")
    return "各项能不能网上办：\n" + "\n".join(lines)


def _visits(cl: Checklist) -> str:
    lines = [f"{i.number}. {i.guide.title}：" + (f"到现场{i.guide.visits}次" if i.guide.visits else "不用跑现场")
             for i in cl.items]
    return _visits_line(cl) + "分开办时各项是：\n" + "\n".join(lines)


def _order(cl: Checklist) -> str:
    lines = []
    for i in cl.items:
        needs = [n.guide.title for b in i.service.after if (n := cl.item(b)) is not None]
        after = f"（要等{'、'.join(needs)}办好）" if needs else "（随时可以办）"
        lines.append(f"{i.number}. {i.guide.title}{after}")
    return "按这个顺序办：\n" + "\n".join(lines)


def _materials(cl: Checklist) -> str:
    lines = []
    for m in cl.materials:
        numbers = "、".join(str(i.number) for g in m.guide_ids if (i := cl.item(g)) is not None)
        lines.append(f"· {m.label}：{numbers}" + ("" if m.required else "，视情况提供"))
    return "全部事项要带的材料（每样一份，冒号后是要用它的事项）：\n" + "\n".join(lines)


def services(event_id: str) -> set[str]:
    """The guides of the event's list."""
    event = next((e for e in get_knowledge_base().life_events() if e.id == event_id), None)
    return {s.guide for s in event.services} if event is not None else set()


def asks_about_whole_list(text: str) -> bool:
    """"都要带啥", "要跑几趟", "先办哪个": a question on every service of the list rather than one."""
    return bool(_ALL.search(text) or _VISITS.search(text) or _ORDER.search(text))


def numbered_service(event_id: str, text: str) -> str | None:
    """The guide of the list's service a message names by its number ("第二个要带啥")."""
    cl = checklist(event_id)
    position = ordinal(text, len(cl.items)) if cl is not None else None
    return cl.items[position].guide.id if cl is not None and position is not None else None


def follow_up(
    dispatcher: CollectingDispatcher, *, event_id: str, text: str, aspect: str | None
) -> list[EventType] | None:
    """A question about the whole list ("都能网上办不", "要跑几趟", "先办哪个", "要带啥"); ``None`` when it is
    not one, so the caller answers it as today (one service by number or name, or a new question)."""
    if _VISITS.search(text):
        kind = "visits"
    elif _ORDER.search(text):
        kind = "order"
    elif aspect == "online":
        kind = "online"
    elif aspect == "materials" and (_ALL.search(text) or len(text) <= 8):
        kind = "materials"
    else:
        return None
    cl = checklist(event_id)
    if cl is None:
        return None
    body = {"visits": _visits, "order": _order, "online": _online, "materials": _materials}[kind](cl)
    dispatcher.utter_message(
        text=f"{body}\n\n{_sources(cl)}",
        buttons=checklist_buttons(cl),
        json_message={"turn": turn(decision="checklist", section=kind, aspect=aspect, life_event=event_id)},
    )
    return _on_list(cl)

