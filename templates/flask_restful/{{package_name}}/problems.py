"""Every error as problem details (RFC 9457): JSON, or XML when the client prefers it."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import (
    BadRequest,
    Conflict,
    HTTPException,
    SecurityError,
    TooManyRequests,
    default_exceptions,
)

from . import xml
from .accept import prefers_xml
from .json import dump_bytes
from .store import database

PROBLEM_JSON = "application/problem+json"
PROBLEM_XML = "application/problem+xml"
# Whole seconds a client refused with 503 is told to wait before trying again.
RETRY_AFTER_SECONDS = 5

# Werkzeug's default descriptions are written for HTML pages; these read well in an API.
DEFAULT_DETAILS = {
    400: "The request could not be understood.",
    401: "Authentication credentials were not provided.",
    403: "You do not have permission to perform this action.",
    404: "The requested resource was not found.",
    406: "Could not satisfy the request Accept header.",
    500: "The server encountered an unexpected error.",
}


class ValidationError(BadRequest):
    """Invalid input: ``errors`` names every bad field with its messages."""

    description = "The request data is invalid."

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__()
        self.errors = errors


class Referred(Conflict):
    """A delete refused while other objects refer to the object (409)."""

    def __init__(self, collections: list[str]) -> None:
        named = f" ({', '.join(collections)})" if collections else ""
        super().__init__(f"Other objects refer to it{named}: delete or change them first.")


def problem(
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **members: Any,
) -> Response:
    """A problem details response; ``members`` extend the standard ones.

    ``application/problem+json``, or ``application/problem+xml`` when the request's ``Accept``
    prefers XML.
    """
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **members,
    }
    if prefers_xml(request.headers.get("Accept", "")):
        content, mimetype = xml.problem_dumps(body), PROBLEM_XML
    else:
        content, mimetype = dump_bytes(body), PROBLEM_JSON
    return Response(content, status=status, headers=headers, mimetype=mimetype)


def _detail(error: HTTPException) -> str:
    code = error.code or 500
    stock = default_exceptions.get(code)
    own = stock is None or error.description != stock.description
    if error.description and own and not isinstance(error, SecurityError):
        return error.description
    if code == 405:
        return f'Method "{request.method}" not allowed.'
    if code == 413:
        return f"The request body exceeds {current_app.config['MAX_CONTENT_LENGTH']} bytes."
    if code == 415:
        return f'Unsupported media type "{request.content_type or ""}" in request.'
    return DEFAULT_DETAILS.get(code, f"{HTTPStatus(code).phrase}.")


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug's and the API's own HTTP errors."""
    code = error.code or 500
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    if isinstance(error, TooManyRequests) and "Retry-After" in headers:
        wait = headers["Retry-After"]  # whole seconds (``throttling``)
        return problem(
            code, f"Request was throttled. Expected available in {wait} seconds.", headers=headers
        )
    if isinstance(error, ValidationError):
        return problem(code, _detail(error), headers=headers, errors=error.errors)
    return problem(code, _detail(error), headers=headers)


def service_unavailable(dependency: str, error: Exception) -> Response:
    """503 for a request that needs ``dependency``, which cannot be reached right now.

    The detail names the dependency only: its host, driver and settings stay in the service.
    The request's log line names it too (``observability``).
    """
    g.unavailable = dependency
    # The error's first line: the driver's message, without the statement and its parameters.
    current_app.logger.warning("%s unavailable: %s", dependency, str(error).split("\n", 1)[0])
    return problem(
        503,
        f"The service cannot reach its {dependency}; try again later.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def handle_database_unavailable(error: Exception) -> Response:
    """The database refused or lost the connection: 503, never 500."""
    return service_unavailable("database", error)


def handle_unexpected_error(error: Exception) -> Response:
    """Anything else: logged with its traceback, answered without it."""
    current_app.logger.exception("unhandled error", exc_info=error)
    return problem(500, DEFAULT_DETAILS[500])


def init_app(app: Flask) -> None:
    """Route every error of the application through the handlers above."""
    app.register_error_handler(HTTPException, handle_http_exception)
    for error in database.UNAVAILABLE:
        app.register_error_handler(error, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected_error)
