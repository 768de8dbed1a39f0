"""C24-C31: every error is problem+json, with the status the contract names."""

from __future__ import annotations

import json

import pytest

from tests.contract.client import Client, anonymous, expect, expect_problem, show, token
from tests.contract.services import Service

pytestmark = [pytest.mark.contract, pytest.mark.slow]

MIB = 1024 * 1024


@pytest.mark.parametrize(
    "path", ["/no-such-path", "/api/v1/no-such-thing/", "/api/v2/items/", "/api/v1/items/1/x/"]
)
def test_c30_unknown_path_is_404(anon: Client, path: str) -> None:
    expect_problem(anon.get(path), 404, "C30")


def test_c24_a_404_is_not_a_debug_page(anon: Client) -> None:
    answer = anon.get("/no-such-path", headers={"Accept": "text/html"})
    expect_problem(answer, 404, "C24")
    assert "Traceback" not in answer.text, f"[C24] {show(answer)}"


@pytest.mark.parametrize(
    ("method", "collection"),
    [("DELETE", True), ("PUT", True), ("PATCH", True), ("POST", False), ("BREW", True)],
    ids=["DELETE-collection", "PUT-collection", "PATCH-collection", "POST-item", "BREW"],
)
def test_c29_method_not_allowed_is_405(alice: Client, method: str, collection: bool) -> None:
    path = "/api/v1/items/"
    if not collection:
        path += f"{alice.create(name=f'M {token()}')['id']}/"
    answer = alice.request(method, path, {"name": "x", "price": "1.00"})
    expect_problem(answer, 405, f"C29 ({method} {path})")


def test_c26_malformed_json_is_400(alice: Client) -> None:
    for raw in (b'{"name": ', b"not json", b'{"name": "x", "price": "1.00",}'):
        answer = alice.post(
            "/api/v1/items/", content=raw, headers={"Content-Type": "application/json"}
        )
        expect_problem(answer, 400, f"C26 ({raw!r})")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"name=x&price=1.00"),
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n',
        ),
        ("text/plain", b'{"name": "x", "price": "1.00"}'),
    ],
    ids=["form", "multipart", "text"],
)
def test_c27_a_non_json_body_is_415(alice: Client, content_type: str, body: bytes) -> None:
    answer = alice.post("/api/v1/items/", content=body, headers={"Content-Type": content_type})
    expect_problem(answer, 415, f"C27 ({content_type})")
    item = alice.create(name=f"Form {token()}")
    answer = alice.patch(
        f"/api/v1/items/{item['id']}/", content=body, headers={"Content-Type": content_type}
    )
    expect_problem(answer, 415, f"C27 (PATCH, {content_type})")


def test_c28_a_body_over_1_mib_is_413(alice: Client) -> None:
    body = json.dumps({"name": "big", "price": "1.00", "description": "d" * (MIB + 1024)})
    answer = alice.post(
        "/api/v1/items/", content=body, headers={"Content-Type": "application/json"}
    )
    expect_problem(answer, 413, "C28")


def test_c28_a_body_under_1_mib_is_read(alice: Client) -> None:
    body = json.dumps({"name": "big", "price": "1.00", "description": "d" * (MIB - 4096)})
    answer = alice.post(
        "/api/v1/items/", content=body, headers={"Content-Type": "application/json"}
    )
    body_json = expect_problem(answer, 400, "C28 (under the limit: validated, not refused)")
    assert "description" in body_json.get("errors", {}), f"[C25] {show(answer)}"


@pytest.mark.parametrize("host", ["evil.example.com", "127.0.0.2", "localhost.evil.com"])
def test_c31_a_host_not_allowed_is_400(anon: Client, host: str) -> None:
    answer = anon.get("/api/v1/items/", headers={"Host": host})
    expect_problem(answer, 400, f"C31 (Host: {host})")


def test_c31_allowed_hosts_default_to_localhost_and_127_0_0_1(unready: Service) -> None:
    port = unready.host.rsplit(":", 1)[1]
    with anonymous(unready) as client:
        for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
            expect(client.get("/health", headers={"Host": host}), 200, f"C31 default ({host})")
        answer = client.get("/api/v1/items/", headers={"Host": "example.com"})
        expect_problem(answer, 400, "C31 default (Host: example.com)")
