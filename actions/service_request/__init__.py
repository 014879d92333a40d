"""The service-request conversation: the form that collects an application, its submission through the
gateway's request API, tracking and cancelling. Nothing here does work at import time."""
