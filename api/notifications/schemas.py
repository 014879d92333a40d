from typing import Literal

from pydantic import BaseModel, Field

from govchat.subscribe import SubscribeKind


class OfferedTemplate(BaseModel):
    kind: SubscribeKind
    template_id: str


class SubscribeOffer(BaseModel):
    """What the mini-program asks for with wx.requestSubscribeMessage (after a tap: WeChat requires one).
    No templates: nothing to ask (no open request here, or every notice already allowed or declined)."""

    tracking_no: str | None = None
    templates: list[OfferedTemplate] = Field(default_factory=list)


class SubscribeAnswers(BaseModel):
    """wx.requestSubscribeMessage's result, as the mini-program received it: template id -> accept, reject, ban
    or filter."""

    tracking_no: str = Field(min_length=1, max_length=40)
    results: dict[str, Literal["accept", "reject", "ban", "filter"]] = Field(max_length=3)


class SubscribeAnswersRead(BaseModel):
    accepted: list[SubscribeKind]
