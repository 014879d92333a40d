"""The gateway's API on PostgreSQL and Redis, with two app instances (two gateway replicas) on one database."""

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select

from api.conversations.models import Conversation, Message
from api.main import create_app
from api.shared_state import close_all, get_redis
from govchat.settings import Settings
from tests.conftest import FakeRasa, migrate, new_session

pytestmark = pytest.mark.scaled


@pytest.fixture
def replicas(pg_settings: Settings, fake_rasa: FakeRasa) -> Iterator[tuple[TestClient, TestClient]]:
    migrate(pg_settings.database_url)
    with (
        TestClient(create_app(pg_settings, rasa_transport=fake_rasa.transport())) as a,
        TestClient(create_app(pg_settings, rasa_transport=fake_rasa.transport())) as b,
    ):
        yield a, b


def test_ready_on_postgresql_reports_the_database(replicas: tuple[TestClient, TestClient]) -> None:
    body = replicas[0].get("/readyz").json()
    assert body["checks"]["database"] == "ok"


def test_alternating_replicas_record_one_conversation_in_order(
    replicas: tuple[TestClient, TestClient], pg_settings: Settings
) -> None:
    texts = ["身份证丢了怎么补办", "要带什么材料", "要多少钱", "在哪里办", "谢谢"]
    sid = new_session(replicas[0])
    for i, text in enumerate(texts):
        response = replicas[i % 2].post("/api/v1/chat", json={"session_id": sid, "text": text})
        assert response.status_code == 200, response.text
        assert response.json()["messages"][0]["text"] == f"收到：{text}"

    # Either replica returns the whole history, each bot message once, in order.
    for client in replicas:
        page = client.get(f"/api/v1/chat/{sid}/messages").json()
        assert [m["text"] for m in page["messages"]] == [f"收到：{t}" for t in texts]

    engine = create_engine(pg_settings.database_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Conversation)) == 1
            assert conn.scalar(select(func.count()).select_from(Message)) == 2 * len(texts)
    finally:
        engine.dispose()


def test_many_sessions_in_parallel_on_both_replicas(
    replicas: tuple[TestClient, TestClient], pg_settings: Settings
) -> None:
    errors: list[str] = []

    def citizen(n: int) -> None:
        sid = new_session(replicas[0])
        for turn in range(4):
            response = replicas[(n + turn) % 2].post(
                "/api/v1/chat", json={"session_id": sid, "text": f"第{turn}个问题"}
            )
            if response.status_code != 200:
                errors.append(response.text)

    threads = [threading.Thread(target=citizen, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    engine = create_engine(pg_settings.database_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Conversation)) == 12
            assert conn.scalar(select(func.count()).select_from(Message)) == 12 * 4 * 2
    finally:
        engine.dispose()


def test_first_message_of_one_session_at_two_replicas_at_once(
    replicas: tuple[TestClient, TestClient], fake_rasa: FakeRasa
) -> None:
    barrier = threading.Barrier(2)
    statuses: list[int | str] = []

    def slow(body: dict) -> dict:
        return {"messages": [{"text": "好的", "buttons": None, "custom": None}], "nlu": {}}

    fake_rasa.handler = slow

    sids = [new_session(replicas[0]) for _ in range(20)]

    def send(client: TestClient) -> None:
        for n in range(20):
            barrier.wait(timeout=30)
            try:
                response = client.post("/api/v1/chat", json={"session_id": sids[n], "text": "你好"})
                statuses.append(response.status_code)
            except Exception as exc:  # TestClient re-raises the server's exception
                statuses.append(type(exc).__name__)  # type: ignore[arg-type]

    threads = [threading.Thread(target=send, args=(c,)) for c in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 40, statuses


def test_shared_redis_client(pg_settings: Settings) -> None:
    client = get_redis(pg_settings)
    assert client is not None
    assert get_redis(pg_settings) is client  # one pooled client per process
    client.set("govchat:test:shared-state", "值", ex=10)
    assert client.get("govchat:test:shared-state") == "值"
    assert get_redis(pg_settings.model_copy(update={"redis_url": ""})) is None
    close_all()


def test_rate_limit_counts_are_shared_between_replicas(pg_settings: Settings) -> None:
    ratelimit = pytest.importorskip("api.ratelimit")
    limited = pg_settings.model_copy(update={"rate_limit_per_session": "3/minute"})
    a, b = ratelimit.RateLimiter(limited), ratelimit.RateLimiter(limited)
    key = f"replica-test-{id(a)}"
    assert [a.allow("session", key), b.allow("session", key), a.allow("session", key)] == [True, True, True]
    assert b.allow("session", key) is False
