"""Remembers which pushes were already handled, so WeChat's retries (it retries three times) are processed once,
and which signed query strings (timestamp + nonce) were already used, so a signature cannot be replayed.

In process memory by default; in Redis (SET NX EX) when GOVCHAT_REDIS_URL is set, so replicas share it.
"""

import logging
import threading
import time
from typing import Protocol

import redis

from api.shared_state import get_redis
from govchat.settings import Settings

logger = logging.getLogger(__name__)

TTL_SECONDS = 600


class Deduper(Protocol):
    ttl_seconds: int

    def first_time(self, key: str) -> bool: ...


class MemoryDeduper:
    def __init__(self, ttl_seconds: int = TTL_SECONDS, max_entries: int = 100_000) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self.ttl_seconds = ttl_seconds
        self._max = max_entries

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._seen) >= self._max:
                self._seen = {k: t for k, t in self._seen.items() if t > now}
            expires = self._seen.get(key)
            if expires is not None and expires > now:
                return False
            self._seen[key] = now + self.ttl_seconds
            return True


class RedisDeduper:
    def __init__(self, client: redis.Redis, ttl_seconds: int = TTL_SECONDS) -> None:
        self._redis = client
        self.ttl_seconds = ttl_seconds

    def first_time(self, key: str) -> bool:
        try:
            return bool(self._redis.set(f"govchat:wechat:push:{key}", "1", nx=True, ex=self.ttl_seconds))
        except Exception:  # noqa: BLE001 - better a rare duplicate answer than a lost message
            logger.warning("redis unavailable for push de-duplication; processing anyway")
            return True


def make_deduper(settings: Settings) -> Deduper:
    # A push's timestamp is accepted from max_skew seconds before it to max_skew seconds after it: remember
    # signatures at least that long, or one could be replayed at the end of its window.
    ttl = max(TTL_SECONDS, 2 * settings.wechat_max_clock_skew_seconds)
    client = get_redis(settings)
    return RedisDeduper(client, ttl) if client is not None else MemoryDeduper(ttl)
