"""Storing ratings. One per conversation or request; poor ones are flagged for staff follow-up."""

import hmac
import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.bundle_requests import service as bundles_service
from api.bundle_requests.models import BundleRequest
from api.conversations import service as conversations
from api.conversations.models import Conversation
from api.db import utcnow
from api.feedback.exceptions import AlreadyRated, InvalidRating, NotRatable, RatingTargetNotFound
from api.feedback.models import FOLLOW_UP_LEVELS, SCORES, Rating, RatingLevel
from api.feedback.schemas import ChatRatingCreate, RatingCreate
from api.service_requests import service as requests_service
from api.service_requests.models import RequestStatus, ServiceRequest

logger = logging.getLogger(__name__)

# A request can be rated once staff have finished with it.
RATABLE_STATUSES = frozenset({RequestStatus.COMPLETED, RequestStatus.REJECTED})
NOT_RATABLE_TEXT = "办件办结后才能评价，届时欢迎您对我们的服务提出意见。"
BUNDLE_NOT_RATABLE_TEXT = "这次一次申请的各事项都办结后才能整体评价；已办结的事项可以先单独评价。"


def bundle_ratable(bundle: BundleRequest) -> bool:
    """A bundle is rated as a whole once every item has ended and staff finished at least one of them."""
    statuses = {RequestStatus(item.status) for item in bundle.items}
    return statuses <= requests_service.FINAL_STATUSES and bool(statuses & RATABLE_STATUSES)
ALREADY_RATED_TEXT = "您已经评价过了，感谢您的反馈！"


def create(*, session: Session, data: RatingCreate) -> Rating:
    level = RatingLevel(data.level)
    if data.score is not None and data.score != SCORES[level]:
        raise InvalidRating("评分和满意程度不一致，请重新选择。")
    comment = (data.comment or "").strip() or None
    by_session = data.session_id is not None
    by_request = data.tracking_no is not None or data.verifier is not None
    if by_session == by_request:
        raise InvalidRating("请说明评价的是本次咨询（session_id），还是某件办件（受理编号和验证信息）。")

    rating = Rating(
        level=level, score=SCORES[level], comment=comment, needs_follow_up=level in FOLLOW_UP_LEVELS
    )
    if by_session:
        assert data.session_id is not None
        conversation = conversations.get_by_session_id(session=session, session_id=data.session_id)
        if conversation is None:
            raise RatingTargetNotFound("没有找到这次咨询，可能已经过期了。")
        rating.conversation_id = conversation.id
        target = f"conversation {conversation.id}"
    else:
        if not data.tracking_no or not data.verifier:
            raise InvalidRating("评价办件需要受理编号和申请人的出生日期。")
        if bundles_service.get_by_tracking_no(session=session, tracking_no=data.tracking_no) is not None:
            bundle = bundles_service.lookup(session=session, tracking_no=data.tracking_no, verifier=data.verifier)
            if not bundle_ratable(bundle):
                raise NotRatable(BUNDLE_NOT_RATABLE_TEXT)
            rating.bundle_id = bundle.id
            target = f"bundle {bundle.tracking_no}"
        else:
            request = requests_service.lookup(session=session, tracking_no=data.tracking_no, verifier=data.verifier)
            if request.status not in RATABLE_STATUSES:
                raise NotRatable(NOT_RATABLE_TEXT)
            rating.request_id = request.id
            target = f"request {request.tracking_no}"

    return _store(session=session, rating=rating, target=target)


def _store(*, session: Session, rating: Rating, target: str) -> Rating:
    try:
        with session.begin_nested():
            session.add(rating)
            session.flush()
    except IntegrityError:
        raise AlreadyRated(ALREADY_RATED_TEXT) from None
    logger.info("rating %s for %s%s", rating.level, target, " (needs follow-up)" if rating.needs_follow_up else "")
    return rating


def create_from_chat(*, session: Session, data: ChatRatingCreate) -> Rating:
    """A rating button under a request's "已办结" notice, or under a bundle's status in the chat: the conversation that
    made the request or the bundle is the proof."""
    level = RatingLevel(data.level)
    rating = Rating(
        level=level, score=SCORES[level], comment=(data.comment or "").strip() or None,
        needs_follow_up=level in FOLLOW_UP_LEVELS,
    )
    bundle = bundles_service.get_by_tracking_no(session=session, tracking_no=data.tracking_no)
    target = bundle or requests_service.get_by_tracking_no(session=session, tracking_no=data.tracking_no)
    if target is None or target.session_id is None or not hmac.compare_digest(
        target.session_id.encode(), data.session_id.encode()
    ):
        raise RatingTargetNotFound("没有找到这个对话中的办件，请通过受理编号和验证信息评价。")
    if bundle is not None:
        if not bundle_ratable(bundle):
            raise NotRatable(BUNDLE_NOT_RATABLE_TEXT)
        rating.bundle_id = bundle.id
        return _store(session=session, rating=rating, target=f"bundle {bundle.tracking_no} (chat)")
    assert isinstance(target, ServiceRequest)
    if target.status not in RATABLE_STATUSES:
        raise NotRatable(NOT_RATABLE_TEXT)
    rating.request_id = target.id
    return _store(session=session, rating=rating, target=f"request {target.tracking_no} (chat)")


def asks_for_contact(*, session: Session, rating: Rating) -> bool:
    """A poor rating of a conversation that left no phone number: staff have no way to call back, so the citizen
    is asked (optionally) for one before anything is promised. A request has the applicant's phone."""
    if not rating.needs_follow_up or rating.conversation_id is None:
        return False
    conversation = session.get(Conversation, rating.conversation_id)
    return conversation is not None and not conversation.callback_phone


def thank_you(rating: Rating, *, asks_for_contact: bool) -> str:
    if asks_for_contact:
        return "感谢您的评价！很抱歉没能让您满意。如希望工作人员回电了解情况，可以留下手机号（选填）。"
    if rating.needs_follow_up:
        return "感谢您的评价！很抱歉没能让您满意，工作人员会尽快联系您了解情况并改进。"
    return "感谢您的评价！您的意见会帮助我们把服务做得更好。"


def list_follow_ups(*, session: Session, include_done: bool = False, limit: int = 50) -> Sequence[Rating]:
    """Poor ratings for the staff console, oldest first (first in, first followed up)."""
    query = select(Rating).where(Rating.needs_follow_up.is_(True))
    if not include_done:
        query = query.where(Rating.followed_up_at.is_(None))
    return session.scalars(query.order_by(Rating.id).limit(limit)).all()


def mark_followed_up(*, session: Session, rating_id: int, actor: str, note: str | None = None) -> Rating:
    rating = session.get(Rating, rating_id)
    if rating is None or not rating.needs_follow_up:
        raise RatingTargetNotFound("没有找到这条需要回访的评价。")
    rating.followed_up_at = utcnow()
    rating.followed_up_by = actor[:64]
    rating.follow_up_note = note
    session.flush()
    return rating
