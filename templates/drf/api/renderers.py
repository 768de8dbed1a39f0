"""A JSON renderer backed by orjson."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import BaseRenderer


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
