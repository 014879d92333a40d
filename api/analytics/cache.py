"""A short-lived cache of knowledge-gap results, so opening the analytics page again does not embed again.

Why the result and not the embeddings: a result is a few KB (at most `limit` clusters of five masked examples),
so it fits in Redis with SET EX and every replica shares it; caching the embeddings of question texts would mean
hundreds of MB of vectors (384 floats per distinct question) kept somewhere, and each view would still read the
period's messages and cluster them again. The cost of the simpler choice is staleness: a result is up to
GOVCHAT_ANALYTICS_GAP_CACHE_SECONDS old, and the response says when it was computed.

In process memory by default; in Redis when GOVCHAT_REDIS_URL is set (the pattern of api/channels/wechat/dedupe.py).
A dead Redis never breaks the page: the result is computed as if nothing had been cached.
"""

import logging
import threading
import time
from typing import Protocol

import redis

from api.shared_state import get_redis
from govchat.settings import Settings

logger = logging.getLogger(__name__)

# Bump when the shape of the cached JSON (schemas.Gaps) changes, so replicas of two versions do not share entries.
KEY_PREFIX = "govchat:analytics:gaps:v1:"


class GapCache(Protocol):
    ttl_seconds: int

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...


class MemoryGapCache:
    def __init__(self, ttl_seconds: int, max_entries: int = 256) -> None:
        self.ttl_seconds = ttl_seconds
        self._entries: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: str) -> str | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= time.monotonic():
                return None
            return entry[1]

    def set(self, key: str, value: str) -> None:
        if self.ttl_seconds <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
                while len(self._entries) >= self._max:  # all fresh: drop the oldest
                    self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (now + self.ttl_seconds, value)


class RedisGapCache:
    def __init__(self, client: redis.Redis, ttl_seconds: int) -> None:
        self._redis = client
        self.ttl_seconds = ttl_seconds

    def get(self, key: str) -> str | None:
        try:
            value = self._redis.get(KEY_PREFIX + key)
        except Exception:  # noqa: BLE001 - a dead cache means computing again, not an error page
            logger.warning("redis unavailable for the knowledge-gap cache; computing")
            return None
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str) -> None:
        if self.ttl_seconds <= 0:
            return
        try:
            self._redis.set(KEY_PREFIX + key, value, ex=self.ttl_seconds)
        except Exception:  # noqa: BLE001
            logger.warning("redis unavailable for the knowledge-gap cache; result not cached")


def make_gap_cache(settings: Settings) -> GapCache:
    ttl = settings.analytics_gap_cache_seconds
    client = get_redis(settings)
    return RedisGapCache(client, ttl) if client is not None else MemoryGapCache(ttl)
