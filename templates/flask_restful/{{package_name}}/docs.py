"""The OpenAPI document and Swagger UI, with the UI's assets served locally."""

from __future__ import annotations

from importlib.resources import files
from string import Template
from typing import Any

import yaml
from flask import Blueprint, Response, request, send_from_directory, url_for

from .api.openapi import build_document
from .extensions import cache
from .json import dump_bytes

bp = Blueprint("docs", __name__, url_prefix="/api")

# flask-swagger-ui ships the Swagger UI distribution; only its files are used here.
SWAGGER_UI_DIST = str(files("flask_swagger_ui") / "dist")
SWAGGER_UI_PAGE = Template((files(__package__) / "swagger_ui.html").read_text(encoding="utf-8"))
YAML = "application/vnd.oai.openapi"
JSON = "application/json"


@cache.memoize()
def openapi_document() -> dict[str, Any]:
    """The document, built once per cache lifetime."""
    return build_document()


@bp.get("/schema/")
def schema() -> Response:
    """YAML by default; JSON for ``Accept: application/json`` or ``?format=json``."""
    document = openapi_document()
    wanted = request.accept_mimetypes.best_match([YAML, "application/yaml", JSON], default=YAML)
    if request.args.get("format") == "json" or wanted == JSON:
        return Response(dump_bytes(document), mimetype=JSON)
    return Response(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), mimetype=YAML)


@bp.get("/docs/")
def swagger_ui() -> Response:
    """Swagger UI, pointed at the JSON document."""
    page = SWAGGER_UI_PAGE.substitute(
        assets=url_for("docs.swagger_ui"), schema_url=url_for("docs.schema", format="json")
    )
    return Response(page, mimetype="text/html")


@bp.get("/docs/<path:filename>")
def swagger_ui_asset(filename: str) -> Response:
    """Swagger UI's scripts and stylesheets."""
    return send_from_directory(SWAGGER_UI_DIST, filename)
