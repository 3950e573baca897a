"""Log lines: plain text for a terminal, or one JSON object per line for a log pipeline.

Every line may carry the request id so a platform engineer can follow one request across
the access line and the action's own lines. In JSON, a record's ``fields`` (``extra={"fields":
{...}}``) become keys of its object (an action's id, error name, task and step), each text
cut and redacted like the message; and the process's other writers to stderr (warnings, an
uncaught exception) go through the same formatter, so every line is one JSON object.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

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
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            for key, value in fields.items():
                entry.setdefault(str(key), _field(value))
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry)


def _field(value: Any) -> Any:
    """A field's value as JSON carries it: text cut to TEXT_LIMIT and redacted, numbers,
    booleans and null as they are."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(clip(str(value), TEXT_LIMIT))


_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(rid)s %(message)s"


class _TextFormatter(logging.Formatter):
    _second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """The base class's time, its date and clock part formatted once per second (a
        request writes two lines; ``strftime`` is most of a line's time stamp)."""
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second, text = self._second
        if int(record.created) != second:
            second = int(record.created)
            text = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = (second, text)
        msec_format = self.default_msec_format
        return msec_format % (text, record.msecs) if msec_format else text

    def formatMessage(self, record: logging.LogRecord) -> str:
        # ``format`` has just set ``record.message`` to ``getMessage()``: cut it, not again.
        record.message = clip(record.message, TEXT_LIMIT)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.rid = rid = f" [{request_id}]" if request_id else ""
        if (
            self._fmt is not _TEXT_FORMAT
            or self.datefmt is not None
            or record.exc_info
            or record.exc_text
            or record.stack_info
        ):
            return redact(super().format(record))
        # Our own format with nothing after the message: the line the base class builds
        # (the same fields on the record), without its style lookups.
        record.message = message = clip(record.getMessage(), TEXT_LIMIT)
        record.asctime = self.formatTime(record)
        return redact(f"{record.asctime} {record.levelname} {record.name}{rid} {message}")


def _url_queries_dropped(record: logging.LogRecord) -> bool:
    """httpx logs every request's full URL at INFO; its query may hold an integration key (the
    PagerDuty card looks a service up by ``query=<key>``) that is not shaped like one we
    redact. Its lines keep the URL without the query; our own access lines never carry one."""
    if record.name.startswith("httpx") and isinstance(record.args, tuple):
        record.args = tuple(_without_query(arg) for arg in record.args)
    return True


def _without_query(value: Any) -> Any:
    copy_with = getattr(value, "copy_with", None)
    if getattr(value, "query", None) and callable(copy_with):  # an httpx.URL
        return copy_with(query=None)
    return value


def configure_logging(fmt: str = "text", level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(_TextFormatter(_TEXT_FORMAT))
    # No format of ours shows where a call was made, its thread or its process: the logging
    # HOWTO's "Optimization" switches, so a record (one or two per request) skips looking
    # through the stack for its caller and asking for thread, process and multiprocessing names.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    handler.addFilter(_url_queries_dropped)
    if fmt == "json":
        _route_stderr_writers_to_logging()


def _route_stderr_writers_to_logging() -> None:
    """Warnings and uncaught exceptions (main thread or another) as log records, so in JSON
    mode no multi-line traceback or bare warning text breaks a log pipeline's parser."""
    logging.captureWarnings(True)
    crash = logging.getLogger("pagerduty_actions.crash")

    def on_uncaught(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        crash.critical("uncaught %s", kind.__name__, exc_info=(kind, value, tb))

    def on_thread_uncaught(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or isinstance(args.exc_value, SystemExit):
            return
        name = args.thread.name if args.thread else "?"
        crash.critical(
            "uncaught %s in thread %s",
            args.exc_type.__name__,
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )

    sys.excepthook = on_uncaught
    threading.excepthook = on_thread_uncaught
