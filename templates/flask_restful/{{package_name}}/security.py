"""Transport security: proxy headers, the HTTPS redirect and security headers."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

# Probes run inside the network, over plain HTTP.
PROBE_PATHS = frozenset({"/health", "/health/", "/ready", "/ready/"})
HSTS = "max-age=31536000; includeSubDomains"


def redirect_to_https() -> Response | None:
    """In production, send plain-HTTP clients to the same URL over HTTPS."""
    if request.is_secure or request.path in PROBE_PATHS:
        return None
    return Response(status=301, headers={"Location": request.url.replace("http://", "https://", 1)})


def set_security_headers(response: Response) -> Response:
    """Headers every answer carries; HSTS only where the client used HTTPS."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Trust one proxy hop for the client address and ``X-Forwarded-Proto``."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    if app.config["ENVIRONMENT"] != "development":
        app.before_request(redirect_to_https)
    app.after_request(set_security_headers)
