from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.db import SessionDep
from api.review import exports, service
from api.review.dependencies import FiltersDep
from api.review.schemas import (
    AnnotationRead,
    AnnotationWrite,
    ConversationPage,
    GuideOption,
    Revealed,
    RevealRequest,
    Transcript,
)
from api.staff import service as staff_service
from api.staff.dependencies import AdminOnly, AgentOrAdmin, CurrentStaff

router = APIRouter()

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes | str, filename: str, media_type: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/conversations", response_model=ConversationPage, summary="会话列表（筛选与全文检索）")
def list_conversations(staff: CurrentStaff, session: SessionDep, filters: FiltersDep,
                       limit: int = Query(default=20, ge=1, le=200),
                       offset: int = Query(default=0, ge=0)) -> ConversationPage:
    items, total = service.list_conversations(session=session, filters=filters,
                                              may_search_numbers=staff.is_admin, limit=limit, offset=offset)
    return ConversationPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/conversations/{conversation_id}", response_model=Transcript, summary="会话记录（逐轮要素，已脱敏）")
def get_transcript(_: CurrentStaff, session: SessionDep, conversation_id: int) -> Transcript:
    return service.transcript(session=session, conversation_id=conversation_id)


@router.post("/messages/{message_id}/reveal", response_model=Revealed, summary="查看原文（仅管理员，记入审计）")
def reveal(message_id: int, body: RevealRequest, staff: AdminOnly, session: SessionDep) -> Revealed:
    message = service.reveal(session=session, message_id=message_id)
    staff_service.record(session=session, actor=staff.user, action="reveal", target_type="message",
                         target_id=message.id, reason=body.reason,
                         detail={"conversation_id": message.conversation_id}, ip=staff.ip)
    return Revealed(message_id=message.id, text=message.text, entities=message.entities)


@router.put("/messages/{message_id}/annotation", response_model=AnnotationRead, summary="标注一条回答")
def annotate(message_id: int, body: AnnotationWrite, staff: AgentOrAdmin, session: SessionDep) -> AnnotationRead:
    annotation = service.annotate(session=session, message_id=message_id, data=body, staff_id=staff.user.id)
    staff_service.record(session=session, actor=staff.user, action="annotate", target_type="message",
                         target_id=message_id, detail=body.model_dump(mode="json"), ip=staff.ip)
    return AnnotationRead.model_validate(annotation)


@router.get("/guides", response_model=list[GuideOption], summary="可选的办事指南")
def guides(_: CurrentStaff) -> list[GuideOption]:
    return [GuideOption(id=k, title=v) for k, v in sorted(service.guide_titles().items())]


@router.get("/export/conversations.csv", summary="导出会话（CSV，已脱敏）")
def export_csv(staff: CurrentStaff, session: SessionDep, filters: FiltersDep) -> Response:
    rows = list(service.export_rows(session=session, filters=filters, may_search_numbers=staff.is_admin))
    _audit_export(staff, session, "csv", len(rows), filters.model_dump(mode="json", exclude_none=True))
    return _download(exports.to_csv(service.EXPORT_HEADER, rows), "conversations.csv", "text/csv; charset=utf-8")


@router.get("/export/conversations.xlsx", summary="导出会话（XLSX，已脱敏）")
def export_xlsx(staff: CurrentStaff, session: SessionDep, filters: FiltersDep) -> Response:
    rows = list(service.export_rows(session=session, filters=filters, may_search_numbers=staff.is_admin))
    _audit_export(staff, session, "xlsx", len(rows), filters.model_dump(mode="json", exclude_none=True))
    return _download(exports.to_xlsx(service.EXPORT_HEADER, rows), "conversations.xlsx", _XLSX)


@router.get("/export/rasa-nlu.yml", summary="导出标注为 Rasa NLU 训练样例")
def export_rasa(staff: CurrentStaff, session: SessionDep) -> Response:
    text, count = exports.rasa_nlu(session=session)
    _audit_export(staff, session, "rasa_nlu", count, {})
    return _download(text, "nlu_from_review.yml", "application/x-yaml; charset=utf-8")


@router.get("/export/knowledge-eval.yml", summary="导出标注为知识库评测样例")
def export_eval(staff: CurrentStaff, session: SessionDep) -> Response:
    text, count = exports.knowledge_eval(session=session)
    _audit_export(staff, session, "knowledge_eval", count, {})
    return _download(text, "devset_from_review.yaml", "application/x-yaml; charset=utf-8")


def _audit_export(staff: CurrentStaff, session: SessionDep, kind: str, rows: int, filters: dict[str, object]) -> None:
    # Exports are masked, but data leaving the system is still worth a line in the audit log.
    staff_service.record(session=session, actor=staff.user, action="export", target_type="conversations",
                         detail={"format": kind, "rows": rows, "filters": filters}, ip=staff.ip)
