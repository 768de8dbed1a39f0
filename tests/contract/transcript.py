"""A fixed conversation with a fresh service, normalized so that two frameworks compare equal.

Recorded once per combination when its main instance starts (its database is still empty),
with the OpenAPI document, and compared across frameworks by ``test_equality.py`` (C50, C21).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from tests.contract.client import (
    PROBLEM,
    PROBLEM_XML,
    XML,
    Client,
    anonymous,
    basic_header,
    media_type,
    sign_in,
    xml_document,
)
from tests.contract.services import Service

# Headers whose values must agree; others (Date, Server, Content-Length...) may differ.
COMPARED_HEADERS = (
    "location",
    "www-authenticate",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "x-request-id",
)
PRESENCE_HEADERS = ("strict-transport-security", "retry-after")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
VOLATILE_KEYS = {"created_at", "updated_at"}
SECRET_KEYS = {"token", "access", "refresh", "csrf_token"}
# In XML documents (C52, C54): the same placeholders, found by element name.
_XML_PLACEHOLDERS = [
    (
        re.compile(rf"<({'|'.join(sorted(VOLATILE_KEYS))})>[^<]+</\1>"),
        r"<\1>&lt;timestamp&gt;</\1>",
    ),
    (re.compile(rf"<({'|'.join(sorted(SECRET_KEYS))})>[^<]+</\1>"), r"<\1>&lt;secret&gt;</\1>"),
    (re.compile(r"<id>\d+</id>"), "<id>&lt;id&gt;</id>"),
]
# Problems in XML: wording may differ, as in JSON.
_XML_WORDING = [
    (re.compile(r"<detail>[^<]*</detail>"), "<detail>&lt;detail&gt;</detail>"),
    (re.compile(r"<i>[^<]*</i>"), "<i>&lt;message&gt;</i>"),
]


def record(service: Service) -> dict[str, Any]:
    """The OpenAPI document and the transcript of the fixed conversation."""
    with anonymous(service) as client:
        answer = client.get("/api/schema/")
        try:
            schema = answer.json()
        except ValueError:
            schema = None
    return {
        "schema": schema,
        "schema_status": answer.status_code,
        "schema_type": media_type(answer),
        "transcript": conversation(service),
    }


def normalize(value: Any, host: str) -> Any:
    """Ids, timestamps, hosts, cursors and secrets replaced by placeholders."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if key in VOLATILE_KEYS and item is not None:
                result[key] = "<timestamp>"
            elif key in SECRET_KEYS and item is not None:
                result[key] = "<secret>"
            elif key == "id" and isinstance(item, int):
                result[key] = "<id>"
            else:
                result[key] = normalize(item, host)
        return result
    if isinstance(value, list):
        return [normalize(v, host) for v in value]
    if isinstance(value, str):
        value = value.replace(host, "<host>")
        # A cursor encodes an id and an ordering value: compared as a placeholder too.
        value = re.sub(r"cursor=[A-Za-z0-9_-]+", "cursor=<cursor>", value)
        return re.sub(r"/items/\d+/", "/items/<id>/", value)
    return value


def entry(label: str, answer: httpx.Response, host: str) -> dict[str, Any]:
    """One normalized exchange."""
    headers = {
        name: normalize(answer.headers[name], host)
        for name in COMPARED_HEADERS
        if name in answer.headers
    }
    if "x-request-id" in headers and _UUID.fullmatch(headers["x-request-id"]):
        headers["x-request-id"] = "<uuid>"
    headers |= {name: "<present>" for name in PRESENCE_HEADERS if name in answer.headers}
    kind = media_type(answer)
    body: Any
    if kind in {XML, PROBLEM_XML}:
        # XML is compared as text: both frameworks must write the same bytes (C52).
        body = normalize(answer.text, host)
        for pattern, placeholder in _XML_PLACEHOLDERS + (
            _XML_WORDING if kind == PROBLEM_XML else []
        ):
            body = pattern.sub(placeholder, body)
        return {
            "request": label,
            "status": answer.status_code,
            "content-type": kind,
            "headers": headers,
            "body": body,
        }
    try:
        body = normalize(answer.json(), host) if answer.content else None
    except ValueError:
        body = "<not JSON>"
    if kind == PROBLEM and isinstance(body, dict):
        # Problem details: type, title, status and member names agree; wording may not.
        if "detail" in body:
            body["detail"] = "<detail>"
        if isinstance(body.get("errors"), dict):
            body["errors"] = dict.fromkeys(sorted(body["errors"]), "<messages>")
    return {
        "request": label,
        "status": answer.status_code,
        "content-type": kind if answer.content else "<no body>",
        "headers": headers,
        "body": body,
    }


