"""Split each entry into section chunks plus a summary chunk, so a hit can quote the asked-about section."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from knowledge.aspects import SECTION_TITLES
from knowledge.documents import Document, Entry
from knowledge.schema import Guide


@dataclass(frozen=True)
class Chunk:
    chunk_id: str  # "<guide_id>#<section>" or "<guide_id>#faq<n>"
    guide_id: str
    title: str
    section: str  # an Aspect value or "faq"
    section_title: str
    text: str  # what is shown and quoted
    url: str | None = None

    @property
    def search_text(self) -> str:
        """What is embedded and indexed: the service name gives every section its context."""
        return f"{self.title}｜{self.section_title}：{self.text}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _guide_sections(g: Guide) -> dict[str, str]:
    mats = [m.line() for m in g.materials]
    steps = [f"{i}. {s.name}：{s.description}" for i, s in enumerate(g.process, 1)]
    time = [f"法定办结时限：{g.time_limit.statutory}" if g.time_limit.statutory else ""]
    time.append(f"承诺办结时限：{g.time_limit.promised}" if g.time_limit.promised else "")
    fees = (
        [f"{f.item}：{f.amount}" + (f"（依据：{f.basis}）" if f.basis else "") for f in g.fees]
        if g.fees
        else ["不收费（免费办理）"]
    )
    places = [f"{loc.name}，地址：{loc.address}，办理时间：{loc.hours}" for loc in g.locations]
    places.append(f"到现场次数：{g.visits}次" + ("（全程网办）" if g.visits == 0 else ""))
    phones = []
    if g.phones.consult:
        phones.append("咨询电话：" + "、".join(g.phones.consult))
    if g.phones.complaint:
        phones.append("监督投诉电话：" + "、".join(g.phones.complaint))
    online = [f"是否网办：{_yes(g.online.available)}"]
    if g.online.url:
        online.append(f"网办地址：{g.online.url}")
    if g.online.notes:
        online.append(g.online.notes)
    online.append(f"支持预约：{_yes(g.appointment)}；支持邮寄送达：{_yes(g.delivery)}；到现场次数：{g.visits}次")
    overview = [
        g.summary,
        f"事项类型：{g.item_type}；实施主体：{g.implementing_body}；办理对象：{'、'.join(g.service_objects)}",
        "又称：" + "、".join(g.aliases),
    ]
    return {
        "overview": "\n".join(overview),
        "conditions": "\n".join(g.conditions),
        "materials": "\n".join(mats),
        "process": "\n".join(steps),
        "time": "\n".join(t for t in time if t),
        "fees": "\n".join(fees),
        "place": "\n".join(places),
        "phone": "\n".join(phones),
        "online": "\n".join(online),
    }


def chunk_entry(entry: Entry) -> list[Chunk]:
    if isinstance(entry, Guide):
        sections = _guide_sections(entry)
        faqs = [(f.q, f.a) for f in entry.faqs]
    else:
        sections = dict(entry.sections)
        overview = entry.text or sections.get("overview", "")
        if entry.aliases:
            overview += "\n又称：" + "、".join(entry.aliases)
        sections["overview"] = overview.strip() or entry.title
        faqs = []
    # A short chunk of the names citizens use: close to colloquial questions in embedding space.
    names = "、".join(dict.fromkeys([entry.title, *entry.aliases]))
    overview_title = SECTION_TITLES["overview"]
    chunks = [Chunk(f"{entry.id}#names", entry.id, entry.title, "overview", overview_title, names, entry.url)]
    chunks += [
        Chunk(f"{entry.id}#{name}", entry.id, entry.title, name, SECTION_TITLES[name], text, entry.url)
        for name, text in sections.items()
        if text.strip() and name in SECTION_TITLES
    ]
    chunks += [
        Chunk(f"{entry.id}#faq{i}", entry.id, entry.title, "faq", SECTION_TITLES["faq"], f"问：{q}\n答：{a}", entry.url)
        for i, (q, a) in enumerate(faqs, 1)
    ]
    return chunks


def entry_aliases(entry: Entry) -> list[str]:
    """Names a citizen may use for this entry: the title and the aliases."""
    return [entry.title, *entry.aliases]


__all__ = ["Chunk", "Document", "chunk_entry", "entry_aliases"]
