"""Every table of the gateway, imported in one place so Alembic and tests see the whole schema."""

from api.conversations.models import Conversation, Message
from api.db import Base

__all__ = ["Base", "Conversation", "Message"]
