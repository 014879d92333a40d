"""Simulated citizens for Locust (headless; run by `python -m benchmarks`, or by hand:
`BENCH_HOSTS=http://127.0.0.1:8000 .venv/bin/locust -f benchmarks/locustfile.py --headless -u 10 -r 10 -t 20s`).

Each simulated citizen holds a conversation: a guide question, one or two follow-ups on the same guide, sometimes
small talk, and, when the service-request form exists (BENCH_FORM=1), starts a request and fills a few fields.

BENCH_TARGET=gateway (default) posts to the gateway's /api/v1/chat; BENCH_TARGET=rasa posts the same messages to the
Rasa server's govchat channel directly (what the gateway itself calls), so the two can be compared at equal load.
BENCH_HOSTS is a comma-separated list: with several replicas every message goes to the next one in turn (a
round-robin load balancer without stickiness: any replica serves any message of any conversation).
BENCH_THINK_SECONDS: a citizen's pause before each message, reading the reply and typing (0.5x to 1.5x of it at random;
default 0: closed loop, measures capacity).
"""

import itertools
import os
import random
import uuid

import gevent
from locust import FastHttpUser, constant, task

HOSTS = [h for h in os.environ.get("BENCH_HOSTS", "http://127.0.0.1:8000").split(",") if h]
TARGET = os.environ.get("BENCH_TARGET", "gateway")
TOKEN = os.environ.get("BENCH_RASA_TOKEN", "dev-rasa-token")
THINK = float(os.environ.get("BENCH_THINK_SECONDS", "0"))
FORM = os.environ.get("BENCH_FORM") == "1"

# Questions a citizen asks first, each with follow-ups answered from the same guide.
CONVERSATIONS: list[list[str]] = [
    ["身份证丢了怎么补办", "要带什么材料", "要多少钱"],
    ["公积金怎么提取", "需要哪些材料", "多久能办好"],
    ["怎么办理居住证", "在哪里办"],
    ["营业执照怎么办", "要带什么材料", "收费吗"],
    ["医保怎么异地备案", "办理流程是什么"],
    ["结婚登记要什么材料", "在哪里办"],
    ["你好", "驾驶证到期换证怎么办", "要多少钱", "谢谢"],
    ["社保卡丢了怎么办", "多久能拿到"],
    ["新生儿怎么上户口", "要带什么材料", "谢谢"],
]
FORM_TURNS = ["我要办理", "张三", "11010519491231002X", "13800138000", "算了不办了"]

_next_host = itertools.count()


class Citizen(FastHttpUser):
    # FastHttpUser (geventhttpclient), not HttpUser (requests): the load generator shares the cores with the system
    # it measures, and costs less CPU per request this way. Its timeouts are 60 s, as the requests client's were.
    host = HOSTS[0]
    wait_time = constant(0)  # the pause is before every message (_send), not only between conversations

    def on_start(self) -> None:
        self.session_id = self._new_session()

    def _new_session(self) -> str:
        """Rasa takes any sender; the gateway only ids it issued."""
        if TARGET == "rasa":
            return f"bench-{uuid.uuid4().hex}"
        with self.client.post(f"{HOSTS[0]}/api/v1/chat/sessions", name="session", catch_response=True) as r:
            session_id: str = r.json()["session_id"]
        return session_id

    def _send(self, text: str, name: str) -> None:
        if THINK > 0:
            gevent.sleep(random.uniform(THINK * 0.5, THINK * 1.5))
        host = HOSTS[next(_next_host) % len(HOSTS)]
        if TARGET == "rasa":
            url = f"{host}/webhooks/govchat/webhook"
            body = {"sender": self.session_id, "message": text, "metadata": {"channel": "bench"}}
            headers = {"Authorization": f"Bearer {TOKEN}"}
        else:
            url = f"{host}/api/v1/chat"
            body = {"session_id": self.session_id, "text": text}
            headers = {}
        with self.client.post(url, json=body, headers=headers, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
                return
            messages = r.json().get("messages") or []
            if not messages:
                r.failure("empty reply")
            elif any("忙不过来" in (m.get("text") or "") for m in messages):
                r.failure("busy reply")  # the gateway's polite 'service busy': Rasa failed behind it
            else:
                r.success()

    @task(5)
    def ask_and_follow_up(self) -> None:
        for i, text in enumerate(random.choice(CONVERSATIONS)):
            self._send(text, "question" if i == 0 else "follow-up")

    @task(1 if FORM else 0)
    def start_a_request(self) -> None:
        self._send("身份证丢了怎么补办", "question")
        for text in FORM_TURNS:
            self._send(text, "form")
        self.session_id = self._new_session()  # a fresh conversation after the form
