"""Citizen side of 好差评: the web page and WeChat post ratings here (no login; verification by session or
tracking number + last 4 digits)."""

from fastapi import APIRouter, status

from api.db import SessionDep
from api.feedback import service
from api.feedback.schemas import RatingCreate, RatingRead

router = APIRouter()


@router.post("", response_model=RatingRead, status_code=status.HTTP_201_CREATED, summary="提交好差评")
def create_rating(body: RatingCreate, session: SessionDep) -> RatingRead:
    rating = service.create(session=session, data=body)
    return RatingRead(
        id=rating.id, level=rating.level, score=rating.score, comment=rating.comment,
        needs_follow_up=rating.needs_follow_up, created_at=rating.created_at, message=service.thank_you(rating),
    )
