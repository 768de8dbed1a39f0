"""Transport security: proxy headers, the HTTPS redirect and security headers."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

# Probes run inside the network, over plain HTTP.
PROBE_PATHS = frozenset({"/health", "/health/", "/ready", "/ready/"})
HSTS = "max-age=31536000; includeSubDomains"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def redirect_to_https() -> Response | None:
    """In production, send plain-HTTP clients to the same URL over HTTPS."""
    if request.is_secure or request.path in PROBE_PATHS:
        return None
    return Response(status=301, headers={"Location": request.url.replace("http://", "https://", 1)})


def headers(*, secure: bool) -> list[tuple[str, str]]:
    """The security headers of an answer; HSTS only where the client used HTTPS."""
    return [*SECURITY_HEADERS.items(), *([("Strict-Transport-Security", HSTS)] if secure else [])]


def set_security_headers(response: Response) -> Response:
    """Headers every answer carries; HSTS only where the client used HTTPS.

    Added, neither assigned nor ``setdefault``: no view sets them, so there is no earlier value
    to look for (``Headers.setdefault`` even raises and catches an exception per header).
    """
    response.headers.extend(headers(secure=request.is_secure))
    return response


def init_app(app: Flask) -> None:
    """Trust one proxy hop for the client address and ``X-Forwarded-Proto``."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    if app.config["ENVIRONMENT"] != "development":
        app.before_request(redirect_to_https)
    app.after_request(set_security_headers)
