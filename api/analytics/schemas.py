from datetime import date, datetime

from pydantic import BaseModel


class Series(BaseModel):
    """One chart: labels on the x axis and one or more named series; every chart exports as CSV. None is "no
    value" (an average of nothing): a gap in the chart, an empty cell in the CSV."""

    key: str
    title: str
    labels: list[str]
    series: dict[str, list[float | None]]


class Overview(BaseModel):
    date_from: date
    date_to: date
    totals: dict[str, float]
    charts: list[Series]


class GapCluster(BaseModel):
    size: int
    examples: list[str]
    # For each example, the conversation of its latest question, so staff can open it in 会话审阅.
    example_conversations: list[int] = []
    intents: list[str]
    attempted_guides: list[str]


class Gaps(BaseModel):
    """`questions` counts every weak question in the period; only the most recent `max_questions` of them are
    clustered (`analysed`), and `capped` says the clusters cover part of the period. A result may come from the
    cache (`cached`), computed at `computed_at`."""

    available: bool
    message: str | None = None
    questions: int
    analysed: int
    capped: bool
    max_questions: int
    distinct_texts: int = 0  # distinct masked texts embedded (identical questions are embedded once)
    computed_at: datetime
    cached: bool = False
    clusters: list[GapCluster]
