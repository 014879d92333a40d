import logging
from pathlib import Path

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.chat.rasa import RasaUnavailable
from api.dependencies import RasaDep, SessionmakerDep, SettingsDep
from api.errors import problem

logger = logging.getLogger(__name__)
router = APIRouter()


@router.get("/healthz", summary="进程存活")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _check_index(index_dir: Path, embedder: str) -> None:
    """The index exists and was built with the configured embedder (the action server refuses any other)."""
    from knowledge.embedders import canonical_name  # the knowledge package loads nothing heavy on import
    from knowledge.index import ForeignIndexError, IndexMeta

    meta = IndexMeta.read(index_dir.resolve())
    if meta.embedder != canonical_name(embedder):
        raise ForeignIndexError(f"index built with {meta.embedder}, but {embedder} is configured")


@router.get("/readyz", summary="依赖服务就绪", response_model=None)
def readyz(settings: SettingsDep, rasa: RasaDep, sessions: SessionmakerDep) -> JSONResponse | dict[str, object]:
    checks: dict[str, str] = {}
    try:
        rasa.status()
        checks["rasa"] = "ok"
    except RasaUnavailable as exc:
        checks["rasa"] = f"unavailable: {exc}"
    try:
        httpx.get(f"{settings.action_server_url}/health", timeout=3.0).raise_for_status()
        checks["action_server"] = "ok"
    except httpx.HTTPError as exc:
        checks["action_server"] = f"unavailable: {exc}"
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready"
        checks["database"] = f"unavailable: {exc}"
    try:
        _check_index(settings.index_dir, settings.embedder)
        checks["index"] = "ok"
    # knowledge.index errors are RuntimeErrors; a half-written or foreign meta.json is a ValueError or TypeError.
    except (OSError, RuntimeError, ValueError, TypeError) as exc:
        checks["index"] = f"unavailable: {exc}"
    failing = [name for name, state in checks.items() if state != "ok"]
    if failing:
        names = {"rasa": "对话引擎", "action_server": "动作服务", "database": "数据库", "index": "知识库索引"}
        detail = "以下组件未就绪：" + "、".join(names[n] for n in failing)
        return problem(503, "not_ready", "服务未就绪", detail, checks=checks, failing=failing)
    return {"status": "ready", "checks": checks}
