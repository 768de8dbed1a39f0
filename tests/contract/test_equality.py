"""C50, C21: DRF and Flask-RESTful generated with the same answers are interchangeable.

Both services hold the same conversation right after they start (``transcript.py``); the
normalized transcripts must be equal. Their OpenAPI documents must describe the same
operations with the same shapes: request bodies and success answers resolved to property
names, types and required members, whatever the components are called.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import pytest

from apigen import smoke
from tests.contract.services import Pool, ServiceStartError
from tests.contract.transcript import dumps, operations
from tests.slow.conftest import require_servers

pytestmark = [pytest.mark.contract, pytest.mark.slow]

Pair = tuple[smoke.Combination, smoke.Combination]


def _records(pool: Pool, pair: Pair) -> tuple[dict[str, Any], dict[str, Any]]:
    found = []
    for combination in pair:
        require_servers(combination)
        try:
            records = pool.records(combination)
        except ServiceStartError as exc:
            pytest.fail(str(exc), pytrace=False)
        if "error" in records:
            pytest.fail(f"{combination.id}: recording failed: {records['error']}", pytrace=False)
        found.append(records)
    return found[0], found[1]


def test_c50_same_conversation_same_answers(pool: Pool, pair: Pair) -> None:
    drf, flask = _records(pool, pair)
    left, right = drf["transcript"], flask["transcript"]
    differing = [
        f"{a['request']}:\n"
        + "\n".join(
            difflib.unified_diff(
                dumps([a]).splitlines(),
                dumps([b]).splitlines(),
                "drf",
                "flask-restful",
                lineterm="",
            )
        )
        for a, b in zip(left, right, strict=False)
        if a != b
    ]
    if len(left) != len(right):
        differing.append(
            f"the conversations differ in length: {[e['request'] for e in left]} vs "
            f"{[e['request'] for e in right]}"
        )
    assert not differing, "[C50] the frameworks answer differently:\n" + "\n\n".join(differing)


# -- shapes -------------------------------------------------------------------------------------


def _resolve(node: Any, document: dict[str, Any]) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
    return node


def shape(node: Any, document: dict[str, Any], *, writing: bool, depth: int = 0) -> Any:
    """A schema reduced to what a client relies on: types, property names, required."""
    node = _resolve(node, document)
    if not isinstance(node, dict) or depth > 6:
        return None
    if "allOf" in node and len(node["allOf"]) == 1:
        # One schema with what the reference cannot carry beside it (a default): that schema.
        (only,) = node["allOf"]
        rest = {k: v for k, v in node.items() if k != "allOf"}
        return shape({**_resolve(only, document), **rest}, document, writing=writing, depth=depth)
    if "allOf" in node:
        merged: dict[str, Any] = {"properties": {}, "required": []}
        for part in node["allOf"]:
            part = _resolve(part, document)
            merged["properties"] |= part.get("properties", {})
            merged["required"] += part.get("required", [])
            merged.setdefault("type", part.get("type"))
        node = {**node, **merged}
    for key in ("oneOf", "anyOf"):
        if key in node:
            options = [_resolve(o, document) for o in node[key]]
            options = [o for o in options if o.get("type") != "null"]
            if len(options) == 1:
                return shape(options[0], document, writing=writing, depth=depth + 1)
            return sorted(
                str(shape(o, document, writing=writing, depth=depth + 1)) for o in options
            )
    kind = node.get("type")
    if isinstance(kind, list):
        kind = sorted(k for k in kind if k != "null")
        kind = kind[0] if len(kind) == 1 else kind
    if kind == "array":
        return {
            "array of": shape(node.get("items", {}), document, writing=writing, depth=depth + 1)
        }
    if kind == "object" or "properties" in node:
        properties = {
            name: shape(value, document, writing=writing, depth=depth + 1)
            for name, value in node.get("properties", {}).items()
            if not (writing and _resolve(value, document).get("readOnly"))
        }
        result: dict[str, Any] = {"properties": properties}
        if writing:
            result["required"] = sorted(set(node.get("required", [])) & set(properties))
        return result
    return kind


def described(document: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """Per operation: its request body's shape and its success answers' shapes."""
    result = {}
    for path, item in document.get("paths", {}).items():
        normalized = re.sub(r"\{[^}]+\}", "{}", path).rstrip("/") + "/"
        for method, operation in item.items():
            if method not in {"get", "put", "post", "delete", "patch"}:
                continue
            body = _resolve(operation.get("requestBody", {}), document).get("content", {})
            request = {
                media: shape(content.get("schema", {}), document, writing=True)
                for media, content in body.items()
                if media == "application/json"
            }
            answers = {}
            media_types = {"request": sorted(body)}
            for status, response in operation.get("responses", {}).items():
                if not str(status).startswith("2"):
                    continue
                content = _resolve(response, document).get("content", {})
                json_content = content.get("application/json", {})
                answers[str(status)] = shape(json_content.get("schema"), document, writing=False)
                media_types[str(status)] = sorted(content)
            result[(normalized, method)] = {
                "request": request,
                "success": answers,
                "media types": media_types,
            }
    return result


def test_c21_same_operations_and_shapes(pool: Pool, pair: Pair) -> None:
    drf, flask = _records(pool, pair)
    left, right = drf["schema"], flask["schema"]
    assert isinstance(left, dict), f"[C20] {pair[0].id} serves no JSON document"
    assert isinstance(right, dict), f"[C20] {pair[1].id} serves no JSON document"
    only_drf = operations(left) - operations(right)
    only_flask = operations(right) - operations(left)
    problems = []
    if only_drf or only_flask:
        problems.append(
            f"operations only in DRF: {sorted(only_drf)}; only in Flask-RESTful: "
            f"{sorted(only_flask)}"
        )
    a, b = described(left), described(right)
    for name, shapes in (("drf", a), ("flask-restful", b)):
        item = shapes.get(("/api/v1/items/{}/", "get"), {}).get("success", {}).get("200")
        assert isinstance(item, dict), f"[C20] {name} describes no item answer: {item!r}"
        assert "name" in item.get("properties", {}), f"[C20] {name}'s item shape: {item!r}"
    problems += [
        f"{method.upper()} {path}:\n  drf:           {a[(path, method)]}\n"
        f"  flask-restful: {b[(path, method)]}"
        for path, method in sorted(a)
        if (path, method) in b and a[(path, method)] != b[(path, method)]
    ]
    assert not problems, "[C21] the documents differ:\n" + "\n".join(problems)
