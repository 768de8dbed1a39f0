"""Call a WSGI application in-process; under callgrind, count only the measured calls.

    valgrind --tool=callgrind --instr-atstart=no python wsgi_calls.py APP METHOD PATH HEADERS N

``serving.py --instructions`` runs this with each server's own interpreter, working directory
and environment. ``APP`` is the server's gunicorn application (``package:create_app()``,
``package.wsgi:application``), ``HEADERS`` a JSON object. The request is made 30 times to warm
up, then ``N`` times with callgrind's instrumentation on: the count excludes start-up and
imports. Machine noise does not move an instruction count; it is the steadier witness of
what a request costs, though not of time (cache misses, system calls and waiting count for
nothing in it).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from gunicorn.util import import_app  # type: ignore[import-untyped]

WARM_UP = 30


def environ(method: str, path: str, headers: dict[str, str]) -> dict[str, Any]:
    """A request as gunicorn passes it to the application, from 127.0.0.1."""
    path_info, _, query = path.partition("?")
    base: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        base[key if key in {"CONTENT_TYPE", "CONTENT_LENGTH"} else f"HTTP_{key}"] = value
    return base


def main() -> None:
    app_spec, method, path, headers, count = sys.argv[1:6]
    sys.path.insert(0, str(Path.cwd()))  # as gunicorn does: the application is the directory's
    application = import_app(app_spec)
    template = environ(method, path, json.loads(headers))
    statuses: list[str] = []

    def start_response(status: str, response_headers: Any, exc_info: Any = None) -> None:
        statuses.append(status)

    def call() -> None:
        request = {**template, "wsgi.input": io.BytesIO(b"")}
        body = application(request, start_response)
        try:
            b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()

    call()
    if not statuses[-1].startswith("200"):
        raise SystemExit(f"{method} {path}: {statuses[-1]}")
    for _ in range(WARM_UP):
        call()
    toggle = ["callgrind_control", "-i"]
    subprocess.run([*toggle, "on", str(os.getpid())], check=True, capture_output=True)
    for _ in range(int(count)):
        call()
    subprocess.run([*toggle, "off", str(os.getpid())], check=True, capture_output=True)


if __name__ == "__main__":
    main()
