"""Every table of the gateway, imported in one place so Alembic and tests see the whole schema."""

from api.bundle_requests.models import BundleRequest
from api.conversations.models import Conversation, Message
from api.db import Base
from api.feedback.models import Rating
from api.handover.models import CannedReply, ConversationNote
from api.holidays.models import CalendarDay, CoveredYear
from api.notifications.models import SubscribeGrant, SubscribeMessage
from api.review.models import Annotation
from api.service_requests.models import AppointmentSlot, ServiceRequest, StatusChange
from api.staff.models import AuditEvent, StaffSession, StaffUser

__all__ = [
    "Annotation", "AppointmentSlot", "AuditEvent", "Base", "BundleRequest", "CalendarDay", "CannedReply",
    "Conversation", "ConversationNote", "CoveredYear", "Message", "Rating", "ServiceRequest", "StaffSession",
    "StaffUser", "StatusChange", "SubscribeGrant", "SubscribeMessage",
]
