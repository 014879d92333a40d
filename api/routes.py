"""The URL map: every router mounted with its prefix, tags and (for staff) its auth dependency."""

from fastapi import APIRouter, Depends, FastAPI

from api import ratelimit
from api.analytics import router as analytics_router
from api.channels.web import router as web_router
from api.channels.wechat import router as wechat_router
from api.chat import router as chat_router
from api.console import router as console_router
from api.feedback import router as feedback_router
from api.handover import router as handover_router
from api.health import router as health_router
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


def mount_routes(app: FastAPI) -> None:
    v1 = APIRouter(prefix="/api/v1")
    v1.include_router(
        chat_router.router, prefix="/chat", tags=["chat"],
        dependencies=[Depends(ratelimit.limit_ip), Depends(ratelimit.limit_session)],
    )
    v1.include_router(
        web_router.events_router, prefix="/chat", tags=["chat"], dependencies=[Depends(ratelimit.limit_ip)]
    )
    v1.include_router(wechat_router.router, prefix="/wechat", tags=["wechat"])
    # Leaving a call-back phone re-queues the conversation: limited like the chat it belongs to.
    v1.include_router(
        handover_router.public_router, prefix="/handover", tags=["handover"],
        dependencies=[Depends(ratelimit.limit_ip), Depends(ratelimit.limit_session)],
    )
    # Staff: login is public; everything else needs a login cookie (and X-CSRF-Token on changes) and a role.
    v1.include_router(
        staff_router.login_router, prefix="/staff", tags=["staff"], dependencies=[Depends(ratelimit.limit_login)]
    )
    v1.include_router(staff_router.session_router, prefix="/staff", tags=["staff"], dependencies=_any_staff)
    v1.include_router(staff_router.admin_router, prefix="/staff", tags=["staff"], dependencies=_admins)
    v1.include_router(staff_requests_router.router, prefix="/staff", tags=["staff"], dependencies=_agents)
    v1.include_router(review_router.router, prefix="/review", tags=["review"], dependencies=_any_staff)
    v1.include_router(handover_router.router, prefix="/handover", tags=["handover"], dependencies=_agents)
    v1.include_router(retention_router.router, prefix="/retention", tags=["retention"], dependencies=_admins)
    v1.include_router(analytics_router.router, prefix="/analytics", tags=["analytics"], dependencies=_analysts)
    v1.include_router(
        feedback_router.service_router, prefix="/ratings", tags=["feedback"],
        dependencies=[Depends(require_service_token)],
    )
    v1.include_router(
        feedback_router.router, prefix="/ratings", tags=["feedback"], dependencies=[Depends(ratelimit.limit_ip)]
    )
    # Called by the action server with GOVCHAT_SERVICE_TOKEN; the citizen never calls it directly.
    v1.include_router(
        service_requests_router.router, prefix="/service-requests", tags=["service requests"],
        dependencies=[Depends(require_service_token)],
    )
    app.include_router(health_router.router, tags=["health"])
    app.include_router(v1)
    app.include_router(web_router.router, tags=["web"])
    app.include_router(console_router.router, prefix="/console", tags=["console"])
