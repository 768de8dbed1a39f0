"""Request-level middleware: request IDs with a JSON log line, and the body size limit."""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from .problems import UNAVAILABLE_DEPENDENCY, problem_response

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")

Handler = Callable[[HttpRequest], HttpResponseBase]


class RequestLogMiddleware:
    """Give every request an ID, echo it in the response and log one JSON line per request.

    The client's `X-Request-ID` is kept when it is a safe token; otherwise a new UUID is used.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        request_id = request.headers.get(REQUEST_ID_HEADER, "")
        if not _REQUEST_ID_PATTERN.fullmatch(request_id):
            request_id = str(uuid.uuid4())
        request.META["REQUEST_ID"] = request_id

        response = self.get_response(request)

        response[REQUEST_ID_HEADER] = request_id
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "request_id": request_id,
        }
        if unavailable := request.META.get(UNAVAILABLE_DEPENDENCY):
            fields["unavailable"] = unavailable  # the dependency that made it a 503
        logger.info("request", extra=fields)
        return response


class BodySizeLimitMiddleware:
    """Refuse request bodies above DATA_UPLOAD_MAX_MEMORY_SIZE with 413, before reading them.

    DRF parsers read the raw stream, so Django's own limit does not apply to JSON bodies.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return problem_response(request, 400, "The Content-Length header is not a number.")
        if length > self.limit:
            return problem_response(request, 413, f"The request body exceeds {self.limit} bytes.")
        return self.get_response(request)
