"""Citizen side of 好差评: the web page and WeChat post ratings here (no login; verification by session or
tracking number + birth date)."""

from contextlib import nullcontext

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from api.db import SessionDep
from api.feedback import service
from api.feedback.models import Rating
from api.feedback.schemas import ChatRatingCreate, RatingCreate, RatingRead
from api.ratelimit import LimiterDep
from api.service_requests.dependencies import limited_verification

router = APIRouter()
# For the action server only (mounted with the service-credential dependency).
service_router = APIRouter()


def _read(session: Session, rating: Rating) -> RatingRead:
    ask = service.asks_for_contact(session=session, rating=rating)
    return RatingRead(
        id=rating.id, level=rating.level, score=rating.score, comment=rating.comment,
        needs_follow_up=rating.needs_follow_up, created_at=rating.created_at,
        message=service.thank_you(rating, asks_for_contact=ask), asks_for_contact=ask,
    )


@router.post("", response_model=RatingRead, status_code=status.HTTP_201_CREATED, summary="提交好差评")
def create_rating(body: RatingCreate, session: SessionDep, limiter: LimiterDep) -> RatingRead:
    # Rating a request checks its tracking number and verifier: the same guessing limit as looking it up.
    guard = limited_verification(limiter=limiter, tracking_no=body.tracking_no) if body.tracking_no else nullcontext()
    with guard:
        return _read(session, service.create(session=session, data=body))


@service_router.post(
    "/from-chat", response_model=RatingRead, status_code=status.HTTP_201_CREATED,
    summary="对话中点击评价按钮（动作服务调用，需服务凭证）",
)
def create_rating_from_chat(body: ChatRatingCreate, session: SessionDep) -> RatingRead:
    return _read(session, service.create_from_chat(session=session, data=body))
