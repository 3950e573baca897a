"""Log lines: plain text for a terminal, or one JSON object per line for a log pipeline.

Every line may carry the request id so a platform engineer can follow one request across
the access line and the action's own lines.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from .redaction import TEXT_LIMIT, clip, redact


def _message(record: logging.LogRecord) -> str:
    """The record's message cut to TEXT_LIMIT before redaction: a message can quote input."""
    return clip(record.getMessage(), TEXT_LIMIT)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(_message(record)),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["requestId"] = request_id
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry)


class _TextFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = _message(record)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.rid = f" [{request_id}]" if request_id else ""
        return redact(super().format(record))


def configure_logging(fmt: str = "text", level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            _TextFormatter("%(asctime)s %(levelname)s %(name)s%(rid)s %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
