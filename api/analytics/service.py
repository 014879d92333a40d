"""Aggregates for the analytics page. Rows are read for the chosen period and counted in Python, in the
office's time zone, so the numbers are the same on SQLite and PostgreSQL."""

import heapq
import logging
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.analytics.cache import GapCache
from api.analytics.life_events import life_event_charts
from api.analytics.schemas import GapCluster, Gaps, Overview, Series
from api.bundle_requests import service as bundles_service
from api.conversations.models import Conversation, Message, Role
from api.db import utcnow
from api.feedback.models import Rating, RatingLevel
from api.review.service import guide_titles
from api.service_requests.models import RequestStatus, ServiceRequest, StatusChange
from api.service_requests.schemas import STATUS_LABELS
from govchat import localtime
from govchat.masking import mask_message

logger = logging.getLogger(__name__)

_CHANNELS = {"web": "网页", "wechat": "微信"}
_RATING_ORDER = [level.value for level in RatingLevel]


def _bounds(date_from: date, date_to: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = localtime.day_start(date_from, tz)
    end = localtime.day_start(date_to + timedelta(days=1), tz)
    return start, end


def _days(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]


def overview(*, session: Session, date_from: date, date_to: date, tz: ZoneInfo) -> Overview:
    start, end = _bounds(date_from, date_to, tz)
    days = _days(date_from, date_to)
    labels = [d.isoformat() for d in days]

    conversations = session.execute(
        select(Conversation.id, Conversation.channel, Conversation.created_at)
        .where(Conversation.created_at >= start, Conversation.created_at < end)
    ).all()
    messages = session.execute(
        select(Message.role, Message.created_at, Message.decision, Message.fell_back, Message.handed_over,
               Message.guide_id)
        .where(Message.created_at >= start, Message.created_at < end)
    ).all()

    conv_per_day: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    for c in conversations:
        conv_per_day[localtime.local(c.created_at, tz).date().isoformat()] += 1
        by_channel[_CHANNELS.get(c.channel, c.channel)] += 1
    msg_per_day: Counter[str] = Counter()
    by_hour: Counter[int] = Counter()
    services: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    questions = 0
    for m in messages:
        local = localtime.local(m.created_at, tz)
        msg_per_day[local.date().isoformat()] += 1
        if m.role == Role.CITIZEN:
            questions += 1
            by_hour[local.hour] += 1
        elif m.role == Role.BOT:
            if m.guide_id and m.decision == "answer":
                services[m.guide_id] += 1
            if m.decision or m.fell_back or m.handed_over:  # the last utterance of a turn carries its facts
                if m.decision == "answer" and not m.fell_back:
                    outcomes["answered"] += 1
                if m.decision == "clarify":
                    outcomes["clarified"] += 1
                if m.decision == "complaint":  # the apology: a failure when the message was a service question
                    outcomes["apologised"] += 1
                if m.fell_back:
                    outcomes["fell_back"] += 1
                if m.handed_over:
                    outcomes["handed_over"] += 1

    titles = guide_titles()
    top = services.most_common(10)
    charts = [
        Series(key="per_day", title="每日会话量与消息量", labels=labels,
               series={"会话": [conv_per_day[d] for d in labels], "消息": [msg_per_day[d] for d in labels]}),
        Series(key="by_channel", title="各渠道会话量", labels=list(by_channel),
               series={"会话": list(by_channel.values())}),
        Series(key="by_hour", title="各时段咨询量（群众消息）", labels=[f"{h:02d}时" for h in range(24)],
               series={"消息": [by_hour[h] for h in range(24)]}),
        Series(key="top_services", title="咨询最多的事项", labels=[titles.get(g, g) for g, _ in top],
               series={"回答次数": [n for _, n in top]}),
        Series(key="outcomes", title="回答、澄清、致歉、兜底与转人工比例（%，按群众提问计）",
               labels=["直接回答", "澄清追问", "投诉致歉", "兜底", "转人工"],
               series={"比例": [_pct(outcomes[k], questions)
                                for k in ("answered", "clarified", "apologised", "fell_back", "handed_over")]}),
    ]
    charts += _satisfaction(session=session, start=start, end=end, tz=tz, labels=labels)
    request_charts, request_totals = _requests(session=session, start=start, end=end)
    charts += request_charts
    bundles = bundles_service.count_by_event(session=session, start=start, end=end)
    charts.append(Series(key="bundles_by_event", title="“一件事”一次申请（按事项）", labels=[t for t, _ in bundles],
                         series={"申请数": [n for _, n in bundles]}))
    request_totals["bundle_requests"] = sum(n for _, n in bundles)
    event_charts, event_totals = life_event_charts(session=session, start=start, end=end)
    charts += event_charts
    totals = {"conversations": len(conversations), "messages": len(messages), "questions": questions,
              **request_totals, **event_totals}
    return Overview(date_from=date_from, date_to=date_to, totals=totals, charts=charts)


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _satisfaction(*, session: Session, start: datetime, end: datetime, tz: ZoneInfo,
                  labels: list[str]) -> list[Series]:
    ratings = session.execute(
        select(Rating.level, Rating.score, Rating.created_at).where(Rating.created_at >= start, Rating.created_at < end)
    ).all()
    levels = Counter(r.level for r in ratings)
    scores: dict[str, list[int]] = defaultdict(list)
    for r in ratings:
        scores[localtime.local(r.created_at, tz).date().isoformat()].append(r.score)
    return [
        Series(key="satisfaction", title="好差评分布", labels=_RATING_ORDER,
               series={"评价数": [levels[level] for level in _RATING_ORDER]}),
        Series(key="satisfaction_trend", title="满意度趋势（平均分，5 分制）", labels=labels,
               series={"平均分": [round(sum(scores[d]) / len(scores[d]), 2) if scores[d] else None for d in labels],
                       "评价数": [len(scores[d]) for d in labels]}),
    ]


def _requests(*, session: Session, start: datetime, end: datetime) -> tuple[list[Series], dict[str, float]]:
    requests = session.execute(
        select(ServiceRequest.id, ServiceRequest.status, ServiceRequest.created_at)
        .where(ServiceRequest.created_at >= start, ServiceRequest.created_at < end)
    ).all()
    by_status = Counter(r.status for r in requests)
    created = {r.id: r.created_at for r in requests}
    durations = [
        (done_at - created[request_id]).total_seconds() / 3600
        for request_id, done_at in session.execute(
            select(StatusChange.request_id, StatusChange.created_at)
            .where(StatusChange.to_status == RequestStatus.COMPLETED, StatusChange.request_id.in_(list(created)))
        ).all()
    ] if created else []
    order = [s.value for s in RequestStatus]
    average = round(sum(durations) / len(durations), 1) if durations else 0.0
    return (
        [Series(key="requests_by_status", title="办件状态分布", labels=[STATUS_LABELS[s] for s in order],
                series={"办件数": [by_status[s] for s in order]})],
        {"requests": len(requests), "completed": len(durations), "avg_hours_to_complete": average},
    )


# --- knowledge gaps ---------------------------------------------------------------------------------------------


@dataclass
class GapQuestion:
    """A citizen question and what the assistant did with the rest of its turn."""

    message_id: int
    conversation_id: int
    created_at: datetime
    text: str  # as stored until the question is selected, then masked
    entities: Any
    intent: str | None
    weak: bool
    guide: str | None = None


@dataclass
class GapSelection:
    total: int  # weak questions in the period
    questions: list[GapQuestion]  # the most recent `cap` of them, masked, in conversation order


def gap_questions(*, session: Session, start: datetime, end: datetime, below: float, cap: int) -> GapSelection:
    """Citizen questions the assistant could not answer well: low NLU confidence, or a turn that fell back,
    clarified, or handed over. All are counted; only the most recent `cap` are kept (a heap), so memory is bounded
    by the cap, not by the period. Rows are streamed and only the kept questions are masked."""
    rows = session.execute(
        select(Message.id, Message.conversation_id, Message.role, Message.text, Message.intent, Message.confidence,
               Message.entities, Message.decision, Message.fell_back, Message.guide_id, Message.created_at)
        .where(Message.created_at >= start, Message.created_at < end, Message.role.in_([Role.CITIZEN, Role.BOT]))
        .order_by(Message.conversation_id, Message.id)
        .execution_options(yield_per=2000)
    )
    newest: list[tuple[datetime, int, GapQuestion]] = []  # min-heap on (created_at, id): the oldest kept on top
    total = 0

    def finish(question: GapQuestion | None) -> None:
        nonlocal total
        if question is None or not question.weak or not question.text.strip():
            return
        total += 1
        item = (question.created_at, question.message_id, question)
        if len(newest) < cap:
            heapq.heappush(newest, item)
        elif item[:2] > newest[0][:2]:
            heapq.heapreplace(newest, item)

    current: GapQuestion | None = None
    for row in rows:
        if row.role == Role.CITIZEN:
            finish(current)
            current = GapQuestion(message_id=row.id, conversation_id=row.conversation_id,
                                  created_at=row.created_at, text=row.text, entities=row.entities,
                                  intent=row.intent, weak=row.confidence is not None and row.confidence < below)
        elif current is not None and current.conversation_id == row.conversation_id:
            if row.fell_back or row.decision in ("fallback", "clarify"):
                current.weak = True
            if row.guide_id:
                current.guide = row.guide_id
    finish(current)
    kept = sorted((q for _, _, q in newest), key=lambda q: (q.conversation_id, q.message_id))
    for q in kept:
        q.text = mask_message(q.text, q.entities)
    return GapSelection(total=total, questions=kept)


def cluster(vectors: np.ndarray, threshold: float, weights: np.ndarray | None = None) -> list[list[int]]:
    """Greedy single pass: each vector joins the most similar cluster centroid if cosine >= threshold.

    `weights` is how many questions each vector stands for (identical texts are embedded once): a centroid is the
    weighted sum of its members, as if the copies had come one after another, and clusters are ordered by total
    weight, largest first. Centroid directions are kept in one matrix, so each step is one matrix-vector product.
    """
    count, dimension = vectors.shape
    weight = np.ones(count, dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
    sums = np.zeros((count, dimension), dtype=np.float32)  # at most one cluster per vector
    directions = np.zeros((count, dimension), dtype=np.float32)
    members: list[list[int]] = []
    for i, v in enumerate(unit):
        k = len(members)
        if k:
            sims = directions[:k] @ v
            best = int(sims.argmax())
            if sims[best] >= threshold:
                members[best].append(i)
                sums[best] += weight[i] * v
                directions[best] = sums[best] / (np.linalg.norm(sums[best]) or 1)
                continue
        sums[k] = weight[i] * v
        directions[k] = v
        members.append([i])
    return sorted(members, key=lambda m: float(weight[m].sum()), reverse=True)


def gaps_cache_key(*, model: str, date_from: date, date_to: date, tz: ZoneInfo, below: float, threshold: float,
                   limit: int, max_questions: int) -> str:
    """Everything the result depends on; the period as resolved dates, so the default and explicit dates share."""
    return "|".join(str(part) for part in (model, tz.key, date_from, date_to, repr(below), repr(threshold), limit,
                                          max_questions))


# One gap computation per key at a time in this process: two staff opening the page together wait for one result
# instead of embedding twice. Striped, so the locks are bounded; replicas share only the cache, not the locks.
_GAP_LOCKS = [threading.Lock() for _ in range(16)]


def gaps(*, session: Session, embedder: Any, date_from: date, date_to: date, tz: ZoneInfo, below: float = 0.5,
         threshold: float = 0.9, limit: int = 20, max_questions: int = 2000, model: str = "",
         cache: GapCache | None = None) -> Gaps:
    key = gaps_cache_key(model=model, date_from=date_from, date_to=date_to, tz=tz, below=below, threshold=threshold,
                         limit=limit, max_questions=max_questions)
    if cache is None:
        return _compute_gaps(session=session, embedder=embedder, date_from=date_from, date_to=date_to, tz=tz,
                             below=below, threshold=threshold, limit=limit, max_questions=max_questions)
    with _GAP_LOCKS[hash(key) % len(_GAP_LOCKS)]:
        hit = cache.get(key)
        if hit is not None:
            return Gaps.model_validate_json(hit).model_copy(update={"cached": True})
        result = _compute_gaps(session=session, embedder=embedder, date_from=date_from, date_to=date_to, tz=tz,
                               below=below, threshold=threshold, limit=limit, max_questions=max_questions)
        if result.available:  # "model not available" may change any minute: not cached
            cache.set(key, result.model_dump_json())
        return result


def _compute_gaps(*, session: Session, embedder: Any, date_from: date, date_to: date, tz: ZoneInfo, below: float,
                  threshold: float, limit: int, max_questions: int) -> Gaps:
    start, end = _bounds(date_from, date_to, tz)
    selection = gap_questions(session=session, start=start, end=end, below=below, cap=max_questions)
    questions = selection.questions
    empty = Gaps(available=True, questions=selection.total, analysed=len(questions),
                 capped=selection.total > len(questions), max_questions=max_questions, computed_at=utcnow(),
                 clusters=[])
    if isinstance(embedder, str):
        return empty.model_copy(update={"available": False, "message": embedder})
    if not questions:
        return empty
    # Identical (masked) texts are embedded once; each remembers its questions' intents and guides.
    by_text: dict[str, list[GapQuestion]] = {}
    for q in questions:
        by_text.setdefault(q.text, []).append(q)
    texts = list(by_text)
    counts = np.array([len(by_text[t]) for t in texts], dtype=np.float32)
    started = time.perf_counter()
    vectors = np.asarray(embedder.encode(texts, convert_to_numpy=True), dtype=np.float32)
    groups = cluster(vectors, threshold, counts)
    logger.info("knowledge gaps: %d questions (%d in period), %d distinct texts, embedded and clustered in %.1f s",
                len(questions), selection.total, len(texts), time.perf_counter() - started)
    titles = guide_titles()
    clusters = []
    for group in groups[:limit]:
        examples = Counter({texts[i]: len(by_text[texts[i]]) for i in group})
        members = [q for i in group for q in by_text[texts[i]]]
        intents = Counter(q.intent for q in members if q.intent)
        guides = Counter(q.guide for q in members if q.guide)
        shown = [t for t, _ in examples.most_common(5)]
        clusters.append(GapCluster(
            size=len(members), examples=shown,
            example_conversations=[max(by_text[t], key=lambda q: q.message_id).conversation_id for t in shown],
            intents=[i for i, _ in intents.most_common(3)],
            attempted_guides=[titles.get(g, g) for g, _ in guides.most_common(3)],
        ))
    return empty.model_copy(update={"distinct_texts": len(texts), "clusters": clusters})
