from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from api.review.models import Verdict


class ConversationFilters(BaseModel):
    """Shared by the list and the exports."""

    date_from: date | None = None
    date_to: date | None = None
    channel: str | None = None
    state: str | None = None
    handed_over: bool | None = None
    fell_back: bool | None = None
    guide_id: str | None = None
    intent: str | None = None
    confidence_below: float | None = Field(default=None, ge=0, le=1)
    rating: str | None = None
    annotated: bool | None = None
    q: str | None = Field(default=None, max_length=100)
    # The office's (GOVCHAT_OFFICE_TIMEZONE): date_from and date_to are days of the staff's calendar, not UTC's.
    timezone: str = Field(default="UTC", exclude=True)


class ConversationSummary(BaseModel):
    """Staff identify a conversation by id and channel. The session id is the web citizen's only credential for
    /chat/{session_id}, so it is never shown to staff, nor exported."""

    id: int
    channel: str
    state: str
    identified: bool
    created_at: datetime
    updated_at: datetime
    message_count: int
    first_question: str
    handed_over: bool
    fell_back: bool
    min_confidence: float | None
    guides: list[str]
    intents: list[str]
    annotations: int
    rating: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> Literal["handed_over", "answered", "partly_answered", "not_answered", "other"]:
        """What the citizen got, for the review list: a handover first, then whether guides answered and whether
        a turn fell back; "other" is a conversation with neither (greetings, forms)."""
        if self.handed_over:
            return "handed_over"
        if self.guides:
            return "partly_answered" if self.fell_back else "answered"
        return "not_answered" if self.fell_back else "other"


class ConversationPage(BaseModel):
    items: list[ConversationSummary]
    total: int
    limit: int
    offset: int


class AnnotationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: int
    verdict: Verdict | None
    expected_guide_id: str | None
    expected_intent: str | None
    tags: list[str] | None
    comment: str | None
    staff_id: int | None
    updated_at: datetime


class AnnotationWrite(BaseModel):
    verdict: Verdict | None = None
    expected_guide_id: str | None = Field(default=None, max_length=64)
    expected_intent: str | None = Field(default=None, max_length=64)
    tags: list[str] = Field(default_factory=list, max_length=20)
    comment: str | None = Field(default=None, max_length=2000)


class MessageRead(BaseModel):
    id: int
    role: str
    text: str
    created_at: datetime
    intent: str | None = None
    confidence: float | None = None
    entities: list[Any] | None = None
    guide_id: str | None = None
    guide_title: str | None = None
    section: str | None = None
    section_title: str | None = None  # the section's Chinese name, as the answer's 来源 line gives it
    score: float | None = None
    decision: str | None = None
    fell_back: bool = False
    handed_over: bool = False
    latency_ms: int | None = None
    staff_id: int | None = None
    annotation: AnnotationRead | None = None


class Turn(BaseModel):
    citizen: MessageRead | None
    replies: list[MessageRead]


class Transcript(BaseModel):
    conversation: ConversationSummary
    assigned_staff_id: int | None
    callback_phone: str | None
    turns: list[Turn]
    masked: bool = True


class RevealRequest(BaseModel):
    reason: str = Field(min_length=2, max_length=500)


class Revealed(BaseModel):
    message_id: int
    text: str
    entities: list[Any] | None


class GuideOption(BaseModel):
    id: str
    title: str
