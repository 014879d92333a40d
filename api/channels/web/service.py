"""Server-sent events for the web chat: new bot, staff and system messages and state changes, in id order.

The stream polls the conversation store briefly (short transactions in a worker thread), so it works the same on
SQLite and PostgreSQL and across gateway replicas. Each connection lasts a few minutes, then the browser's
EventSource reconnects with Last-Event-ID; the polling endpoint ``/messages?after=`` is the fallback.
"""

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.chat import service as chat_service
from api.chat.schemas import ChatMessage
from api.conversations import service as conversations
from api.conversations.models import ConversationState
from api.db import session_scope

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
MAX_STREAM_SECONDS = 300.0
_EVENT_ID = re.compile(r"[0-9]{1,18}")


def _fetch(
    factory: sessionmaker[Session], session_id: str, after_id: int
) -> tuple[list[ChatMessage], dict[str, str | bool]] | None:
    """New messages, and the conversation's state with whether the page should keep listening, read together."""
    with session_scope(factory) as session:
        conversation = conversations.get_by_session_id(session=session, session_id=session_id)
        if conversation is None:
            return None
        messages = conversations.messages_after(session=session, conversation=conversation, after_id=after_id)
        state = ConversationState(conversation.state)
        listen = chat_service.listen(session=session, session_id=session_id, state=state)
        return [chat_service.to_chat_message(m) for m in messages], {"state": state.value, "listen": listen}


async def conversation_exists(*, sessions: sessionmaker[Session], session_id: str) -> bool:
    return await run_in_threadpool(_fetch, sessions, session_id, conversations.MAX_MESSAGE_ID) is not None


def resume_after(after: int, last_event_id: str | None) -> int:
    """Where a reconnecting browser resumes. A Last-Event-ID we never sent (too long, or digits such as "²" that
    ``str.isdigit`` accepts and ``int`` refuses) is ignored rather than failing inside the stream."""
    if last_event_id and _EVENT_ID.fullmatch(last_event_id):
        return max(after, int(last_event_id))
    return after


def _event(name: str, data: str, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {data}\n\n"


async def event_stream(
    *, request: Request, sessions: sessionmaker[Session], session_id: str, after_id: int
) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    started = last_sent = loop.time()
    state: dict[str, str | bool] | None = None
    yield "retry: 3000\n\n"
    while loop.time() - started < MAX_STREAM_SECONDS:
        if await request.is_disconnected():
            return
        fetched = await run_in_threadpool(_fetch, sessions, session_id, after_id)
        if fetched is None:
            return
        messages, new_state = fetched
        for message in messages:
            after_id = message.id or after_id
            yield _event("message", message.model_dump_json(), after_id)
            last_sent = loop.time()
        if new_state != state:
            state = new_state
            yield _event("state", json.dumps(state))
            last_sent = loop.time()
        if loop.time() - last_sent >= HEARTBEAT_SECONDS:
            yield ": keep-alive\n\n"
            last_sent = loop.time()
        await asyncio.sleep(POLL_SECONDS)
