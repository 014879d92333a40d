"""How a reply meets the citizen: grief, hardship and complaints about the service itself, told apart.

A message that asks about a service while grieving or in trouble is a service question; it gets the answer, led
by a sentence that fits ("请您节哀"), never the apology for a bad experience. Only a complaint about the service
(窗口态度差, 我要投诉) gets that apology, with 12345 and the offer of a human.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KIN = r"(爸|妈|父亲|母亲|老人|爷爷|奶奶|外公|外婆|姥姥|姥爷|老公|丈夫|妻子|老婆|儿子|女儿|家人|亲人|老伴|婆婆|公公)"
_GRIEF = re.compile(rf"过世|去世|逝世|离世|病故|身故|过身|丧事|后事|{_KIN}.{{0,6}}(走了|死了|没了)")
_HARDSHIP = re.compile(
    r"被偷|被抢|遭偷|遭抢|遭摸|偷了|抢了|扒了|失业|辞退|开除|下岗|裁员|没工作|受伤|工伤|摔断|摔伤|骨折|拖欠|欠薪|"
    r"不给工资|不发工资|困难|没钱|看不起病|生病|住院|重病|残疾|瘫|离婚|急得很|急死|着急|走投无路"
)
# Words that only a complaint about how the service treated the citizen uses (sent back and forth, a broken site,
# an answer that missed): the complaint's reply whatever NLU read.
_SERVICE_COMPLAINT = re.compile(
    r"态度(差|不好|恶劣|太差)|服务差|差评|不理人|刁难|推诿|推脱|敷衍|踢皮球|踢来踢去|推来推去|推过来推过去|磨洋工|骂人|"
    r"甩脸|给脸色|冷漠|不耐烦|破网站|坑人|不作为|乱收费|白跑|来回跑|跑了好几趟|问东答西|答非所问|牛头不对马嘴|一点用都没|"
    r"(喊|叫|让)我.{0,12}又(说|喊|叫|让)|登录不上|登不上|一直转圈|闪退|(上传|提交|支付).{0,6}(失败|不了)|一直失败|"
    r"复制粘贴|(讲|说)一大堆"
)
# Words a complaint shares with other stories ("违章拖了一年" is the citizen's own delay, "我要投诉老板" a labour
# dispute): a complaint only when NLU read one too.
_GRUMBLE = re.compile(
    r"投诉|举报|态度|太差|差劲|没人管|没人理|为难|效率低|效率太低|太慢|凶|吼|脸色|不负责|打不开|进不去|用不了|转圈|"
    r"卡住|垃圾|跑了几趟|跑了.{1,2}趟|排了.{0,4}(小时|钟头|上午|下午|一天)|排队排(得|半天|死|了)|等了.{0,4}(小时|钟头|上午|下午|一天)|"
    r"气死|气人|没人接|打不通|难听|恶劣|没用|有啥子用|有什么用|能不能用|不满意|不合理|太麻烦|还没消息|没人回|拖了|"
    r"一直拖|凭什么|凭啥|明明|为啥子还要|为什么还要|也不说为|问不清楚|说不清楚|过分|"
    r"(为啥子|为什么|为啥)不一次|就不能(给|让|帮|多|留|统一)|又说|不退(?!休)|没(交|缴|提交|办)成功|都说不(晓得|知道)"
)
# Said before a handover the citizen asked for in a complaint ("答非所问，我要找真人"), not the complaint's reply:
# its offer of a human is already being kept.
APOLOGY = "非常抱歉给您带来了不好的体验。"

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


def complains_about_service(text: str, *, intent: str | None) -> bool:
    """A complaint about the service itself: its own words, or words a complaint shares with others when NLU read
    a complaint too."""
    return bool(_SERVICE_COMPLAINT.search(text) or (intent == "complain" and _GRUMBLE.search(text)))


def checklist_lead(text: str, *, intent: str | None) -> Lead | None:
    """``lead`` for a life event's checklist: in grief, the list is several things, to be done one by one."""
    return Lead(sentence=CHECKLIST_CONDOLENCE) if _GRIEF.search(text) else lead(text, intent=intent)


def lead(text: str, *, intent: str | None) -> Lead | None:
    """What an answer starts with, for a message in grief, hardship or anger; ``None`` for the rest. A complaint
    that also asks ("排了两个小时，到底要带什么") gets the complaint's reply first, then the answer; complaint words
    shared with other stories are not enough ("违章拖了一年" tells of the citizen's own delay)."""
    if _GRIEF.search(text):
        return Lead(sentence=CONDOLENCE)
    if complains_about_service(text, intent=intent):
        return Lead(response=COMPLAINT_RESPONSE)
    if _HARDSHIP.search(text):
        return Lead(sentence=SYMPATHY)
    return None
