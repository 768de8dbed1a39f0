"""Problem details (RFC 9457) responses, and Django's error views that answer with them."""

import logging
import sys
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from django.db import Error, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from api import xml
from api.accept import prefers_xml

PROBLEM_JSON = "application/problem+json"
PROBLEM_XML = "application/problem+xml; charset=utf-8"

# What the database layer raises when it cannot connect or lost its connection: the request
# is refused with 503 rather than failing with 500.
DATABASE_UNAVAILABLE: tuple[type[Error], ...] = (OperationalError, InterfaceError)
# Whole seconds a client refused with 503 is told to wait before trying again.
RETRY_AFTER_SECONDS = 5
# The request's `META` key naming the dependency that failed, for the request's log line.
UNAVAILABLE_DEPENDENCY = "UNAVAILABLE_DEPENDENCY"

logger = logging.getLogger(__name__)


def problem_response(
    request: HttpRequest,
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **members: Any,
) -> HttpResponse:
    """Build a problem details response; `members` extend the problem object.

    `application/problem+json`, or `application/problem+xml` when the request's `Accept`
    prefers XML.
    """
    problem = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **members,
    }
    if prefers_xml(request.META.get("HTTP_ACCEPT", "")):
        body, content_type = xml.problem_dumps(problem), PROBLEM_XML
    else:
        body, content_type = orjson.dumps(problem), PROBLEM_JSON
    return HttpResponse(body, status=status, content_type=content_type, headers=headers)


def service_unavailable(
    request: HttpRequest, dependency: str, error: BaseException
) -> HttpResponse:
    """503 for a request that needs `dependency`, which cannot be reached right now.

    The detail names the dependency only: its host, driver and settings stay in the service.
    The request's log line names it too (`middleware.RequestLogMiddleware`).
    """
    request.META[UNAVAILABLE_DEPENDENCY] = dependency
    # The error's first line: the driver's message, without the statement and its parameters.
    logger.warning("%s unavailable: %s", dependency, str(error).split("\n", 1)[0])
    return problem_response(
        request,
        503,
        f"The service cannot reach its {dependency}; try again later.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's `handler400`, e.g. for a Host header not in ALLOWED_HOSTS."""
    return problem_response(request, 400, "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's `handler403`."""
    return problem_response(request, 403, "You do not have permission to perform this action.")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's `handler404`, for paths no view serves."""
    return problem_response(request, 404, "The requested resource was not found.")


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's `handler500`: no traceback, SQL or setting ever leaves the service.

    The database failing outside the API's views (in a middleware) is a 503 here too.
    """
    if isinstance(error := sys.exception(), DATABASE_UNAVAILABLE):
        return service_unavailable(request, "database", error)
    return problem_response(request, 500, "The server encountered an unexpected error.")
