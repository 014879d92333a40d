"""Customer-service message push: decode a push, then (in the background) answer it through the send API."""

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from api.channels.wechat import tokens
from api.channels.wechat.client import WeChatApi
from api.channels.wechat.crypto import PushCodec, parse_json, parse_xml
from api.channels.wechat.dedupe import Deduper
from api.channels.wechat.exceptions import MalformedPush, WeChatApiError
from api.channels.wechat.schemas import InboundMessage
from api.chat import service as chat_service
from api.chat.rasa import RasaClient
from api.chat.schemas import ChatMessage
from api.errors import AppError
from api.ratelimit import RateLimiter, polite_message
from govchat.settings import Settings

logger = logging.getLogger(__name__)

WELCOME_TEXT = (
    "您好！我是政务服务智能助手，可以帮您查询办事材料、办理地点、收费和时限。\n"
    "您可以直接输入问题，例如：「身份证丢了怎么补办」「公积金怎么提取」。"
)
UNSUPPORTED_TEXT = "抱歉，我暂时只能看懂文字消息，请用文字描述您想办理或咨询的事项。"
UNSUPPORTED_TYPES = {"image", "voice", "video", "shortvideo", "file", "location", "link", "miniprogrampage"}


@dataclass
class WeChatContext:
    """What the WeChat channel needs, built once per app in the router's lifespan."""

    settings: Settings
    api: WeChatApi
    codec: PushCodec
    deduper: Deduper


def decode_push(
    *, codec: PushCodec, raw: bytes, fmt: str, outer: dict[str, Any], encrypt_type: str | None,
    msg_signature: str | None, timestamp: str, nonce: str,
) -> InboundMessage:
    """Plaintext mode: the body is the message. Compatible and secure modes: decrypt ``Encrypt``."""
    fields = outer
    encrypted = (encrypt_type or "").lower() == "aes" or "Encrypt" in outer
    compatible_plain = bool(outer.get("MsgType")) and not codec.can_decrypt
    if encrypted and not compatible_plain:
        encrypt = outer.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise MalformedPush("加密消息缺少 Encrypt 字段。")
        plaintext = codec.decrypt(encrypt=encrypt, msg_signature=msg_signature, timestamp=timestamp, nonce=nonce)
        fields = parse_xml(plaintext) if fmt == "xml" else parse_json(plaintext)
    try:
        return InboundMessage.model_validate(fields)
    except ValidationError as exc:
        raise MalformedPush("消息缺少必要字段。") from exc


def format_reply(message: ChatMessage) -> str:
    """A chat message as WeChat text: buttons become "reply with" hints, links only http(s)."""
    parts = [message.text.strip()] if message.text.strip() else []
    if message.buttons:
        parts.append("您可以回复：" + "、".join(f"「{b.title}」" for b in message.buttons))
    if message.source:
        line = f"来源：{message.source.title}"
        if message.source.url and message.source.url.lower().startswith(("https://", "http://")):
            line += f" {message.source.url}"
        parts.append(line)
    return "\n".join(parts)


def handle_push(
    *,
    context: WeChatContext,
    sessions: sessionmaker[Session],
    rasa: RasaClient,
    limiter: RateLimiter,
    message: InboundMessage,
) -> None:
    """Runs after WeChat got its "success". Never raises: failures are logged."""
    try:
        replies = _answer(context=context, sessions=sessions, rasa=rasa, limiter=limiter, message=message)
        for text in replies:
            context.api.send_text(message.from_user, text)
    except WeChatApiError as exc:
        logger.warning("wechat reply not delivered (errcode %d)", exc.errcode)
    except Exception:
        logger.exception("wechat push processing failed")


def deliver_staff_reply(*, request_state: object, session_id: str, openid: str | None, text: str) -> None:
    """Staff replies to a customer-service conversation reach the citizen through WeChat's send API.

    Mini-program conversations need nothing here: the page polls the chat API. Never raises (a background task).
    """
    context: WeChatContext | None = getattr(request_state, "wechat", None)
    if context is None or not openid or not session_id.startswith("wxkf-") or not context.api.configured:
        return
    try:
        context.api.send_text(openid, text)
    except WeChatApiError as exc:
        logger.warning("staff reply not delivered to wechat (errcode %d)", exc.errcode)
    except Exception:
        logger.exception("staff reply to wechat failed")


def _answer(
    *, context: WeChatContext, sessions: sessionmaker[Session], rasa: RasaClient, limiter: RateLimiter,
    message: InboundMessage,
) -> list[str]:
    kind = message.msg_type.lower()
    if kind == "event":
        if (message.event or "").lower() == "user_enter_tempsession":
            return [WELCOME_TEXT]
        return []
    if kind in UNSUPPORTED_TYPES:
        return [UNSUPPORTED_TEXT]
    if kind != "text":
        return [UNSUPPORTED_TEXT]
    if not limiter.allow("openid", message.from_user):
        return [polite_message(limiter.retry_after("openid", message.from_user))]
    settings = context.settings
    session_id = tokens.session_id_for(
        secret=settings.secret_key.get_secret_value(), openid=message.from_user, kind="kf"
    )
    try:
        response = chat_service.handle_message(
            sessions=sessions, rasa=rasa, settings=settings, session_id=session_id,
            text=message.content or "", channel="wechat", user_ref=message.from_user,
        )
    except AppError as exc:  # empty or over-long message: tell the citizen why
        return [exc.detail]
    return [text for text in (format_reply(m) for m in response.messages) if text]
