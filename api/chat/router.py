from fastapi import APIRouter, Query

from api.chat import service, sessions
from api.chat.schemas import ChatRequest, ChatResponse, ChatSession, MessagesPage
from api.conversations import service as conversations
from api.conversations.models import ConversationState
from api.db import SessionDep
from api.dependencies import RasaDep, SessionmakerDep, SettingsDep
from api.errors import NotFound

router = APIRouter()


@router.post("/sessions", response_model=ChatSession, status_code=201, summary="开始新对话：获取会话 ID")
def start_session(settings: SettingsDep) -> ChatSession:
    """Send the returned `session_id` with every message of this conversation; ids are only issued here."""
    return ChatSession(session_id=sessions.issue(settings.secret_key.get_secret_value()))


@router.post("", response_model=ChatResponse, summary="发送一条消息并获得回复")
def post_message(body: ChatRequest, factory: SessionmakerDep, rasa: RasaDep, settings: SettingsDep) -> ChatResponse:
    """The chat contract used by the web page and the widget (the WeChat mini-program has its own, keyed by the
    login token). `session_id` comes from `POST /chat/sessions`.

    Each bot message has `text`, optional `buttons` and, when it states facts from a guide, `source`.
    """
    if not sessions.is_issued(settings.secret_key.get_secret_value(), body.session_id):
        raise service.UnknownSession("这个会话已失效，请开始新的对话。")
    return service.handle_message(
        sessions=factory, rasa=rasa, settings=settings,
        session_id=body.session_id, text=body.text, channel="web",
    )


@router.get("/{session_id}/messages", response_model=MessagesPage, summary="拉取新消息（人工客服回复等）")
def get_messages(
    session: SessionDep, session_id: str, after: int = Query(default=0, ge=0, le=conversations.MAX_MESSAGE_ID)
) -> MessagesPage:
    conversation = conversations.get_by_session_id(session=session, session_id=session_id)
    if conversation is None:
        raise NotFound("没有找到这个会话。")
    messages = conversations.messages_after(session=session, conversation=conversation, after_id=after)
    state = ConversationState(conversation.state)
    return MessagesPage(
        session_id=session_id,
        messages=[service.to_chat_message(m) for m in messages],
        state=state,
        listen=service.listen(session=session, session_id=session_id, state=state),
    )
