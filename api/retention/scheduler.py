"""The daily retention job, started with the gateway (router lifespan) unless GOVCHAT_RETENTION_RUN_HOUR=-1 or in
tests. With several gateway replicas, run `python -m api.retention run` from cron on one host instead."""

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from api.db import session_scope, utcnow
from api.retention import service
from api.staff import service as staff_service
from govchat.settings import Settings

logger = logging.getLogger(__name__)


def seconds_until(hour: int, tz: ZoneInfo, now: datetime) -> float:
    local = now.astimezone(tz)
    target = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return (target - local).total_seconds()


def _loop(app: FastAPI, settings: Settings, stop: threading.Event) -> None:
    tz = ZoneInfo(settings.office_timezone)
    while not stop.wait(seconds_until(settings.retention_run_hour, tz, utcnow())):
        try:
            with session_scope(app.state.sessionmaker) as session:
                report = service.run(session=session, settings=settings, dry_run=False)
                staff_service.record(session=session, actor=None, username="system", action="retention_run",
                                     detail=report.model_dump(mode="json"))
        except Exception:
            logger.exception("retention job failed; will try again tomorrow")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if settings.environment == "test" or settings.retention_run_hour < 0:
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(target=_loop, args=(app, settings, stop), name="retention", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
