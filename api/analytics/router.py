from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import Response

from api.analytics import service
from api.analytics.cache import make_gap_cache
from api.analytics.dependencies import GapCacheDep, GapEmbedderDep
from api.analytics.schemas import Gaps, Overview
from api.db import SessionDep, utcnow
from api.dependencies import SettingsDep
from api.errors import AppError, NotFound
from api.review.exports import to_csv
from govchat import localtime


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.gap_cache = make_gap_cache(app.state.settings)
    yield


router = APIRouter(lifespan=lifespan)

DateQuery = Annotated[date | None, Query(description="YYYY-MM-DD")]


def _period(date_from: date | None, date_to: date | None, tz: ZoneInfo) -> tuple[date, date]:
    today = utcnow().astimezone(tz).date()
    date_to = date_to or today
    date_from = date_from or date_to - timedelta(days=29)
    if date_from > date_to:
        raise AppError("开始日期不能晚于结束日期。", code="invalid_period", status=422)
    if (date_to - date_from).days > 366:
        raise AppError("统计区间最长一年。", code="invalid_period", status=422)
    return date_from, date_to


@router.get("/overview", response_model=Overview, summary="图表数据")
def overview(session: SessionDep, settings: SettingsDep, date_from: DateQuery = None,
             date_to: DateQuery = None) -> Overview:
    tz = localtime.office_zone(settings)
    start, end = _period(date_from, date_to, tz)
    return service.overview(session=session, date_from=start, date_to=end, tz=tz)


@router.get("/gaps", response_model=Gaps, summary="知识盲区：未答好的问题按语义聚类")
def gaps(session: SessionDep, settings: SettingsDep, embedder: GapEmbedderDep, cache: GapCacheDep,
         date_from: DateQuery = None, date_to: DateQuery = None, below: Annotated[float, Query(ge=0, le=1)] = 0.5,
         threshold: Annotated[float, Query(ge=0.3, le=0.99, description="余弦相似度阈值")] = 0.9) -> Gaps:
    tz = localtime.office_zone(settings)
    start, end = _period(date_from, date_to, tz)
    return service.gaps(session=session, embedder=embedder, date_from=start, date_to=end, tz=tz, below=below,
                        threshold=threshold, max_questions=settings.analytics_gap_max_questions,
                        model=settings.embedder, cache=cache)


def _csv(content: bytes, chart: str) -> Response:
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{chart}.csv"'})


# Before /export/{chart}.csv, and the only export that asks for the embedder: the others must not load it.
@router.get("/export/gaps.csv", summary="导出知识盲区（CSV）")
def export_gaps(session: SessionDep, settings: SettingsDep, embedder: GapEmbedderDep, cache: GapCacheDep,
                date_from: DateQuery = None, date_to: DateQuery = None) -> Response:
    tz = localtime.office_zone(settings)
    start, end = _period(date_from, date_to, tz)
    result = service.gaps(session=session, embedder=embedder, date_from=start, date_to=end, tz=tz,
                          max_questions=settings.analytics_gap_max_questions, model=settings.embedder, cache=cache)
    rows = [[i + 1, c.size, " | ".join(c.examples), " ".join(c.intents), " ".join(c.attempted_guides)]
            for i, c in enumerate(result.clusters)]
    if result.capped:  # the file must not pass for the whole period
        rows.append(["注", "", f"只聚类了区间内最近的 {result.analysed} 个未答好的问题（共 {result.questions} 个，"
                                f"上限 GOVCHAT_ANALYTICS_GAP_MAX_QUESTIONS={result.max_questions}）", "", ""])
    return _csv(to_csv(["簇", "问题数", "示例问题", "意图", "曾匹配的指南"], rows), "gaps")


@router.get("/export/{chart}.csv", summary="导出图表数据（CSV）")
def export_chart(chart: str, session: SessionDep, settings: SettingsDep, date_from: DateQuery = None,
                 date_to: DateQuery = None) -> Response:
    tz = localtime.office_zone(settings)
    start, end = _period(date_from, date_to, tz)
    found = next((s for s in service.overview(session=session, date_from=start, date_to=end, tz=tz).charts
                  if s.key == chart), None)
    if found is None:
        raise NotFound("没有这个图表。")
    names = list(found.series)
    rows = [[label, *(found.series[n][i] for n in names)] for i, label in enumerate(found.labels)]
    return _csv(to_csv(["项目", *names], rows), chart)
