import datetime as dt

from pydantic import BaseModel, Field

from api.feedback.models import RatingLevel


class RatingCreate(BaseModel):
    """Rate a conversation (session_id) or a request (tracking_no + the applicant's birth date)."""

    level: RatingLevel
    # Optional, as the web page sends it; must agree with level when given.
    score: int | None = Field(default=None, ge=1, le=5)
    comment: str | None = Field(default=None, max_length=500)
    session_id: str | None = Field(default=None, min_length=1, max_length=128)
    tracking_no: str | None = Field(default=None, min_length=1, max_length=40)
    verifier: str | None = Field(default=None, min_length=1, max_length=20)


class RatingRead(BaseModel):
    id: int
    level: RatingLevel
    score: int
    comment: str | None
    needs_follow_up: bool
    created_at: dt.datetime
    message: str
    # A poor rating of a conversation without a phone number: the page offers to leave one for a call back
    # (POST /api/v1/handover/callback), which `message` mentions instead of promising a call.
    asks_for_contact: bool = False


class ChatRatingCreate(BaseModel):
    """A rating the action server posts for the citizen who clicked a rating button in the chat: the request
    must have been made from that same conversation (``session_id``)."""

    tracking_no: str = Field(min_length=1, max_length=40)
    session_id: str = Field(min_length=1, max_length=128)
    level: RatingLevel
    comment: str | None = Field(default=None, max_length=500)
