from datetime import date

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
    intents: list[str]
    attempted_guides: list[str]


class Gaps(BaseModel):
    available: bool
    message: str | None = None
    questions: int
    clusters: list[GapCluster]
