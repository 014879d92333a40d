"""State shared by every gateway replica (rate limits, WeChat token cache and de-duplication, sessions, presence).

When GOVCHAT_REDIS_URL is set this gives a Redis client; when it is empty the caller keeps its state in process
memory, which is right for the embedded profile (one gateway process). One client per URL, created on first use:
redis-py clients are thread-safe and pool their connections, so the whole process shares one.
"""

import logging
import threading

import redis

from govchat.settings import Settings

logger = logging.getLogger(__name__)

_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()

# A dead Redis must not hang a request thread: fail fast, and let the caller decide (fail open or 503).
SOCKET_TIMEOUT_SECONDS = 2.0


def get_redis(settings: Settings) -> redis.Redis | None:
    """The shared Redis client (replies decoded as str), or None when the gateway keeps its state in process."""
    url = settings.redis_url
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        with _lock:
            client = _clients.get(url)
            if client is None:
                client = redis.Redis.from_url(
                    url,
                    socket_timeout=SOCKET_TIMEOUT_SECONDS,
                    socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
                    health_check_interval=30,
                    decode_responses=True,
                )
                _clients[url] = client
                logger.info("shared state in Redis at %s", client.connection_pool.connection_kwargs.get("host"))
    return client


def close_all() -> None:
    """Close every client (app shutdown, tests)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
