"""The FastAPI gateway: web chat, WeChat, staff console, service requests and analytics."""
