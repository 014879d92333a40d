"""Which part of a guide a question asks about ("要带什么" -> materials). Pure rules, no model."""

from __future__ import annotations

import re
from collections.abc import Iterable

from knowledge.schema import Aspect
from knowledge.textproc import words

SECTION_TITLES: dict[str, str] = {
    "overview": "事项概述",
    "conditions": "受理条件",
    "materials": "申请材料",
    "process": "办理流程",
    "time": "办理时限",
    "fees": "收费标准",
    "benefits": "待遇标准",
    "place": "办理地点和时间",
    "phone": "咨询电话",
    "online": "网上办理",
    "faq": "常见问题",
}

# The aspect with the highest cue score wins; ties go to the earlier (more specific) aspect: "能领好多钱" is
# what the citizen receives, not what it costs.
_CUES: dict[Aspect, tuple[str, ...]] = {
    "benefits": (
        "领多少",
        "领好多",
        "发多少",
        "发好多",
        "补贴多少",
        "补助多少",
        "补多少",
        "给多少",
        "给好多",
        "拿多少",
        "拿好多",
        "标准是",
        "待遇",
        "一个月多少",
        "每月多少",
        "每个月多少",
        "一个月好多",
        "每个月好多",
        "报销比例",
        "报多少",
        "报好多",
        "能报好多",
        "能报多少",
        "报销多少",
        "报销好多",
        "贷多少",
        "贷好多",
        "额度",
        "利率",
        "最多能",
        "能取多少",
        "取好多",
        "取多少",
        "几个月",
        "多少个月",
        "领几",
        "发几",
        "到手",
        "优惠",
        "福利",
        "好处",
        "享受",
    ),
    "fees": (
        "多少钱",
        "几块钱",
        "几多钱",
        "收费",
        "费用",
        "工本费",
        "要钱",
        "花钱",
        "交钱",
        "给钱",
        "免费",
        "收钱",
        "贵不贵",
        "钱吗",
        "钱不",
        "价格",
        "缴费标准",
        "付费",
        "花多少",
        "要好多钱",
        "好多钱",
        "收不收",
        "钱呀",
        "钱啊",
        "交好多",
        "学费",
        "利息",
        "注册费",
        "收费标准",
        "不要钱",
        "要交钱",
        "多少费",
        "税费",
        "哪些税",
        "交税",
        "什么税",
        "啥税",
        "啥子税",
        "罚多少",
        "罚好多",
        "档次",
        "交费",
    ),
    "materials": (
        "材料",
        "盖章",
        "带什么",
        "带啥",
        "带哪些",
        "带些什么",
        "拿什么",
        "拿啥",
        "准备什么",
        "准备啥",
        "准备哪些",
        "资料",
        "需要什么",
        "需要啥",
        "要什么东西",
        "要啥东西",
        "复印件",
        "原件",
        "照片",
        "带哪样",
        "要哪些东西",
        "要带哪些",
        "提交什么",
        "交什么",
        "带上",
        "要带",
        "带好",
        "哪些东西",
        "什么东西",
        "啥东西",
        "哪样东西",
        "证明材料",
        "要些啥子",
        "些啥子",
        "要啥子",
        "拿些",
        "带些",
        "交啥子",
        "要不要拿",
        "要不要带",
        "单子",
        "要哪些",
        "哪些证明",
        "啥子证明",
        "什么证明",
        "病历",
        "证据",
        "要交啥",
        "要不要交",
        "体检",
    ),
    "time": (
        "多久",
        "多长时间",
        "几天",
        "多少天",
        "好久",
        "时限",
        "几个工作日",
        "工作日",
        "什么时候",
        "啥时候",
        "啥子时候",
        "多快",
        "要等",
        "等多久",
        "办结",
        "多少时间",
        "几时",
        "哪天能",
        "几周",
        "几个月",
        "时间长",
        "当天",
        "马上能",
        "立等",
        "拿到手",
        "几月份",
        "来得及",
        "截止",
        "晚了",
        "时间限制",
        "好多天",
        "过时效",
        "期限",
        "逾期",
        "超期",
        "哪个月",
        "几号",
        "开始发",
        "按月",
        "按年",
        "按季",
        "发一回",
        "发一次",
    ),
    "online": (
        "网上",
        "线上",
        "网办",
        "手机上",
        "手机办",
        "app",
        "小程序",
        "公众号",
        "网站",
        "在线",
        "不用跑",
        "足不出户",
        "电脑上",
        "远程",
        "微信上",
        "贵人服务",
        "政务服务网",
        "用手机",
        "12123",
        "自助机",
        "平台上",
        "电子税务局",
        "不回来",
        "不想两头跑",
        "寄到",
        "邮寄",
        "留言",
    ),
    "place": (
        "在哪",
        "哪里办",
        "哪儿",
        "哪个地方",
        "地址",
        "去哪",
        "到哪",
        "窗口",
        "大厅",
        "地点",
        "哪点",
        "哪个部门",
        "哪家",
        "上班时间",
        "几点",
        "周末",
        "周六",
        "周日",
        "星期六",
        "星期天",
        "礼拜六",
        "礼拜天",
        "上班不",
        "节假日",
        "开门",
        "办公时间",
        "哪里",
        "去哪个",
        "哪个单位",
        "找哪个",
        "还是社区",
        "去派出所",
        "哪个窗口",
        "哪几个地方",
    ),
    "phone": ("电话", "热线", "投诉", "号码", "打给谁", "联系方式", "座机", "客服", "打哪个", "区号"),
    "conditions": (
        "条件",
        "资格",
        "能不能办",
        "可不可以办",
        "符合",
        "有没有资格",
        "够不够",
        "能办吗",
        "可以办吗",
        "能申请吗",
        "可以申请吗",
        "能不能申请",
        "要求",
        "满足",
        "算不算",
        "够格",
        "能领吗",
        "能不能领",
        "可以领吗",
        "有资格",
        "要满",
        "满多少",
        "几级",
        "要得不",
        "是不是要",
        "还能",
        "能不能",
        "可不可以",
        "能否",
        "行不行",
        "一定要",
        "必须",
        "本人",
        "代办",
        "代领",
        "委托",
        "几次",
        "要去不",
        "都要去",
        "一起去",
        "都去",
        "到场",
        "陪同",
        "也要",
        "归哪个",
        "归谁",
        "还是给",
        "亲自",
        "得不得",
        "得行不",
        "才能",
        "满几",
        "满好久",
        "满多久",
        "交满",
        "缴满",
        "需要办吗",
        "要办吗",
        "要不要办",
        "需不需要",
        "用不用办",
    ),
    "process": (
        "流程",
        "步骤",
        "怎么办",
        "咋办",
        "咋整",
        "怎么弄",
        "咋弄",
        "咋个办",
        "咋个弄",
        "咋个整",
        "如何办",
        "程序",
        "手续",
        "怎么申请",
        "咋申请",
        "咋个申请",
        "怎么操作",
        "咋个操作",
        "办理流程",
        "怎么搞",
        "咋搞",
        "怎么处理",
        "咋个处理",
        "怎么走",
        "如何申请",
        "怎样办",
        "怎么办理",
        "先干啥",
        "第一步",
        "一步一步",
    ),
    "overview": (
        "是什么",
        "是啥",
        "啥意思",
        "什么意思",
        "介绍",
        "了解一下",
        "干嘛的",
        "有什么用",
        "啥子用",
        "作用",
        "是哪样",
        "咋个回事",
        "怎么回事",
        "有啥用",
        "影响",
    ),
}

