"""How a reply meets the citizen: grief, hardship and complaints about the service itself, told apart.

A message that asks about a service while grieving or in trouble is a service question; it gets the answer, led
by a sentence that fits ("请您节哀"), never the apology for a bad experience. Only a complaint about the service
(窗口态度差, 我要投诉) gets that apology, with 12345 and the offer of a human.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.aspects import QUESTION

_KIN = r"(爸|妈|父亲|母亲|老人|爷爷|奶奶|外公|外婆|姥姥|姥爷|老公|丈夫|妻子|老婆|儿子|女儿|家人|亲人|老伴|婆婆|公公)"
_GRIEF = re.compile(rf"过世|去世|逝世|离世|病故|身故|过身|丧事|后事|{_KIN}.{{0,6}}(走了|死了|没了)")
_HARDSHIP = re.compile(
    r"被偷|被抢|遭偷|遭抢|遭摸|偷了|抢了|扒了|失业|辞退|开除|下岗|裁员|没工作|受伤|工伤|摔断|摔伤|骨折|拖欠|欠薪|"
    r"不给工资|不发工资|困难|没钱|看不起病|生病|住院|重病|残疾|瘫|离婚|急得很|急死|着急|走投无路"
)
_COMPLAINT = re.compile(
    r"投诉|举报|态度|太差|差劲|服务差|差评|不理人|没人管|没人理|刁难|为难|推诿|推脱|敷衍|踢皮球|效率低|效率太低|太慢|"
    r"磨洋工|骂人|凶|吼|甩脸|脸色|冷漠|不耐烦|不负责|打不开|破网站|垃圾|坑人|不作为|乱收费|白跑|跑了好几趟|"
    r"跑了几趟|跑了.{1,2}趟|来回跑|排了.{0,4}(小时|钟头|上午|下午|一天)|排队排|气死|气人|没人接|打不通|难听|恶劣|"
    r"没用|不满意|不合理|太麻烦|还没消息|没人回|拖了|一直拖"
)

CONDOLENCE = "请您节哀，家里的事一件一件办，我先把这件说清楚。"
SYMPATHY = "遇到这样的事确实着急，别担心，照下面的办法办理就行。"
CHECKLIST_CONDOLENCE = "请您节哀。后面的事不用一次想全，照下面的清单一件一件办，能一起申请的一次就办好。"
# The complaint's own reply (bot/domain/core.yml): the apology, 12345 and the offer of a human, once.
COMPLAINT_RESPONSE = "utter_complain"


@dataclass(frozen=True)
class Lead:
    """What comes before an answer: a sentence in the answer itself, or a whole reply of its own sent first."""

    sentence: str | None = None
    response: str | None = None


def complains_about_service(text: str) -> bool:
    return bool(_COMPLAINT.search(text))


def asks_question(text: str) -> bool:
    """Is there a question in it ("排了两个小时，到底要带什么")? A complaint that asks one gets the answer."""
    return bool(QUESTION.search(text))


def checklist_lead(text: str, *, intent: str | None) -> Lead | None:
    """``lead`` for a life event's checklist: in grief, the list is several things, to be done one by one."""
    return Lead(sentence=CHECKLIST_CONDOLENCE) if _GRIEF.search(text) else lead(text, intent=intent)


def lead(text: str, *, intent: str | None) -> Lead | None:
    """What an answer starts with, for a message in grief, hardship or anger; ``None`` for the rest. A complaint
    that also asks ("排了两个小时，到底要带什么") gets the complaint's reply first, then the answer; complaint words
    alone are not enough ("违章拖了一年" tells of the citizen's own delay), NLU must have read a complaint too."""
    if _GRIEF.search(text):
        return Lead(sentence=CONDOLENCE)
    if intent == "complain" and _COMPLAINT.search(text):
        return Lead(response=COMPLAINT_RESPONSE)
    if _HARDSHIP.search(text):
        return Lead(sentence=SYMPATHY)
    return None
