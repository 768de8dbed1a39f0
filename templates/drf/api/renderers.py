"""Renderers: JSON backed by orjson, and XML of the same data."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import BaseRenderer

from . import xml


def _default(value: object) -> str:
    if isinstance(value, Promise | Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class ORJSONRenderer(BaseRenderer):
    """Render `application/json` with orjson; indented when the client asks for `indent`."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        indent = (renderer_context or {}).get("indent") or "indent=" in (accepted_media_type or "")
        return orjson.dumps(data, default=_default, option=orjson.OPT_INDENT_2 if indent else 0)


class XMLRenderer(BaseRenderer):
    """Render `application/xml`: the JSON answer's data in the form `api.xml` describes."""

    media_type = "application/xml"
    format = "xml"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        return xml.dumps(data)
