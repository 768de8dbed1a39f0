"""JSON through orjson: faster, and compact like the rest of the API's output."""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import JSONProvider


class OrjsonProvider(JSONProvider):
    """Flask's JSON provider backed by orjson (``jsonify``, ``request.get_json``)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)


def dump_bytes(obj: Any) -> bytes:
    """Serialize ``obj`` straight to the bytes of a response body."""
    return orjson.dumps(obj)
