from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from api.dependencies import SettingsDep
from api.review.schemas import ConversationFilters


def conversation_filters(
    settings: SettingsDep,
    date_from: Annotated[date | None, Query(description="YYYY-MM-DD")] = None,
    date_to: Annotated[date | None, Query(description="YYYY-MM-DD（含当天）")] = None,
    channel: str | None = None,
    state: str | None = None,
    handed_over: bool | None = None,
    fell_back: bool | None = None,
    guide_id: str | None = None,
    intent: str | None = None,
    confidence_below: Annotated[float | None, Query(ge=0, le=1)] = None,
    rating: str | None = None,
    annotated: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="中文全文检索，空格分隔多个词（须全部出现）")] = None,
) -> ConversationFilters:
    return ConversationFilters.model_validate(
        {"date_from": date_from, "date_to": date_to, "channel": channel or None,
         "state": state or None, "handed_over": handed_over, "fell_back": fell_back, "guide_id": guide_id or None,
         "intent": intent or None, "confidence_below": confidence_below, "rating": rating or None,
         "annotated": annotated, "q": (q or "").strip() or None,
         "timezone": settings.office_timezone}
    )


FiltersDep = Annotated[ConversationFilters, Depends(conversation_filters)]
