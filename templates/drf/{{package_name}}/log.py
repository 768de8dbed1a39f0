"""JSON log lines: one object per record, with the request fields when present."""

import logging
from datetime import UTC, datetime
from typing import Any

import orjson

# No log line of the service names its thread or multiprocessing process: spare every record
# looking them up. (The process ID stays: gunicorn's own lines show it.)
logging.logThreads = False
logging.logMultiprocessing = False

# What RequestLogMiddleware passes through `extra=`, in the order the line shows them
# (`unavailable`, the dependency that could not be reached, only on such a 503).
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "request_id", "unavailable")


class JSONFormatter(logging.Formatter):
    """Format a log record as a single line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = vars(record)
        entry.update((key, fields[key]) for key in REQUEST_FIELDS if key in fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()
