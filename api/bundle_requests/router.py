"""The bundle-request API the action server calls (service credential required, as for single requests).

Looking a bundle up by its tracking number goes through the one lookup of ``/service-requests/lookup``, which knows
both kinds of number, so the chat's "办到哪了" and the guessing limit stay one.
"""

from fastapi import APIRouter, Response, status

from api.bundle_requests import service
from api.bundle_requests.schemas import BundleRequestCreate, BundleRequestRead
from api.db import SessionDep
from api.dependencies import SettingsDep
from api.service_requests.dependencies import IdempotencyKey

router = APIRouter()


@router.post(
    "",
    response_model=BundleRequestRead,
    status_code=status.HTTP_201_CREATED,
    summary="一次申请“一件事”的多个事项（一个受理编号；同一 Idempotency-Key 只生成一件）",
    responses={200: {"description": "同一 Idempotency-Key 的重复提交：返回已有的申请"}},
)
def create_bundle(
    body: BundleRequestCreate, key: IdempotencyKey, session: SessionDep, settings: SettingsDep, response: Response
) -> BundleRequestRead:
    bundle, created = service.create(
        session=session, data=body, idempotency_key=key, guides_dir=settings.guides_dir,
        events_dir=settings.life_events_dir,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    # SessionDep commits before this response is sent: the tracking number is only ever shown once durable.
    return BundleRequestRead.from_model(bundle)
