"""Problem details (RFC 9457) responses, and Django's error views that answer with them."""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse

from api import xml
from api.accept import prefers_xml

PROBLEM_JSON = "application/problem+json"
PROBLEM_XML = "application/problem+xml; charset=utf-8"


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
    """Django's `handler500`: no traceback, SQL or setting ever leaves the service."""
    return problem_response(request, 500, "The server encountered an unexpected error.")
