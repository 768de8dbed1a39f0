"""Request IDs and one JSON log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from logging.config import dictConfig
from typing import Any

from flask import Flask, Response, g, request

from .json import dump_bytes

REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# ``unavailable`` (the dependency that could not be reached) only on such a 503.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "request_id", "unavailable")

logger = logging.getLogger(__name__)


class JSONFormatter(logging.Formatter):
    """One JSON object per record, with the request fields when present."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = vars(record)
        entry.update((key, fields[key]) for key in REQUEST_FIELDS if key in fields)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return dump_bytes(entry).decode()


def configure_logging(level: str) -> None:
    """Send the service's own loggers to stdout as JSON."""
    # No log line of the service names its thread or multiprocessing process: spare every
    # record looking them up. (The process ID stays: gunicorn's own lines show it.)
    logging.logThreads = False
    logging.logMultiprocessing = False
    dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"json": {"()": JSONFormatter}},
            "handlers": {
                "stdout": {
                    "class": "logging.StreamHandler",
                    "formatter": "json",
                    "stream": "ext://sys.stdout",
                }
            },
            "loggers": {
                __package__: {"handlers": ["stdout"], "level": level, "propagate": False},
            },
        }
    )


def request_id_from(given: str) -> str:
    """The client's request ID if it is well formed, else a new one."""
    return given if VALID_REQUEST_ID.match(given) else str(uuid.uuid4())


def start_request() -> None:
    """Take the client's request ID if it is well formed, else make one."""
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER, ""))
    g.request_started = time.perf_counter()


def log_request(
    method: str,
    path: str,
    status: int,
    started: float,
    request_id: str,
    unavailable: str | None = None,
) -> None:
    """The request's log line."""
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "request_id": request_id,
    }
    if unavailable:
        fields["unavailable"] = unavailable
    logger.info("request", extra=fields)


def finish_request(response: Response) -> Response:
    """Echo the request ID and log the request."""
    response.headers[REQUEST_ID_HEADER] = g.request_id
    log_request(
        request.method,
        request.path,
        response.status_code,
        g.request_started,
        g.request_id,
        g.get("unavailable"),
    )
    return response


def init_app(app: Flask) -> None:
    """Register first, so every other hook and handler sees ``g.request_id``."""
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(start_request)
    app.after_request(finish_request)