# "我想补办身份证", "要办个护照": wanting to do a service without asking anything else is asking how.
_WANT_TO_DO = re.compile(
    r"(我想|我要|想要|想|要|准备|打算|帮我)(去|给[^，。,]{1,6})?(补办|办理|办个|办|申请|补|换|领|开|注册|登记|提取|迁|销)"
)
# "过户费要好多", "租金好多": a named fee or rent and how much ("费用能报好多" asks what is received).
_FEE_AMOUNT = re.compile(r"(费|租金|房租|押金|保证金)[^领发补给拿报贷赔取]{0,3}(多少|好多|几多)")
# What the citizen receives, and how much: "能补好多", "能救助好多", "一个月有好多", "补贴一亩好多". Reissuing a
# document ("补发好多钱", "补领要好多钱") is a service the citizen pays for, not money received: those verbs are
# read out before the benefit cues are counted.
_RECEIVE = r"(领|发|补|给|拿|报|贷|赔|取|救助|补助|补贴|津贴|养老金|抚恤金|失业金|低保|待遇)"
_PERIOD = r"(一个月|每个月|每月|一亩|每亩)"
_BENEFIT_AMOUNT = re.compile(
    rf"{_RECEIVE}(得|得到|下来)?(多少|好多|几多)"
    rf"|{_PERIOD}(大概|大约|差不多)?(能|可以)?(有|领|发|给|拿|补)?(多少|好多|几多)"
    r"|优待(?!证)"  # "有哪些优待"; 优待证 is a service's name
)
_REISSUE = re.compile(r"补发|补领|补办|补换|换发|换领|核发|签发|颁发|补交|补缴")
# Which office: "随便哪个派出所都能办吗", "户口所在地的派出所就能办吗", "社保卡在银行能办不" ask where, not whether.
_OFFICE = (
    r"(派出所|银行|医院|大厅|窗口|社区|街道|乡镇|镇上|村委会|居委会|村里|政务中心|服务中心|办事处|营业厅|网点"
    r"|车管所|税务局|社保局|民政局|人社局)"
)
_WHICH_OFFICE = re.compile(
    rf"(哪|随便|任何|所有|每)(个|些|家|一个|一家)?{_OFFICE}|{_OFFICE}[^，。,.]{{0,4}}(能|可以|都|就)[^，。,.]{{0,3}}(办|弄|去)"
    rf"|{_OFFICE}[^，。,.]{{0,4}}还是[^，。,.]{{0,4}}{_OFFICE}"
)
# A document asked for: "要房东的房产证不", "需要房东的身份证和房产证吗", "带上户口本". actions.service_names reads
# such documents as no service's name.
_DOCUMENT = r"((?![去到来])[\u4e00-\u9fff]){1,4}?(证明|本|簿|证|卡|照)"  # not "拿到牌照", "要本人去照相"
DOCUMENT_ASKED = re.compile(
    rf"((带|拿|复印|提供)(上|个|着|好)?|需?要(?!办|补|换|申|领|去|迁|开))([\u4e00-\u9fff]{{1,3}}的)?{_DOCUMENT}"
    rf"([和跟、]?{_DOCUMENT})*"
)
_DOCUMENT_NEEDED = re.compile(rf"{DOCUMENT_ASKED.pattern}[^，。,.]{{0,2}}(不|吗|没)[？?]*$")
# Going back to where it began: "要回生娃娃的那个医院补吗", "要回村头申请不".
_GO_BACK = re.compile(r"回[^，。,.]{1,8}(补|办|申请|开)[^，。,.]{0,2}(吗|不)[？?]*$")
# Free for the holder, not free of charge: "办了坐公交车免费不", "进公园免费吗".
_FREE_FOR_HOLDER = re.compile(r"(坐|乘|进|逛|游|看)[\u4e00-\u9fff]{0,5}免费")
# Where on the web: "网上在哪点报", "电子标志在哪点看".
_WHERE_ONLINE = re.compile(
    r"(网上|手机上|app|小程序|公众号|网站|电子[\u4e00-\u9fff]{0,4})(在|从|去)?(哪|哪点|哪里|哪儿)"
)
# Someone else doing it for the citizen: "我老公可以帮我去办吗", "他帮我弄得不", "邻居帮他申请得不".
_PROXY = re.compile(
    r"(别人|家人|家属|亲戚|亲属|朋友|邻居|老公|老婆|丈夫|妻子|爱人|儿子|女儿|娃娃|子女|父母|爸|妈|他|她|我们|同事)"
    r"[^，。,.]{0,4}(帮|替|代)"
)
# Generic "how do I" / "can I" cues count half, so a specific cue in the same question wins; naming the section
# itself ("要啥子条件", "流程是啥") counts in full.
_HALF: frozenset[Aspect] = frozenset({"process", "conditions"})
_NAMED_SECTION: dict[Aspect, re.Pattern[str]] = {
    "conditions": re.compile(r"条件|资格|符合|要求|满(好久|多久|几年|多少年|几个月)"),
    "process": re.compile(r"流程|步骤|手续|程序"),
}
_HOW = re.compile(r"怎么|怎样|咋|如何|哪样弄|啷个|要办啥")
# "离婚证搞丢了 影响不": whether the citizen's situation stands in the way, not what the service is for.
# "公积金还没取 影响领养老金不" too: what it would affect may stand between 影响 and the question.
_DOES_IT_MATTER = re.compile(
    r"影响(不|吗|没|没有|大不)|影响[^，。,.]{1,8}(不|吗|没|没有)[？?]*$|(有没有|有没得|会不会)影响|要紧(不|吗)"
)
# "能换不" / "还能提不" / "可以贷吗": can-I questions in Guizhou speech.
_CAN_I = re.compile(r"(能|可以|可不可以|能够|还能|还有|还给|还发|得)[^，。,.!！]{0,10}(不|吗|没有|没)[？?！!嘛哦呢]*$")


