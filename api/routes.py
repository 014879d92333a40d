"""The URL map: every router mounted with its prefix, tags and (for staff) its auth dependency."""

from fastapi import APIRouter, FastAPI

from api.channels.web import router as web_router
from api.chat import router as chat_router
from api.health import router as health_router


def mount_routes(app: FastAPI) -> None:
    v1 = APIRouter(prefix="/api/v1")
    v1.include_router(chat_router.router, prefix="/chat", tags=["chat"])
    app.include_router(health_router.router, tags=["health"])
    app.include_router(v1)
    app.include_router(web_router.router, tags=["web"])
