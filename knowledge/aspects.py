"""Which part of a guide a question asks about ("要带什么" -> materials). Pure rules, no model."""

from __future__ import annotations

import re

from knowledge.schema import Aspect

SECTION_TITLES: dict[str, str] = {
    "overview": "事项概述",
    "conditions": "受理条件",
    "materials": "申请材料",
    "process": "办理流程",
    "time": "办理时限",
    "fees": "收费标准",
    "place": "办理地点和时间",
    "phone": "咨询电话",
    "online": "网上办理",
    "faq": "常见问题",
}

# Order matters only for ties: the aspect with the most cue hits wins, then the earlier one.
_CUES: dict[Aspect, tuple[str, ...]] = {
    "fees": (
        "多少钱", "几块钱", "几多钱", "收费", "费用", "工本费", "要钱", "花钱", "交钱", "给钱", "免费", "收钱",
        "贵不贵", "钱吗", "钱不", "价格", "缴费", "付费", "花多少", "要好多钱", "好多钱", "收不收", "钱呀", "钱啊",
    ),
    "materials": (
        "材料", "带什么", "带啥", "带哪些", "带些什么", "拿什么", "拿啥", "准备什么", "准备啥", "准备哪些",
        "资料", "需要什么", "需要啥", "要什么东西", "要啥东西", "复印件", "原件", "照片", "带哪样", "要哪些东西", "要带哪些",
        "提交什么", "交什么", "带上", "要带", "带好", "哪些东西", "什么东西", "啥东西", "哪样东西", "证明材料",
    ),
    "time": (
        "多久", "多长时间", "几天", "多少天", "好久", "时限", "几个工作日", "工作日", "什么时候能", "啥时候能",
        "多快", "要等", "等多久", "办结", "多少时间", "几时能", "哪天能", "多长", "几周", "几个月", "时间长",
        "当天", "马上能", "立等", "拿到手",
    ),
    "place": (
        "在哪", "哪里办", "哪儿", "哪个地方", "地址", "去哪", "到哪", "窗口", "大厅", "地点", "哪点", "哪个部门",
        "哪家", "上班时间", "几点", "周末", "星期", "开门", "办公时间", "在哪里", "哪里", "去哪个", "哪个单位",
    ),
    "process": (
        "流程", "步骤", "怎么办", "咋办", "咋整", "怎么弄", "咋弄", "咋个办", "咋个弄", "咋个整", "如何办", "程序",
        "手续", "怎么申请", "咋申请", "怎么操作", "办理流程", "怎么搞", "咋搞", "怎么处理", "咋处理", "怎么走",
        "如何申请", "怎样办", "怎么办理", "先干啥", "第一步",
    ),
    "conditions": (
        "条件", "资格", "能不能办", "可不可以办", "符合", "有没有资格", "够不够", "能办吗", "可以办吗", "能申请吗",
        "可以申请吗", "能不能申请", "要求", "满足", "算不算", "够格", "能领吗", "能不能领", "可以领吗", "有资格",
        "行不行", "可不可以", "能不能", "能否",
    ),
    "online": (
        "网上", "线上", "网办", "手机上", "手机办", "app", "APP", "小程序", "公众号", "网站", "在线", "不用跑",
        "不跑", "足不出户", "网上办", "电脑上", "远程", "微信上", "贵人服务", "贵州政务服务网", "用手机",
    ),
    "phone": (
        "电话", "热线", "咨询", "投诉", "号码", "打给谁", "联系方式", "联系", "座机", "客服", "打哪个",
    ),
    "overview": (
        "是什么", "是啥", "啥意思", "什么意思", "介绍", "了解一下", "干嘛的", "有什么用", "作用", "是哪样",
    ),
}

# Weak cues that mean "how do I do it" only when nothing more specific is asked.
_WEAK: dict[Aspect, tuple[str, ...]] = {
    "conditions": ("能不能", "可不可以", "能否", "行不行", "可以吗", "能吗"),
    "place": ("哪里",),
    "process": ("怎么", "咋个", "如何", "咋"),
}


def _count(text: str, cues: tuple[str, ...]) -> int:
    return sum(1 for c in cues if c in text)


def detect_aspect(text: str) -> Aspect | None:
    """The aspect a question asks about, or ``None`` when nothing specific is asked."""
    t = re.sub(r"\s+", "", text).lower()
    if not t:
        return None
    best: Aspect | None = None
    best_hits = 0
    for aspect, cues in _CUES.items():
        weak = _WEAK.get(aspect, ())
        strong = tuple(c.lower() for c in cues if c not in weak)
        hits = _count(t, strong)
        if hits > best_hits:
            best, best_hits = aspect, hits
    if best is not None:
        return best
    for aspect, cues in _WEAK.items():
        if _count(t, cues):
            return aspect
    return None
