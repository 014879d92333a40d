"""WeChat endpoints: mini-program login and chat, and the customer-service message push URL.

Register ``https://<your domain>/api/v1/wechat/push`` as the message-push URL (see docs/wechat.md).
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Query, Request
from fastapi.responses import PlainTextResponse

from api.channels.wechat import service, tokens
from api.channels.wechat.client import WeChatApi
from api.channels.wechat.crypto import PushCodec, parse_body
from api.channels.wechat.dedupe import make_deduper
from api.channels.wechat.dependencies import LimiterDep, OpenidDep, WeChatDep
from api.channels.wechat.exceptions import (
    InvalidLoginCode,
    LoginRateLimited,
    WeChatApiError,
    WeChatNotConfigured,
)
from api.channels.wechat.schemas import LoginRequest, LoginResponse, MiniProgramChatRequest
from api.chat import service as chat_service
from api.chat.schemas import ChatResponse, MessagesPage
from api.conversations import service as conversations
from api.conversations.models import ConversationState
from api.db import SessionDep
from api.dependencies import RasaDep, SessionmakerDep
from api.errors import ServiceUnavailable
from api.notifications import flows as notifications
from api.notifications import scheduler as notifications_scheduler
from api.notifications.schemas import SubscribeAnswers, SubscribeAnswersRead, SubscribeOffer
from api.ratelimit import limit_ip

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    api = WeChatApi(settings)
    app.state.wechat = service.WeChatContext(
        settings=settings,
        api=api,
        codec=PushCodec(
            token=settings.wechat_token.get_secret_value(),
            encoding_aes_key=settings.wechat_encoding_aes_key.get_secret_value(),
            appid=settings.wechat_appid,
            max_skew_seconds=settings.wechat_max_clock_skew_seconds,
        ),
        deduper=make_deduper(settings),
    )
    stop_notifier = notifications_scheduler.start(app.state.sessionmaker, api, settings)
    try:
        yield
    finally:
        stop_notifier()
        api.close()


router = APIRouter(lifespan=lifespan)
# The mini-program's chat: the same contract as the web chat, the conversation bound to the token's openid.
miniprogram = APIRouter(prefix="/chat")


@router.post("/login", response_model=LoginResponse, summary="小程序登录：用 wx.login 的 code 换取本系统的会话令牌",
             dependencies=[Depends(limit_ip)])
def login(body: LoginRequest, context: WeChatDep) -> LoginResponse:
    if not context.api.configured:
        raise WeChatNotConfigured("微信登录尚未配置。")
    try:
        wx = context.api.code_to_session(body.code)
    except WeChatApiError as exc:
        if exc.errcode in (40029, 40163):  # invalid or already-used code
            raise InvalidLoginCode("登录凭证无效或已使用，请重新进入小程序。") from exc
        if exc.errcode in (45011, 45009):
            raise LoginRateLimited("登录请求过于频繁，请稍后再试。") from exc
        if exc.errcode == 40226:
            raise InvalidLoginCode("微信判定当前账号存在风险，暂时无法登录。") from exc
        raise ServiceUnavailable("微信登录服务暂时不可用，请稍后再试。") from exc
    secret = context.settings.secret_key.get_secret_value()
    ttl = context.settings.wechat_session_ttl_seconds
    return LoginResponse(
        token=tokens.issue(secret=secret, openid=wx.openid, ttl_seconds=ttl),
        expires_in=ttl,
        session_id=tokens.session_id_for(secret=secret, openid=wx.openid, kind="mp"),
    )


@miniprogram.post("", response_model=ChatResponse, summary="小程序发送消息（需登录令牌）")
def post_message(
    body: MiniProgramChatRequest, openid: OpenidDep, context: WeChatDep, sessions: SessionmakerDep, rasa: RasaDep
) -> ChatResponse:
    settings = context.settings
    return chat_service.handle_message(
        sessions=sessions, rasa=rasa, settings=settings,
        session_id=tokens.session_id_for(secret=settings.secret_key.get_secret_value(), openid=openid, kind="mp"),
        text=body.text, channel="wechat", user_ref=openid,
    )


@miniprogram.get("/messages", response_model=MessagesPage, summary="小程序拉取新消息（人工客服回复等）",
                 dependencies=[Depends(limit_ip)])
def get_messages(
    session: SessionDep, openid: OpenidDep, context: WeChatDep,
    after: int = Query(default=0, ge=0, le=conversations.MAX_MESSAGE_ID),
) -> MessagesPage:
    session_id = tokens.session_id_for(
        secret=context.settings.secret_key.get_secret_value(), openid=openid, kind="mp"
    )
    conversation = conversations.get_by_session_id(session=session, session_id=session_id)
    if conversation is None:
        return MessagesPage(session_id=session_id, messages=[], state=ConversationState.BOT)
    messages = conversations.messages_after(session=session, conversation=conversation, after_id=after)
    return MessagesPage(
        session_id=session_id,
        messages=[chat_service.to_chat_message(m) for m in messages],
        state=ConversationState(conversation.state),
    )


router.include_router(miniprogram)


def _mp_session_id(context: service.WeChatContext, openid: str) -> str:
    return tokens.session_id_for(secret=context.settings.secret_key.get_secret_value(), openid=openid, kind="mp")


@router.get("/subscriptions", response_model=SubscribeOffer, summary="小程序：本对话办件可订阅的通知（订阅消息模板）",
            dependencies=[Depends(limit_ip)])
def subscribe_offer(session: SessionDep, openid: OpenidDep, context: WeChatDep) -> SubscribeOffer:
    return notifications.offer(session=session, settings=context.settings, session_id=_mp_session_id(context, openid))


@router.post("/subscriptions", response_model=SubscribeAnswersRead,
             summary="小程序：提交 wx.requestSubscribeMessage 的结果", dependencies=[Depends(limit_ip)])
def subscribe_answers(
    body: SubscribeAnswers, session: SessionDep, openid: OpenidDep, context: WeChatDep
) -> SubscribeAnswersRead:
    accepted = notifications.record_answers(
        session=session, settings=context.settings, session_id=_mp_session_id(context, openid), openid=openid,
        answers=body,
    )
    return SubscribeAnswersRead(accepted=accepted)


def _codec_or_503(context: service.WeChatContext) -> PushCodec:
    if not context.codec.token:
        raise WeChatNotConfigured("消息推送尚未配置 Token。")
    return context.codec


@router.get("/push", response_class=PlainTextResponse, summary="消息推送：服务器地址验证")
def verify_push_url(
    context: WeChatDep,
    signature: str = Query(max_length=64),
    timestamp: str = Query(max_length=16),
    nonce: str = Query(max_length=64),
    echostr: str = Query(max_length=256),
) -> PlainTextResponse:
    _codec_or_503(context).verify(signature=signature, timestamp=timestamp, nonce=nonce)
    return PlainTextResponse(echostr)


@router.post("/push", response_class=PlainTextResponse, summary="消息推送：接收用户消息与事件")
async def receive_push(
    request: Request,
    background: BackgroundTasks,
    context: WeChatDep,
    sessions: SessionmakerDep,
    rasa: RasaDep,
    limiter: LimiterDep,
    signature: str | None = Query(default=None, max_length=64),
    timestamp: str = Query(max_length=16),
    nonce: str = Query(max_length=64),
    encrypt_type: str | None = Query(default=None, max_length=16),
    msg_signature: str | None = Query(default=None, max_length=64),
) -> PlainTextResponse:
    """Answers ``success`` at once (WeChat waits 5 s at most) and replies through the send API afterwards."""
    codec = _codec_or_503(context)
    codec.verify(signature=signature, timestamp=timestamp, nonce=nonce)
    raw = await request.body()
    fmt, outer = parse_body(raw)
    message = service.decode_push(
        codec=codec, raw=raw, fmt=fmt, outer=outer, encrypt_type=encrypt_type,
        msg_signature=msg_signature, timestamp=timestamp, nonce=nonce,
    )
    # The URL signature does not cover a plaintext body, so each signed query string is good for one push only:
    # a replay (e.g. from a proxy log) cannot carry another message. WeChat's retries are answered the same way.
    if not context.deduper.first_time(f"sig:{timestamp}:{nonce}"):
        logger.info("wechat push with an already used signature; ignored")
    elif context.deduper.first_time(message.dedupe_key()):
        background.add_task(
            service.handle_push, context=context, sessions=sessions, rasa=rasa, limiter=limiter, message=message
        )
    else:
        logger.info("wechat push retried; already handled")
    return PlainTextResponse("success")
