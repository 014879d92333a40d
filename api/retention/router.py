from fastapi import APIRouter

from api.db import SessionDep
from api.dependencies import SettingsDep
from api.retention import scheduler, service
from api.retention.schemas import RetentionReport
from api.staff import service as staff_service
from api.staff.dependencies import CurrentStaff

# Admins only (mounted with the role dependency); its lifespan runs the daily job.
router = APIRouter(lifespan=scheduler.lifespan)


@router.get("/report", response_model=RetentionReport, summary="数据保留：试运行报告（不删除）")
def report(session: SessionDep, settings: SettingsDep) -> RetentionReport:
    return service.run(session=session, settings=settings, dry_run=True)


@router.post("/run", response_model=RetentionReport, summary="数据保留：立即执行（记入审计）")
def run(staff: CurrentStaff, session: SessionDep, settings: SettingsDep) -> RetentionReport:
    result = service.run(session=session, settings=settings, dry_run=False)
    staff_service.record(session=session, actor=staff.user, action="retention_run", ip=staff.ip,
                         detail=result.model_dump(mode="json"))
    return result
