"""Short, natural Chinese answers about one aspect of a guide, built only from the guide's own fields.

Nothing here invents facts: every sentence is a template around a field of ``knowledge.Guide``, and a field
the guide does not have is said to be missing, not guessed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge import Guide


_WEEKEND = re.compile(r"周末|周六|周日|星期六|星期天|星期日|礼拜六|礼拜天|礼拜日|双休")
# Hours that include weekends without naming them, hours that name only weekdays, and weekends named as closed.
_ALL_WEEK = re.compile(r"24小时|全天|每天|全年无休|节假日照常")
_WEEKDAYS_ONLY = re.compile(r"周一至周五|星期一至星期五|工作日")
_WEEKEND_DAY = r"(?:周末|周六|周日|星期六|星期天|星期日|礼拜六|礼拜天|礼拜日|双休日?)"
_WEEKEND_CLOSED = re.compile(rf"{_WEEKEND_DAY}(?:[、和及与]{_WEEKEND_DAY})?\s*(?:休息|不办公|不对外|闭馆|不受理|除外)")
_MAX_ITEMS = 5


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def materials(g: Guide) -> str:
    lines = [m.line() for m in g.materials]
    required = sum(1 for m in g.materials if m.required)
    head = f"办理{g.title}需要准备以下材料（其中{required}项必需）："
    return head + "\n" + _numbered(lines)


def fees(g: Guide) -> str:
    if not g.fees:
        return f"{g.title}不收费，免费办理。"
    items = "；".join(f"{f.item}{f.amount}" for f in g.fees)
    return f"办理{g.title}需要缴纳：{items}。"


def _hours(g: Guide) -> list[str]:
    return [f"{loc.name}：{loc.hours}" for loc in g.locations[:_MAX_ITEMS]]


def _weekend_open(hours: str) -> bool | None:
    """True/False when the hours text says whether the place opens at weekends; None when it does not say."""
    if _WEEKEND_CLOSED.search(hours):
        return False
    if _WEEKEND.search(hours) or _ALL_WEEK.search(hours):
        return True
    return False if _WEEKDAYS_ONLY.search(hours) else None


def weekend(g: Guide) -> str:
    open_weekend = [loc for loc in g.locations if _weekend_open(loc.hours)]
    if open_weekend:
        lines = [f"{loc.name}（{loc.address}）：{loc.hours}" for loc in open_weekend[:_MAX_ITEMS]]
        return "周末可以办理，以下地点周末开放：\n" + _numbered(lines)
    if g.locations and all(_weekend_open(loc.hours) is False for loc in g.locations):
        text = "按办事指南，周末一般不办理，请在工作日前往。"
    else:  # "以各网点营业时间为准", or no place at all: the guide does not say, so neither do we
        text = f"办事指南没有写明{g.title}周末能否办理，请以办理地点公布的时间为准。"
    if g.locations:
        text += "\n办理时间：\n" + _numbered(_hours(g))
    if g.online.available:
        text += "\n该事项也可以网上办理，不受周末限制。"
    return text


def time(g: Guide, question: str = "") -> str:
    if _WEEKEND.search(question):
        return weekend(g)
    parts = []
    if g.time_limit.promised:
        parts.append(f"承诺办结时限为{g.time_limit.promised}")
    if g.time_limit.statutory:
        parts.append(f"法定办结时限为{g.time_limit.statutory}")
    text = f"{g.title}的" + "，".join(parts) + "。" if parts else f"办事指南没有写明{g.title}的办结时限。"
    if g.locations:
        text += "\n办理时间：\n" + _numbered(_hours(g))
    return text


def place(g: Guide, question: str = "") -> str:
    if _WEEKEND.search(question):
        return weekend(g)
    if not g.locations:
        text = f"{g.title}没有固定的线下窗口。"
    else:
        lines = [f"{loc.name}\n   地址：{loc.address}\n   时间：{loc.hours}" for loc in g.locations[:_MAX_ITEMS]]
        text = f"{g.title}可以到以下地点办理：\n" + _numbered(lines)
    extras = []
    if g.appointment:
        extras.append("支持预约办理")
    if g.delivery:
        extras.append("证件可以邮寄送达")
    if extras:
        text += "\n" + "，".join(extras) + "。"
    return text


def process(g: Guide) -> str:
    lines = [f"{s.name}：{s.description}" for s in g.process]
    visits = "全程网上办理，不用跑现场" if g.visits == 0 else f"一般需要到现场{g.visits}次"
    return f"{g.title}的办理流程（{visits}）：\n" + _numbered(lines)


def conditions(g: Guide) -> str:
    who = "、".join(g.service_objects)
    return f"{g.title}的办理对象是{who}，需要符合以下条件：\n" + _numbered(list(g.conditions))


def online(g: Guide) -> str:
    if g.online.available:
        text = "可以网上办理。"
        if g.online.notes:
            text += g.online.notes.rstrip("。") + "。"
        if g.online.url:
            text += f"\n网上办理入口：{g.online.url}"
        if g.visits:
            text += f"\n需要到现场{g.visits}次。"
        return text
    text = f"{g.title}暂时不能网上办理，需要到现场办理"
    text += f"（一般{g.visits}次）。" if g.visits else "。"
    if g.online.notes:
        text += g.online.notes.rstrip("。") + "。"
    return text


def phone(g: Guide) -> str:
    parts = []
    if g.phones.consult:
        parts.append("咨询电话：" + "、".join(g.phones.consult))
    if g.phones.complaint:
        parts.append("监督投诉电话：" + "、".join(g.phones.complaint))
    if not parts:
        return f"办事指南没有列出{g.title}的咨询电话，您可以拨打12345政务服务便民热线。"
    return "\n".join(parts)


def benefits(g: Guide) -> str:
    """What a citizen receives, when no FAQ of the guide says it: say so rather than guess an amount."""
    return f"办事指南没有写明{g.title}的具体标准或金额，以经办机构核定为准。\n{g.summary}"


def overview(g: Guide) -> str:
    facts = [fees(g).rstrip("。")]
    if g.time_limit.promised:
        facts.append(f"承诺{g.time_limit.promised}办结")
    facts.append("可以网上办理" if g.online.available else "需要到现场办理")
    return f"{g.summary}\n{'，'.join(facts)}。\n您可以继续问我需要哪些材料、在哪里办、要多少钱。"


def faq_answer(faq_text: str) -> str:
    """A FAQ hit's text is "问：…\\n答：…"; the answer alone reads naturally."""
    match = re.search(r"答[：:](.*)", faq_text, flags=re.S)
    return (match.group(1) if match else faq_text).strip()


def faq_reply(faq_text: str) -> str:
    """The FAQ's question, then its answer: the question says what the answer is about."""
    match = re.search(r"问[：:](.*?)\n", faq_text)
    answer = faq_answer(faq_text)
    return f"关于“{match.group(1).strip()}”：\n{answer}" if match else answer


def source_line(title: str, section_titles: list[str], notice: str) -> str:
    """Where an answer's facts come from; the last line of every guide answer, from the assistant or staff."""
    return f"来源：《{title}》办事指南 · {'、'.join(section_titles)}（{notice}）"


def render(g: Guide, aspect: str, question: str = "") -> str:
    """The answer about ``aspect`` ("faq" is answered from the hit text by the caller)."""
    if aspect == "materials":
        return materials(g)
    if aspect == "fees":
        return fees(g)
    if aspect == "benefits":
        return benefits(g)
    if aspect == "time":
        return time(g, question)
    if aspect == "place":
        return place(g, question)
    if aspect == "process":
        return process(g)
    if aspect == "conditions":
        return conditions(g)
    if aspect == "online":
        return online(g)
    if aspect == "phone":
        return phone(g)
    return overview(g)