# Words that make a clause a question (also how actions.tone tells a complaint that asks something); "十几年",
# "好几天" tell, they do not ask.
QUESTION = re.compile(
    r"[？?]|吗|怎么|咋|如何|哪|多少|好多|(?<![十好])几(?!十)|啥|什么|能不能|可不可以|要不要|是不是|有没|会不会|可以不|行不|不[，。！!]?$"
)
# "好久能拿到", "超过好久就申请不到了": a clause asking when. Not in QUESTION, and not after or before 了: "等了好久",
# "办了好久了" in a complaint ask nothing.
_ASKS_WHEN = re.compile(r"(?<!了)(多久|好久|多长|几时)(?!了)")
_CLAUSES = re.compile(r"[，。,.；;！!？?\s]+")


def asks(text: str) -> bool:
    """Is there a question in it, a question of when included ("排了两个小时，到底要带什么", "一般要排队排好久")?"""
    return bool(QUESTION.search(text) or _ASKS_WHEN.search(text))


def done_by_someone_else(text: str) -> bool:
    """Does the question ask whether another person may do it for the citizen ("我老公可以帮我去办吗")? A
    request in the first person ("可以帮我办理吗") does not."""
    return bool(_PROXY.search(re.sub(r"\s+", "", text)))


def asked_words() -> tuple[str, ...]:
    """Every cue of every aspect: words that say what is asked, never which service."""
    return tuple(c for cues in _CUES.values() for c in cues)


