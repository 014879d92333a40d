"""Aggregates for the analytics page. Rows are read for the chosen period and counted in Python, in the
office's time zone, so the numbers are the same on SQLite and PostgreSQL."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.analytics.schemas import GapCluster, Gaps, Overview, Series
from api.conversations.models import Conversation, Message, Role
from api.feedback.models import Rating, RatingLevel
from api.review.masking import mask_message
from api.review.service import guide_titles
from api.service_requests.models import RequestStatus, ServiceRequest, StatusChange
from api.service_requests.schemas import STATUS_LABELS
from api.staff.service import aware

_CHANNELS = {"web": "网页", "wechat": "微信"}
_RATING_ORDER = [level.value for level in RatingLevel]


def _bounds(date_from: date, date_to: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(date_from, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
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
        conv_per_day[aware(c.created_at).astimezone(tz).date().isoformat()] += 1
        by_channel[_CHANNELS.get(c.channel, c.channel)] += 1
    msg_per_day: Counter[str] = Counter()
    by_hour: Counter[int] = Counter()
    services: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    questions = 0
    for m in messages:
        local = aware(m.created_at).astimezone(tz)
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
        Series(key="outcomes", title="回答、澄清、兜底与转人工比例（%，按群众提问计）",
               labels=["直接回答", "澄清追问", "兜底", "转人工"],
               series={"比例": [_pct(outcomes[k], questions)
                                for k in ("answered", "clarified", "fell_back", "handed_over")]}),
    ]
    charts += _satisfaction(session=session, start=start, end=end, tz=tz, labels=labels)
    request_charts, request_totals = _requests(session=session, start=start, end=end)
    charts += request_charts
    totals = {"conversations": len(conversations), "messages": len(messages), "questions": questions,
              **request_totals}
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
        scores[aware(r.created_at).astimezone(tz).date().isoformat()].append(r.score)
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
    created = {r.id: aware(r.created_at) for r in requests}
    durations = [
        (aware(done_at) - created[request_id]).total_seconds() / 3600
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


def gap_questions(*, session: Session, start: datetime, end: datetime, below: float) -> list[dict[str, Any]]:
    """Citizen questions the assistant could not answer well: low NLU confidence, or a turn that fell back,
    clarified, or handed over."""
    rows = session.execute(
        select(Message.id, Message.conversation_id, Message.role, Message.text, Message.intent, Message.confidence,
               Message.entities, Message.decision, Message.fell_back, Message.guide_id)
        .where(Message.created_at >= start, Message.created_at < end, Message.role.in_([Role.CITIZEN, Role.BOT]))
        .order_by(Message.conversation_id, Message.id)
    ).all()
    out: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for row in rows:
        if row.role == Role.CITIZEN:
            current = {"text": mask_message(row.text, row.entities), "intent": row.intent, "guide": None,
                       "weak": row.confidence is not None and row.confidence < below,
                       "conversation_id": row.conversation_id}
            out.append(current)
        elif current is not None and current["conversation_id"] == row.conversation_id:
            if row.fell_back or row.decision in ("fallback", "clarify"):
                current["weak"] = True
            if row.guide_id:
                current["guide"] = row.guide_id
    return [q for q in out if q["weak"] and q["text"].strip()]


def cluster(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Greedy single pass: each question joins the closest cluster centroid if cosine >= threshold."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1, norms)
    centroids: list[np.ndarray] = []
    members: list[list[int]] = []
    for i, v in enumerate(unit):
        if centroids:
            sims = np.array([float(c @ v) / (np.linalg.norm(c) or 1) for c in centroids])
            best = int(sims.argmax())
            if sims[best] >= threshold:
                members[best].append(i)
                centroids[best] = centroids[best] + v
                continue
        centroids.append(v.copy())
        members.append([i])
    return sorted(members, key=len, reverse=True)


def gaps(*, session: Session, embedder: Any, date_from: date, date_to: date, tz: ZoneInfo, below: float = 0.5,
         threshold: float = 0.9, limit: int = 20) -> Gaps:
    start, end = _bounds(date_from, date_to, tz)
    questions = gap_questions(session=session, start=start, end=end, below=below)
    if isinstance(embedder, str):
        return Gaps(available=False, message=embedder, questions=len(questions), clusters=[])
    if not questions:
        return Gaps(available=True, questions=0, clusters=[])
    texts = [q["text"] for q in questions]
    vectors = np.asarray(embedder.encode(texts, convert_to_numpy=True), dtype=np.float32)
    titles = guide_titles()
    clusters = []
    for group in cluster(vectors, threshold)[:limit]:
        examples = Counter(texts[i] for i in group)
        intents = Counter(questions[i]["intent"] for i in group if questions[i]["intent"])
        guides = Counter(questions[i]["guide"] for i in group if questions[i]["guide"])
        clusters.append(GapCluster(
            size=len(group), examples=[t for t, _ in examples.most_common(5)],
            intents=[i for i, _ in intents.most_common(3)],
            attempted_guides=[titles.get(g, g) for g, _ in guides.most_common(3)],
        ))
    return Gaps(available=True, questions=len(questions), clusters=clusters)
