"""Every gateway replica looks for due subscribe messages every GOVCHAT_WECHAT_NOTIFY_INTERVAL_SECONDS, and once at
start-up, so what fell due while it was down goes out after a restart. Replicas need no coordination: each message
is claimed by its unique key before it is sent (api/notifications/flows.py)."""

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from api.channels.wechat.client import WeChatApi
from api.notifications import flows
from govchat import calendar
from govchat.settings import Settings

logger = logging.getLogger(__name__)


def enabled(settings: Settings, api: WeChatApi) -> bool:
    return settings.wechat_notify_interval_seconds > 0 and api.configured and bool(flows.templates(settings))


def _loop(sessions: sessionmaker[Session], api: WeChatApi, settings: Settings, stop: threading.Event) -> None:
    while True:
        try:
            report = flows.send_due(sessions=sessions, api=api, settings=settings, at=calendar.now())
            if report.sent or report.failed or report.deferred:
                logger.info("subscribe messages: %d sent, %d failed, %d deferred", report.sent, report.failed,
                            report.deferred)
        except Exception:
            logger.exception("subscribe message pass failed; will try again")
        if stop.wait(settings.wechat_notify_interval_seconds):
            return


def start(sessions: sessionmaker[Session], api: WeChatApi, settings: Settings) -> Callable[[], None]:
    """Starts the loop in a thread (sends are blocking httpx calls with timeouts); returns its stop function."""
    stop = threading.Event()
    if not enabled(settings, api):
        return stop.set
    thread = threading.Thread(target=_loop, args=(sessions, api, settings, stop), name="notify", daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(timeout=settings.wechat_timeout_seconds * 3 + 5)

    return halt
