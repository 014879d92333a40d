import socket
import time

from api.ratelimit import RateLimiter
from govchat.settings import Settings


def test_a_redis_that_accepts_but_never_answers_fails_open_within_the_shared_timeout(settings: Settings) -> None:
    with socket.socket() as silent:  # listens, never replies: a hung Redis, not a refused connection
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        limiter = RateLimiter(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"}))
        started = time.monotonic()
        assert limiter.allow("ip", "203.0.113.7") is True
        assert time.monotonic() - started < 4.5  # 2 s read timeout (redis-py's default would wait much longer)
