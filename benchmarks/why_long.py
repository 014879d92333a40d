"""Where the time of a long conversation goes: per-message latency vs tracker length, with the tracker load
(GET /conversations/<id>/tracker: read every event of the session, replay, serialise) and NLU (POST /model/parse)
timed separately. Run: python -m benchmarks.why_long [INDEX_DIR] [LENGTH] (starts the embedded profile;
GOVCHAT_MAX_SESSION_EVENTS is passed through to Rasa for the proposed session bound)."""

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from benchmarks.cluster import TOKEN, start_cluster


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    index_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    length = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory(prefix="govchat-why-") as tmp:
        cluster = start_cluster("embedded", Path(tmp), index_dir=index_dir)
        try:
            rasa = cluster.rasa_urls[0]
            auth = {"Authorization": f"Bearer {TOKEN}"}
            sender = f"why-{uuid.uuid4().hex}"
            turns = ["身份证丢了怎么补办", "要带什么材料", "要多少钱", "你好", "谢谢"]
            rows = []
            with httpx.Client(timeout=120) as client:
                msg_ms = []
                for i in range(length):
                    body = {"sender": sender, "message": turns[i % len(turns)], "metadata": {}}
                    msg_ms.append(timed(lambda body=body: client.post(
                        f"{rasa}/webhooks/govchat/webhook", headers=auth, json=body,
                    ).raise_for_status()))
                    if i + 1 in (10, 50, 100, length):
                        events = len(client.get(f"{rasa}/conversations/{sender}/tracker",
                                                params={"token": TOKEN}).json()["events"])
                        load = statistics.median(timed(lambda: client.get(
                            f"{rasa}/conversations/{sender}/tracker", params={"token": TOKEN}).raise_for_status())
                            for _ in range(5))
                        parse = statistics.median(timed(lambda: client.post(
                            f"{rasa}/model/parse", params={"token": TOKEN}, json={"text": "要带什么材料"},
                        ).raise_for_status()) for _ in range(5))
                        window = msg_ms[max(0, i - 4): i + 1]
                        rows.append((i + 1, events, round(statistics.median(window)), round(load), round(parse)))
            out = sys.stdout.write
            out("| message | tracker events | message ms (median of last 5) | tracker load ms | NLU parse ms |\n")
            out("|---|---|---|---|---|\n")
            for r in rows:
                out("| " + " | ".join(str(x) for x in r) + " |\n")
        finally:
            cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
