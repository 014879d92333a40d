from fastapi import APIRouter, Query

from api.chat import service
from api.chat.schemas import ChatRequest, ChatResponse, MessagesPage
from api.conversations import service as conversations
from api.conversations.models import ConversationState
from api.db import SessionDep
from api.dependencies import RasaDep, SessionmakerDep, SettingsDep
from api.errors import NotFound

router = APIRouter()


@router.post("", response_model=ChatResponse, summary="发送一条消息并获得回复")
def post_message(body: ChatRequest, sessions: SessionmakerDep, rasa: RasaDep, settings: SettingsDep) -> ChatResponse:
    """The chat contract used by the web page, the widget and the WeChat mini-program.

    Each bot message has `text`, optional `buttons` and, when it states facts from a guide, `source`.
    """
    return service.handle_message(
        sessions=sessions, rasa=rasa, settings=settings,
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
