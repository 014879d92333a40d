"""Typed model of a service guide (办事指南), field for field as in docs/guides.md.

Unknown keys are refused so that a misspelt field is reported instead of silently dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# What a question asks about: the one list (actions and search import it). "fees" is what the citizen pays,
# "benefits" what the citizen receives (an allowance, a pension, a reimbursement rate, a loan's terms); guides
# have no benefits section, their FAQs answer it.
Aspect = Literal[
    "materials", "fees", "benefits", "time", "place", "process", "conditions", "online", "phone", "overview"
]
ASPECTS: tuple[Aspect, ...] = (
    "materials",
    "fees",
    "benefits",
    "time",
    "place",
    "process",
    "conditions",
    "online",
    "phone",
    "overview",
)
ItemType = Literal["行政许可", "行政确认", "行政给付", "行政裁决", "行政征收", "其他行政权力", "公共服务"]
MaterialForm = Literal["原件", "复印件", "原件和复印件", "电子证照"]

GUIDE_ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SAMPLE_NOTICE = "示例数据，以官方发布为准"


def _to_text(value: Any) -> Any:
    """YAML reads 12345 or 1.0 as numbers; phone numbers and versions are text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_to_text), Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Material(_Model):
    name: Text
    form: MaterialForm = "原件"
    count: int = Field(default=1, ge=0)
    required: bool = True
    notes: str | None = None

    def line(self) -> str:
        """The one way a material is written, in answers, the request form and the index."""
        form = f"{self.form}{self.count}份" if self.count else self.form
        need = "" if self.required else "，视情况提供"
        note = f"（{self.notes}）" if self.notes else ""
        return f"{self.name}：{form}{need}{note}"


class Step(_Model):
    name: Text
    description: Text


class TimeLimit(_Model):
    statutory: Text | None = None  # 法定办结时限
    promised: Text | None = None  # 承诺办结时限


class Fee(_Model):
    item: Text
    amount: Text
    basis: str | None = None


class Location(_Model):
    name: Text
    address: Text
    hours: Text


class Phones(_Model):
    consult: list[Text] = Field(default_factory=list)  # 咨询电话
    complaint: list[Text] = Field(default_factory=list)  # 监督投诉电话


class Online(_Model):
    available: bool
    url: str | None = None
    notes: str | None = None


class FAQ(_Model):
    q: Text
    a: Text


class Guide(_Model):
    id: Annotated[str, Field(pattern=GUIDE_ID_PATTERN)]
    title: Text  # 事项名称
    item_type: ItemType  # 事项类型
    implementing_body: Text  # 实施主体
    department: Text
    service_objects: list[Text] = Field(min_length=1)  # 办理对象
    summary: Text
    conditions: list[Text] = Field(min_length=1)  # 受理条件
    materials: list[Material] = Field(min_length=1)  # 申请材料
    process: list[Step] = Field(min_length=1)  # 办理流程
    time_limit: TimeLimit
    fees: list[Fee]  # empty list: free of charge (不收费)
    locations: list[Location] = Field(default_factory=list)
    phones: Phones
    online: Online
    visits: int = Field(ge=0)  # 到现场次数; 0 = 全程网办
    appointment: bool = False
    delivery: bool = False
    faqs: list[FAQ] = Field(min_length=2)
    aliases: list[Text] = Field(min_length=2)
    related: list[Annotated[str, Field(pattern=GUIDE_ID_PATTERN)]] = Field(default_factory=list)
    version: Text
    updated: dt.date
    source: Text
    url: str | None = None

    @property
    def is_sample(self) -> bool:
        return SAMPLE_NOTICE in self.source


# --- Life events (高效办成一件事): several guides offered as one "thing" (docs/life-events.md) ---

FACT_KEY_PATTERN = r"^[a-z][a-z0-9_]*$"


class OwnFact(_Model):
    """One fact a service needs beyond the shared ones (applicant, ID, phone, consent, office, date),
    asked once in the combined form after the shared facts."""

    key: Annotated[str, Field(pattern=FACT_KEY_PATTERN)]  # stored under this key in the sub-request
    question: Text  # how the form asks it, in Chinese
    kind: Literal["text", "date", "choice"] = "text"
    choices: list[Text] = Field(default_factory=list)  # only for kind "choice"


class EventService(_Model):
    """One guide in a life event's checklist, in the order the list gives."""

    guide: Annotated[str, Field(pattern=GUIDE_ID_PATTERN)]
    line: Text  # the one line the checklist shows for it (when and why, not the guide's facts)
    after: list[Annotated[str, Field(pattern=GUIDE_ID_PATTERN)]] = Field(default_factory=list)  # needs these first
    together: bool = False  # may be applied for in the one application (一表申请)
    # What citizens call it while telling of the event (上户口, 医保, 丧葬费): two of an event's services named
    # beside its situation ask for the event's list (knowledge/life_event_search.py).
    mentions: list[Text] = Field(default_factory=list)
    own_facts: list[OwnFact] = Field(default_factory=list)


class OneWindow(_Model):
    """Where the event is handled in one place (一窗受理); sample data names no invented address."""

    name: Text
    address: Text
    hours: Text
    phone: Text | None = None


class LifeEvent(_Model):
    id: Annotated[str, Field(pattern=GUIDE_ID_PATTERN)]
    title: Text  # e.g. 新生儿出生“一件事”
    summary: Text
    aliases: list[Text] = Field(min_length=3)  # how citizens name the event; the search indexes them
    # Words of the situation itself (去世, 瘫, 门面): which event a "what must I do" question is about, when its
    # wording is as near another event's names (knowledge/life_event_search.py).
    signs: list[Text] = Field(default_factory=list)
    services: list[EventService] = Field(min_length=2)
    window: OneWindow
    visits: int = Field(ge=0)  # visits in all when the services are applied for together
    version: Text
    updated: dt.date
    source: Text

    @property
    def is_sample(self) -> bool:
        return SAMPLE_NOTICE in self.source
