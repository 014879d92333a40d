"""The URL map: every router mounted with its prefix, tags, (for staff) its auth dependency and the problem
answers (api/errors.py) its routes can give, as listed in the OpenAPI schema."""

from fastapi import APIRouter, Depends, FastAPI

from api import ratelimit
from api.analytics import router as analytics_router
from api.bundle_requests import router as bundle_requests_router
from api.channels.web import router as web_router
from api.channels.wechat import router as wechat_router
from api.chat import router as chat_router
from api.console import router as console_router
from api.errors import problem_responses
from api.feedback import router as feedback_router
from api.handover import router as handover_router
from api.health import router as health_router
from api.holidays import router as holidays_router
from api.retention import router as retention_router
from api.review import router as review_router
from api.service_requests import router as service_requests_router
from api.service_requests.dependencies import require_service_token
from api.staff import requests_router as staff_requests_router
from api.staff import router as staff_router
from api.staff.dependencies import ANY_STAFF, require_roles
from api.staff.models import StaffRole

_any_staff = [Depends(require_roles(*ANY_STAFF))]
_agents = [Depends(require_roles(StaffRole.ADMIN, StaffRole.AGENT))]
_admins = [Depends(require_roles(StaffRole.ADMIN))]
_analysts = [Depends(require_roles(StaffRole.ADMIN, StaffRole.ANALYST))]

# Any /api/v1 route: a body that cannot be parsed or is too large, a request that fails validation.
_ANY = (400, 413, 422)
_CITIZEN = problem_responses(*_ANY, 404, 409, 429)  # rate limited; unknown session, request or state change
_STAFF = problem_responses(*_ANY, 401, 403, 404, 409)  # login, CSRF and role; unknown or changed target
_SERVICE = problem_responses(*_ANY, 401, 404, 409, 410, 429)  # service token; requests and their verifiers


def mount_routes(app: FastAPI) -> None:
    v1 = APIRouter(prefix="/api/v1")
    v1.include_router(
        chat_router.router, prefix="/chat", tags=["chat"], responses=_CITIZEN,
        dependencies=[Depends(ratelimit.limit_ip), Depends(ratelimit.limit_session)],
    )
    v1.include_router(
        web_router.events_router, prefix="/chat", tags=["chat"], responses=_CITIZEN,
        dependencies=[Depends(ratelimit.limit_ip)],
    )
    # Login codes and tokens (401), forged or stale pushes (403), no request to subscribe to (404), WeChat not
    # configured or down (503).
    v1.include_router(
        wechat_router.router, prefix="/wechat", tags=["wechat"],
        responses=problem_responses(*_ANY, 401, 403, 404, 429, 503),
    )
    # Leaving a call-back phone re-queues the conversation: limited like the chat it belongs to.
    v1.include_router(
        handover_router.public_router, prefix="/handover", tags=["handover"], responses=_CITIZEN,
        dependencies=[Depends(ratelimit.limit_ip), Depends(ratelimit.limit_session)],
    )
    # Staff: login is public; everything else needs a login cookie (and X-CSRF-Token on changes) and a role.
    v1.include_router(
        staff_router.login_router, prefix="/staff", tags=["staff"], responses=problem_responses(*_ANY, 401, 429),
        dependencies=[Depends(ratelimit.limit_login)],
    )
    for router, prefix, tag, roles in (
        (staff_router.session_router, "/staff", "staff", _any_staff),
        (staff_router.admin_router, "/staff", "staff", _admins),
        (staff_requests_router.router, "/staff", "staff", _agents),
        (review_router.router, "/review", "review", _any_staff),
        (handover_router.router, "/handover", "handover", _agents),
        (handover_router.admin_router, "/handover", "handover", _admins),
        (retention_router.router, "/retention", "retention", _admins),
        (holidays_router.router, "/holidays", "holidays", _admins),
        (holidays_router.coverage_router, "/holidays", "holidays", _agents),
        (analytics_router.router, "/analytics", "analytics", _analysts),
    ):
        v1.include_router(router, prefix=prefix, tags=[tag], dependencies=roles, responses=_STAFF)
    v1.include_router(
        feedback_router.service_router, prefix="/ratings", tags=["feedback"], responses=_SERVICE,
        dependencies=[Depends(require_service_token)],
    )
    v1.include_router(
        feedback_router.router, prefix="/ratings", tags=["feedback"], responses=_CITIZEN,
        dependencies=[Depends(ratelimit.limit_ip)],
    )
    # Called by the action server with GOVCHAT_SERVICE_TOKEN; the citizen never calls it directly.
    v1.include_router(
        service_requests_router.router, prefix="/service-requests", tags=["service requests"], responses=_SERVICE,
        dependencies=[Depends(require_service_token)],
    )
    v1.include_router(
        bundle_requests_router.router, prefix="/bundle-requests", tags=["service requests"], responses=_SERVICE,
        dependencies=[Depends(require_service_token)],
    )
    app.include_router(health_router.router, tags=["health"], responses=problem_responses(503))
    app.include_router(v1)
    app.include_router(web_router.router, tags=["web"])
    app.include_router(console_router.router, prefix="/console", tags=["console"])