def _count(text: str, cues: tuple[str, ...]) -> int:
    return sum(1 for c in cues if c in text)


def detect_aspect(text: str) -> Aspect | None:
    """The aspect a question asks about, or ``None`` when nothing specific is asked.

    Citizens tell their story, then ask ("钱包遭摸了，身份证全没了，现在咋个整"): when exactly one clause asks, its
    aspect wins over words of the story; several asking clauses are read together.
    """
    clauses = [c for c in _CLAUSES.split(text) if c]
    asking = [c for c in clauses if asks(c)]
    if len(clauses) > 1 and len(asking) == 1 and (aspect := _aspect_of(asking[0])) is not None:
        return aspect
    return _aspect_of(text)


def _aspect_of(text: str) -> Aspect | None:
    t = re.sub(r"\s+", "", text).lower()
    if not t:
        return None
    best: Aspect | None = None
    best_score = 0.0
    for aspect, cues in _CUES.items():
        score = float(_count(_REISSUE.sub("，", t) if aspect == "benefits" else t, cues))
        if aspect in _HALF:
            score *= 0.5
            if (named := _NAMED_SECTION.get(aspect)) and named.search(t):
                score += 1
        # A named fee or rent with "how much" is what is paid, whatever period it is counted in ("租金一个月好多").
        if aspect == "fees" and _FEE_AMOUNT.search(t):
            score += 1.5
        if aspect == "benefits" and _BENEFIT_AMOUNT.search(_REISSUE.sub("，", t)) and not _FEE_AMOUNT.search(t):
            score += 1
        if aspect == "place" and (_WHICH_OFFICE.search(t) or _GO_BACK.search(t)):
            score += 1
        if aspect == "benefits" and _FREE_FOR_HOLDER.search(t):
            score += 1.5
        if aspect == "online" and _WHERE_ONLINE.search(t):
            score += 2
        if aspect == "materials" and _DOCUMENT_NEEDED.search(t):
            score += 1
        if aspect == "conditions" and (_PROXY.search(t) or _DOES_IT_MATTER.search(t)):
            score += 1
        if aspect == "conditions" and any(_CAN_I.search(part) for part in re.split(r"[，。,.；;]", t) if part):
            score += 0.5
        if score > best_score:
            best, best_score = aspect, score
    if best is None and (_HOW.search(t) or _WANT_TO_DO.search(t)):
        return "process"
    return best


class NamedAspects:
    """The aspect a question asks, read beside the service names it holds: "养老金资格认证要咋个弄" asks how (资格 is
    the name's, not a question of eligibility), "我要补办结婚证" asks nothing of time (办结 is no deadline there).

    Names that read as an aspect and ask nothing are set aside, whole or by their words of three characters or more
    ("资格认证" of "领取养老金资格认证"); an alias such as "护照多少钱" is a question and stays."""

    def __init__(self, names: Iterable[str]) -> None:
        plain = [n for n in names if n and not QUESTION.search(n)]
        pieces = {w for n in plain for w in words(n) if len(w) >= 3 and _CJK_ONLY.fullmatch(w)}
        self.names = sorted({n for n in (*plain, *pieces) if detect_aspect(n) is not None}, key=len, reverse=True)

    def __call__(self, text: str) -> Aspect | None:
        for name in self.names:
            text = text.replace(name, _A_SERVICE)
        return detect_aspect(text)


_A_SERVICE = "办这件事"  # what a name set aside reads as: doing a service, of no aspect ("我要补办结婚证" asks how)
_CJK_ONLY = re.compile(r"[\u4e00-\u9fff]+")