def conversation(service: Service) -> list[dict[str, Any]]:
    """The fixed request sequence, anonymous and signed in."""
    host = service.host
    log: list[dict[str, Any]] = []

    def note(label: str, answer: httpx.Response) -> httpx.Response:
        log.append(entry(label, answer, host))
        return answer

    word = "transcriptword"
    with anonymous(service) as anon:
        note("GET /health", anon.get("/health"))
        note("GET /ready", anon.get("/ready"))
        note("GET empty search", anon.get("/api/v1/items/", params={"search": word}))
        note(
            "POST anonymous",
            anon.post("/api/v1/items/", {"name": f"anon {word}", "price": "1.00"}),
        )
        if service.auth in {"basic", "token", "jwt", "apikey", "oauth2"}:
            note(
                "GET with a wrong credential",
                anon.get("/api/v1/items/", headers={"Authorization": _wrong(service.auth)}),
            )
        if service.auth in {"token", "jwt"}:
            note(
                "POST token, wrong password",
                anon.post("/api/v1/auth/token", {"username": "alice", "password": "wrong"}),
            )
        if service.auth == "session":
            note(
                "POST login, wrong password",
                anon.post("/api/v1/auth/login", {"username": "alice", "password": "wrong"}),
            )
        note("GET unknown path", anon.get("/api/v1/no-such-thing/"))
        note("DELETE the collection", anon.delete("/api/v1/items/"))
        note(
            "GET with a request id",
            anon.get("/health", headers={"X-Request-ID": "transcript-0001"}),
        )
    client: Client = sign_in(service, "alice")
    with client:
        if service.auth == "session":
            note("POST login", client.login_answer)  # type: ignore[attr-defined]
        lamp = note(
            "POST lamp",
            client.post("/api/v1/items/", {"name": f"Lamp {word}", "price": "12.5"}),
        )
        note(
            "POST chair",
            client.post(
                "/api/v1/items/",
                {
                    "name": f"Chair {word}",
                    "description": "Oak",
                    "price": "40.00",
                    "in_stock": False,
                },
            ),
        )
        note("POST invalid", client.post("/api/v1/items/", {"name": "", "price": "abc"}))
        note(
            "POST malformed JSON",
            client.post(
                "/api/v1/items/", content=b'{"name": ', headers={"Content-Type": "application/json"}
            ),
        )
        note(
            "POST form",
            client.post(
                "/api/v1/items/",
                content=b"name=x&price=1.00",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ),
        )
        in_xml = {"Content-Type": XML, "Accept": XML}
        note(
            "POST desk in XML",
            client.post(
                "/api/v1/items/",
                content=xml_document({"name": f"Desk <&> {word}", "price": "7", "in_stock": False}),
                headers=in_xml,
            ),
        )
        note(
            "POST invalid in XML",
            client.post(
                "/api/v1/items/", content=xml_document({"name": "", "price": "x"}), headers=in_xml
            ),
        )
        note(
            "POST an XML entity",
            client.post(
                "/api/v1/items/",
                content=b'<!DOCTYPE r [<!ENTITY e "e">]><root><name>&e;</name></root>',
                headers=in_xml,
            ),
        )
        note(
            "GET a page in XML",
            client.get(
                "/api/v1/items/",
                params={"search": word, "ordering": "price", "page_size": "2"},
                headers={"Accept": XML},
            ),
        )
        note("GET as CSV", client.get("/api/v1/items/", headers={"Accept": "text/csv"}))
        page = note(
            "GET page 1 of 2",
            client.get(
                "/api/v1/items/",
                params={"search": word, "ordering": "-price", "page_size": "1"},
            ),
        )
        if page.status_code == 200 and page.json().get("next"):
            next_url = page.json()["next"]
            note("GET next page", client.get(next_url.split(host, 1)[-1]))
        note("GET in_stock=false", client.get("/api/v1/items/", params={"in_stock": "false"}))
        if lamp.status_code != 201:
            return log
        path = f"/api/v1/items/{lamp.json()['id']}/"
        note("GET lamp", client.get(path))
        note("GET lamp, no slash", client.get(path.rstrip("/")))
        note("PATCH lamp", client.patch(path, {"description": "Brass"}))
        note("PUT lamp", client.put(path, {"name": f"Lamp {word}", "price": "13.00"}))
        note("PUT lamp without price", client.put(path, {"name": "x"}))
        note("POST to an item", client.post(path, {"name": "x", "price": "1.00"}))
        note("DELETE lamp", client.delete(path))
        note("GET lamp after DELETE", client.get(path))
        note("GET unknown item", client.get("/api/v1/items/999999999/"))
    return log


def _wrong(auth: str) -> str:
    if auth == "basic":
        return basic_header("alice", "wrong-password")
    keyword = {"token": "Token", "jwt": "Bearer", "apikey": "Api-Key", "oauth2": "Bearer"}[auth]
    return f"{keyword} not-a-valid-token"


def dumps(log: list[dict[str, Any]]) -> str:
    """A transcript as readable text, for diffs."""
    return json.dumps(log, indent=1, sort_keys=True)


METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(path with parameters as ``{}`` and a trailing slash, method) pairs."""
    found = set()
    for path, item in document.get("paths", {}).items():
        normalized = re.sub(r"\{[^}]+\}", "{}", path).rstrip("/") + "/"
        found |= {(normalized, method) for method in item if method in METHODS}
    return found
