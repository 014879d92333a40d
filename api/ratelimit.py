"""Per-IP, per-session and per-openid rate limits, answered with a polite Chinese problem+json 429.

Counters live in process memory by default (one gateway replica) and in Redis when GOVCHAT_REDIS_URL is set,
so that every replica sees the same counts. The ``limits`` library does the counting (moving window).
"""

import logging
import math
import threading
import time
from typing import Annotated, Any

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.errors import TooManyRequests
from api.shared_state import SOCKET_TIMEOUT_SECONDS
from govchat.settings import Settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()

# Wrong verifiers (the applicant's birth date) per tracking number: some 30,000 plausible dates, so a handful of
# tries for a citizen who mistypes, far too few to search them.
VERIFY_FAILURES_PER_TRACKING_NO = "10/hour"
# Staff login attempts, on top of the account lock-out: per address, against spraying many names; per name, so
# that many addresses together still make few guesses. Enough for a colleague who mistypes a few times.
LOGIN_ATTEMPTS_PER_IP = "20/minute"
LOGIN_ATTEMPTS_PER_USERNAME = "10/minute"


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        if settings.redis_url:
            # The shared state's short timeouts, not redis-py's defaults: with Redis gone, a chat request fails
            # open after a few seconds instead of waiting ~10 s for two counters.
            storage = storage_from_string(
                settings.redis_url,
                socket_timeout=SOCKET_TIMEOUT_SECONDS,
                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            )
        else:
            storage = storage_from_string("memory://")
        assert isinstance(storage, Storage)  # the sync flavour: handlers and background tasks run in threads
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._items: dict[str, RateLimitItem | None] = {
            "ip": parse(settings.rate_limit_per_ip) if settings.rate_limit_per_ip else None,
            "session": parse(settings.rate_limit_per_session) if settings.rate_limit_per_session else None,
            "openid": parse(settings.rate_limit_per_openid) if settings.rate_limit_per_openid else None,
            "verify": parse(VERIFY_FAILURES_PER_TRACKING_NO),
            "login_ip": parse(LOGIN_ATTEMPTS_PER_IP),
            "login_username": parse(LOGIN_ATTEMPTS_PER_USERNAME),
        }

    def allow(self, kind: str, key: str) -> bool:
        """Count one hit; False when the limit is exceeded. Fails open if the counter store is unreachable."""
        item = self._items.get(kind)
        if item is None:
            return True
        try:
            return self._limiter.hit(item, "govchat", kind, key)
        except Exception:  # noqa: BLE001 - a Redis outage must not take the chat down with it
            logger.warning("rate limit store unavailable; allowing %s request", kind)
            return True

    def used_up(self, kind: str, key: str) -> bool:
        """True when the next hit would exceed the limit; counts nothing (count failures with ``allow``)."""
        item = self._items.get(kind)
        if item is None:
            return False
        try:
            return not self._limiter.test(item, "govchat", kind, key)
        except Exception:  # noqa: BLE001
            logger.warning("rate limit store unavailable; allowing %s request", kind)
            return False

    def retry_after(self, kind: str, key: str) -> int:
        item = self._items.get(kind)
        if item is None:
            return 0
        try:
            reset = self._limiter.get_window_stats(item, "govchat", kind, key).reset_time
        except Exception:  # noqa: BLE001
            return item.get_expiry()
        return max(1, math.ceil(reset - time.time()))

    def check(self, kind: str, key: str) -> None:
        """Raise TooManyRequests (rendered as problem+json 429) when the limit for ``key`` is exceeded."""
        if not self.allow(kind, key):
            wait = self.retry_after(kind, key)
            logger.info("rate limit %s exceeded", kind)
            raise TooManyRequests(polite_message(wait), retry_after=wait)


def polite_message(wait_seconds: int) -> str:
    return f"您发送得有点快，请稍等 {wait_seconds} 秒后再试。急事可拨打 12345 政务服务热线。"


def get_limiter(app: Any) -> RateLimiter:
    """One limiter per app (tests build many apps), created on first use."""
    limiter: RateLimiter | None = getattr(app.state, "rate_limiter", None)
    if limiter is None:
        with _lock:
            limiter = getattr(app.state, "rate_limiter", None)
            if limiter is None:
                limiter = RateLimiter(app.state.settings)
                app.state.rate_limiter = limiter
    return limiter


def get_rate_limiter(request: Request) -> RateLimiter:
    return get_limiter(request.app)


LimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]


def client_ip(request: Request) -> str:
    """The peer address. Behind the reverse proxy, run uvicorn with --proxy-headers so this is the citizen's IP."""
    return request.client.host if request.client else "unknown"


async def limit_ip(request: Request) -> None:
    get_limiter(request.app).check("ip", client_ip(request))


async def _json_body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None  # malformed JSON: the route answers 400


async def limit_login(request: Request) -> None:
    limiter = get_limiter(request.app)
    limiter.check("login_ip", client_ip(request))
    body = await _json_body(request)
    if isinstance(body, dict) and isinstance(body.get("username"), str):
        limiter.check("login_username", body["username"][:64].lower())


async def limit_session(request: Request) -> None:
    """Per-session limit on what a citizen sends (POST); polling for new messages is only limited per IP."""
    if request.method != "POST":
        return
    session_id = request.path_params.get("session_id")
    if session_id is None:
        body = await _json_body(request)
        if isinstance(body, dict) and isinstance(body.get("session_id"), str):
            session_id = body["session_id"][:128]
    if session_id:
        get_limiter(request.app).check("session", session_id)
