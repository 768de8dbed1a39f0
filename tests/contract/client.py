"""An HTTP client that knows the contract and nothing of the frameworks behind it.

Every request goes out as a client behind the TLS-terminating proxy sends it
(``X-Forwarded-Proto: https``), unless asked otherwise. Cookies are kept by hand: the service
marks them ``Secure`` and the connection to it is plain HTTP, so a cookie jar would never send
them back; a browser behind the proxy would.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx

from tests.contract.services import PASSWORD, Service

_NO_BODY = object()
PROBLEM = "application/problem+json"
PROBLEM_MEMBERS = ("type", "title", "status", "detail")
XML = "application/xml"
PROBLEM_XML = "application/problem+xml"
PROBLEM_NAMESPACE = "urn:ietf:rfc:7807"
REMOTE_USER_HEADER = "X-Remote-User"


class Client:
    """A client of one service: default headers, hand-kept cookies, optional credentials."""

    def __init__(
        self, service: Service, *, https: bool = True, local_address: str | None = None
    ) -> None:
        self.service = service
        self.https = https
        self.headers: dict[str, str] = {}
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []  # every Set-Cookie seen, raw
        self.username: str | None = None
        # ``local_address``: connect from another loopback address than 127.0.0.1.
        transport = httpx.HTTPTransport(local_address=local_address) if local_address else None
        self._http = httpx.Client(
            base_url=service.base_url, timeout=60, follow_redirects=False, transport=transport
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = _NO_BODY,
        *,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One request; ``json_body`` is sent as ``application/json``."""
        all_headers = {"Accept": "application/json"}
        if self.https:
            all_headers["X-Forwarded-Proto"] = "https"
        all_headers |= self.headers
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if json_body is not _NO_BODY:
            content = json.dumps(json_body)
            all_headers["Content-Type"] = "application/json"
        all_headers |= dict(headers or {})
        answer = self._http.request(
            method, path, content=content, headers=all_headers, params=params
        )
        self._http.cookies.clear()
        for raw in answer.headers.get_list("set-cookie"):
            self.set_cookies.append(raw)
            name, _, rest = raw.partition("=")
            value = rest.split(";", 1)[0]
            attributes = raw.lower()
            if not value or "max-age=0" in attributes or "01 jan 1970" in attributes:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return answer

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET ``path``."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = _NO_BODY, **kwargs: Any) -> httpx.Response:
        """POST ``json_body`` to ``path``."""
        return self.request("POST", path, json_body, **kwargs)

    def put(self, path: str, json_body: Any = _NO_BODY, **kwargs: Any) -> httpx.Response:
        """PUT ``json_body`` to ``path``."""
        return self.request("PUT", path, json_body, **kwargs)

    def patch(self, path: str, json_body: Any = _NO_BODY, **kwargs: Any) -> httpx.Response:
        """PATCH ``json_body`` to ``path``."""
        return self.request("PATCH", path, json_body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        """DELETE ``path``."""
        return self.request("DELETE", path, **kwargs)

    # Items ---------------------------------------------------------------------------

    def create(self, **fields: Any) -> dict[str, Any]:
        """Create an item (default price 1.00) and return it; fails the test otherwise."""
        body = {"price": "1.00", **fields}
        answer = self.post("/api/v1/items/", body)
        assert answer.status_code == 201, (
            f"[C4] POST /api/v1/items/ {body!r}: expected 201, got {answer.status_code}: "
            f"{answer.text[:500]}"
        )
        item: dict[str, Any] = answer.json()
        return item


# -- signing in -------------------------------------------------------------------------------


def basic_header(username: str, password: str) -> str:
    """An ``Authorization: Basic`` value."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def sign_in(service: Service, username: str = "alice", password: str = PASSWORD) -> Client:
    """A client signed in as ``username`` with the service's scheme (anonymous for none)."""
    client = Client(service)
    client.username = None if service.auth == "none" else username
    credentials = {"username": username, "password": password}
    if service.auth == "basic":
        client.headers["Authorization"] = basic_header(username, password)
    elif service.auth == "apikey":
        assert username in service.api_keys, f"[C63] {username} has no API key"
        # The header the OpenAPI document names (the fuzzer leaves it out on purpose).
        client.headers["X-API-Key"] = service.api_keys[username]
    elif service.auth == "oauth2":
        assert service.issuer is not None, "[C65] the service has no local issuer"
        client.headers["Authorization"] = f"Bearer {service.issuer.token(username)}"
    elif service.auth == "remote-user":
        # As the trusted proxy names the user (the clients connect from 127.0.0.1).
        client.headers[REMOTE_USER_HEADER] = username
    elif service.auth in {"token", "jwt"}:
        answer = client.post("/api/v1/auth/token", credentials)
        assert answer.status_code == 200, (
            f"[C39/C40] POST /api/v1/auth/token: expected 200, got {answer.status_code}: "
            f"{answer.text[:500]}"
        )
        if service.auth == "token":
            client.headers["Authorization"] = f"Token {answer.json()['token']}"
        else:
            client.headers["Authorization"] = f"Bearer {answer.json()['access']}"
            client.refresh_token = answer.json()["refresh"]  # type: ignore[attr-defined]
    elif service.auth == "session":
        answer = client.post("/api/v1/auth/login", credentials)
        assert answer.status_code == 200, (
            f"[C38] POST /api/v1/auth/login: expected 200, got {answer.status_code}: "
            f"{answer.text[:500]}"
        )
        client.headers["X-CSRFToken"] = answer.json()["csrf_token"]
        # A browser sends its page's origin with every unsafe request.
        client.headers["Origin"] = f"https://{service.host}"
        client.login_answer = answer  # type: ignore[attr-defined]
    return client


def anonymous(service: Service, *, https: bool = True, local_address: str | None = None) -> Client:
    """A client with no credentials (connecting from ``local_address`` when given)."""
    return Client(service, https=https, local_address=local_address)


# -- assertions -------------------------------------------------------------------------------


def media_type(answer: httpx.Response) -> str:
    """The Content-Type without parameters."""
    return answer.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def show(answer: httpx.Response) -> str:
    """A request and its answer, short, for assertion messages."""
    request = answer.request
    return (
        f"{request.method} {request.url.raw_path.decode()} -> {answer.status_code} "
        f"{media_type(answer)} {answer.text[:400]!r}"
    )


def expect(answer: httpx.Response, status: int | tuple[int, ...], line: str) -> httpx.Response:
    """Assert the status code, naming the contract line."""
    allowed = (status,) if isinstance(status, int) else status
    assert answer.status_code in allowed, f"[{line}] expected {status}: {show(answer)}"
    return answer


def expect_problem(
    answer: httpx.Response, status: int | tuple[int, ...], line: str
) -> dict[str, Any]:
    """Assert a problem+json answer with the given status (C24) and return its body."""
    expect(answer, status, line)
    assert media_type(answer) == PROBLEM, (
        f"[C24 via {line}] a {answer.status_code} must be {PROBLEM}: {show(answer)}"
    )
    body = answer.json()
    assert isinstance(body, dict), f"[C24 via {line}] problem body is not an object: {show(answer)}"
    missing = [m for m in PROBLEM_MEMBERS if m not in body]
    assert not missing, f"[C24 via {line}] problem body lacks {missing}: {show(answer)}"
    assert body["status"] == answer.status_code, (
        f"[C24 via {line}] problem status {body['status']!r} != {answer.status_code}"
    )
    assert isinstance(body["title"], str), f"[C24 via {line}] title is not a string: {body!r}"
    assert isinstance(body["type"], str), f"[C24 via {line}] type is not a string: {body!r}"
    return body


def expect_validation(answer: httpx.Response, fields: set[str], line: str) -> dict[str, Any]:
    """Assert a 400 naming exactly ``fields`` in ``errors`` (C25)."""
    body = expect_problem(answer, 400, line)
    errors = body.get("errors")
    assert isinstance(errors, dict), f"[C25 via {line}] a 400 lacks `errors`: {body!r}"
    assert set(errors) == fields, (
        f"[C25 via {line}] errors should name {sorted(fields)}, names {sorted(errors)}: {body!r}"
    )
    for field, messages in errors.items():
        assert isinstance(messages, list), f"[C25] errors[{field!r}] is not a list: {body!r}"
        assert messages, f"[C25] errors[{field!r}] is empty: {body!r}"
        assert all(isinstance(m, str) and m for m in messages), (
            f"[C25] errors[{field!r}] holds something other than messages: {body!r}"
        )
    return body


def assert_absolute(url: Any, service: Service, line: str) -> str:
    """Assert a URL the service wrote: absolute, https, this host, slashed path (C19)."""
    assert isinstance(url, str), f"[{line}] not a URL: {url!r}"
    parts = urlsplit(url)
    assert parts.scheme == "https", f"[{line}] written URL is not https: {url!r}"
    assert parts.netloc == service.host, f"[{line}] written URL names host {parts.netloc!r}"
    assert parts.path.endswith("/"), f"[{line}] written URL lacks the trailing slash: {url!r}"
    return url


def path_of(url: str) -> str:
    """The path and query of a URL the service wrote."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)


def parse_utc(value: Any, line: str = "C5") -> datetime:
    """Parse an RFC 3339 timestamp in UTC (``Z`` or ``+00:00``)."""
    assert isinstance(value, str), f"[{line}] timestamp is not a string: {value!r}"
    assert _RFC3339.match(value), f"[{line}] timestamp is not RFC 3339 with an offset: {value!r}"
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    offset = parsed.utcoffset()
    assert offset is not None, f"[{line}] timestamp has no offset: {value!r}"
    assert offset.total_seconds() == 0, f"[{line}] timestamp is not in UTC: {value!r}"
    return parsed


def xml_document(data: Mapping[str, Any]) -> bytes:
    """An object as the contract's XML form: ``<root>``, each member an element (C52)."""
    root = ElementTree.Element("root")
    for name, value in data.items():
        member = ElementTree.SubElement(root, name)
        member.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def xml_body(answer: httpx.Response, line: str) -> ElementTree.Element:
    """The XML document an answer carries, parsed (the service's own output: trusted)."""
    try:
        return ElementTree.fromstring(answer.content)
    except ElementTree.ParseError as exc:
        message = f"[{line}] the answer is not well-formed XML ({exc}): {show(answer)}"
        raise AssertionError(message) from None


def xml_problem(answer: httpx.Response, status: int, line: str) -> dict[str, Any]:
    """Assert an ``application/problem+xml`` answer (C54) and return its members as text."""
    expect(answer, status, line)
    assert media_type(answer) == PROBLEM_XML, (
        f"[C54 via {line}] a {answer.status_code} asked in XML is {PROBLEM_XML}: {show(answer)}"
    )
    problem = xml_body(answer, line)
    namespace = f"{{{PROBLEM_NAMESPACE}}}"
    assert problem.tag == f"{namespace}problem", (
        f"[C54 via {line}] the document element is <problem> in {PROBLEM_NAMESPACE}: {show(answer)}"
    )
    members: dict[str, Any] = {
        child.tag.removeprefix(namespace): child.text or "" for child in problem if len(child) == 0
    }
    missing = [m for m in PROBLEM_MEMBERS if m not in members]
    assert not missing, f"[C54 via {line}] problem lacks {missing}: {show(answer)}"
    assert members["status"] == str(status), f"[C54 via {line}] status: {show(answer)}"
    errors = problem.find(f"{namespace}errors")
    if errors is not None:
        members["errors"] = {
            field.tag.removeprefix(namespace): [message.text for message in field]
            for field in errors
        }
    return members


def token() -> str:
    """A word no other test uses: items carry it so that searches isolate them."""
    return "tok" + secrets.token_hex(5)
