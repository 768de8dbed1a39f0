"""Request-level middleware: request IDs with a JSON log line, and the body size limit.

And `Liveness`, the WSGI middleware that answers liveness probes ahead of Django.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.http.request import split_domain_port, validate_host

from .problems import UNAVAILABLE_DEPENDENCY, problem_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")

Handler = Callable[[HttpRequest], HttpResponseBase]


def request_id_from(given: str) -> str:
    """The client's `X-Request-ID` when it is a safe token, else a new UUID."""
    return given if _REQUEST_ID_PATTERN.fullmatch(given) else str(uuid.uuid4())


class RequestLogMiddleware:
    """Give every request an ID, echo it in the response and log one JSON line per request.

    The client's `X-Request-ID` is kept when it is a safe token; otherwise a new UUID is used.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        # META, not `request.headers`: that would copy every header into a new mapping.
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID", ""))
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


HEALTHY = b'{"status":"ok"}'
SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"


class Liveness:
    """WSGI middleware: `GET` and `HEAD /health` answered before Django sees them.

    A liveness probe asks for a constant many times a minute, and each answer costs the
    worker what Django's request object, signals, URL resolver and middleware cost: several
    times the answer itself. This writes the answer Django would, byte for byte (the project's
    `tests/test_health.py` holds the two equal): the body, the security headers, the request
    ID and the log line. Every other request, and any it cannot answer exactly as Django would
    (a host outside `ALLOWED_HOSTS`, a request body, a cookie, which a session may answer;
    every request in development or while CORS is configured, whose headers depend on the
    origin), goes to Django.
    """

    PATHS = frozenset({"/health", "/health/"})
    METHODS = frozenset({"GET", "HEAD"})

    def __init__(self, application: "WSGIApplication") -> None:
        self.application = application
        self.enabled = not settings.DEBUG and not settings.CORS_ALLOWED_ORIGINS
        self.allowed_hosts = settings.ALLOWED_HOSTS
        self.proxy_header, self.proxy_value = settings.SECURE_PROXY_SSL_HEADER or ("", "")
        self.headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(HEALTHY))),
            ("Allow", "GET, HEAD, OPTIONS"),
            ("X-Frame-Options", settings.X_FRAME_OPTIONS.upper()),
        ]
        if settings.CSRF_USE_SESSIONS and SESSIONS in settings.MIDDLEWARE:
            # CsrfViewMiddleware reads its secret from the session, which makes Django's
            # SessionMiddleware vary every answer on the cookie.
            self.headers.append(("Vary", "Cookie"))
        if settings.SECURE_CONTENT_TYPE_NOSNIFF:
            self.headers.append(("X-Content-Type-Options", "nosniff"))
        if settings.SECURE_REFERRER_POLICY:
            self.headers.append(("Referrer-Policy", settings.SECURE_REFERRER_POLICY))
        if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
            coop = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
            self.headers.append(("Cross-Origin-Opener-Policy", coop))
        self.hsts = []
        if settings.SECURE_HSTS_SECONDS:
            hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
            if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
                hsts += "; includeSubDomains"
            if settings.SECURE_HSTS_PRELOAD:
                hsts += "; preload"
            self.hsts.append(("Strict-Transport-Security", hsts))

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        if not (
            self.enabled
            and environ.get("PATH_INFO") in self.PATHS
            and environ.get("REQUEST_METHOD") in self.METHODS
            and environ.get("CONTENT_LENGTH", "0") in {"", "0"}
            and "HTTP_COOKIE" not in environ
            and not environ.get("SCRIPT_NAME")
            and self.allowed(environ)
        ):
            return self.application(environ, start_response)
        started = time.perf_counter()
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        secure = self.hsts if self.secure(environ) else []
        start_response("200 OK", [*self.headers, *secure, (REQUEST_ID_HEADER, request_id)])
        fields = {
            "method": environ["REQUEST_METHOD"],
            "path": environ["PATH_INFO"],
            "status": 200,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "request_id": request_id,
        }
        logger.info("request", extra=fields)
        return [HEALTHY]

    def allowed(self, environ: "WSGIEnvironment") -> bool:
        """Whether Django would accept the request's host (`HttpRequest.get_host`)."""
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        domain, _ = split_domain_port(host)
        return bool(domain) and validate_host(domain, self.allowed_hosts)

    def secure(self, environ: "WSGIEnvironment") -> bool:
        """`HttpRequest.is_secure`, behind the TLS proxy of `SECURE_PROXY_SSL_HEADER`."""
        forwarded = environ.get(self.proxy_header) if self.proxy_header else None
        if forwarded is None:
            return bool(environ.get("wsgi.url_scheme") == "https")
        return bool(forwarded.split(",", 1)[0].strip() == self.proxy_value)
