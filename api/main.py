"""App factory. Run with: uvicorn --factory api.main:create_app"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
import httpx
from fastapi import FastAPI

from api.body_limit import BodyLimitMiddleware
from api.chat.rasa import RasaClient
from api.db import make_engine, make_sessionmaker
from api.errors import install_error_handlers
from api.request_id import RequestIdMiddleware
from api.routes import mount_routes
from govchat.settings import Settings, get_settings

logger = logging.getLogger(__name__)

# The largest request body read, as nginx's client_max_body_size (deploy/nginx/govchat.conf): chat messages are a
# few hundred characters and WeChat pushes a few KB, so anything bigger is refused (413) before it is parsed.
MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings | None = None, *, rasa_transport: httpx.BaseTransport | None = None) -> FastAPI:
    """rasa_transport lets tests put a fake Rasa server behind the real client."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.gateway_threads
        engine = make_engine(
            settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
        )
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.rasa = RasaClient(settings, transport=rasa_transport)
        logger.info("gateway started (database %s)", engine.url.render_as_string(hide_password=True))
        try:
            yield
        finally:
            app.state.rasa.close()
            engine.dispose()

    app = FastAPI(
        title="govchat 政务服务智能助手",
        version="0.1.0",
        description="Gateway between citizens (web chat, WeChat) and the assistant; staff console and requests.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(RequestIdMiddleware)
    mount_routes(app)
    return app
