"""Problem details (RFC 9457) responses, and Django's error views that answer with them."""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **members: Any,
) -> HttpResponse:
    """Build an `application/problem+json` response; `members` extend the problem object."""
    problem = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **members,
    }
    return HttpResponse(
        orjson.dumps(problem),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's `handler400`, e.g. for a Host header not in ALLOWED_HOSTS."""
    return problem_response(400, "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's `handler403`."""
    return problem_response(403, "You do not have permission to perform this action.")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's `handler404`, for paths no view serves."""
    return problem_response(404, "The requested resource was not found.")


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's `handler500`: no traceback, SQL or setting ever leaves the service."""
    return problem_response(500, "The server encountered an unexpected error.")
