"""Logging configured once, in each process's entry point.

Every record carries the request id of the HTTP request it belongs to, and personal data (ID numbers, mobile
numbers) is masked in the final message, whatever the caller passed in; line breaks in it are escaped.
"""

import contextvars
import json
import logging
import sys

from govchat.masking import mask_text
from govchat.text import one_line

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        # Mask after %-formatting so that arguments are masked too; one line, so no value (a username with a
        # newline) can forge another entry.
        record.msg = one_line(mask_text(record.getMessage()))
        record.args = None
        return True


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", *, json_format: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter())
    if json_format:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # One line per outbound request (readiness polls, WeChat calls) drowns what matters; failures still log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
