"""C52-C56: XML beside JSON, problem+xml, hostile XML refused, an Accept nobody serves."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.contract.client import (
    PROBLEM,
    XML,
    Client,
    anonymous,
    expect,
    expect_problem,
    expect_validation,
    media_type,
    show,
    token,
    xml_body,
    xml_document,
    xml_problem,
)
from tests.contract.services import PASSWORD, Service

pytestmark = [pytest.mark.contract, pytest.mark.slow]

MIB = 1024 * 1024
AS_XML = {"Accept": XML}
XML_BODY = {"Content-Type": XML}

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<root><name>&lol9;</name><price>1.00</price></root>"""
HOSTILE = {
    "billion-laughs": BILLION_LAUGHS,
    "external-entity": b"""<?xml version="1.0"?>
<!DOCTYPE root [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<root><name>&secret;</name><price>1.00</price></root>""",
    "external-dtd": b"""<?xml version="1.0"?>
<!DOCTYPE root SYSTEM "http://127.0.0.1:9/evil.dtd">
<root><name>x</name><price>1.00</price></root>""",
    "parameter-entity": b"""<?xml version="1.0"?>
<!DOCTYPE root [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>
<root><name>x</name><price>1.00</price></root>""",
}


def as_text(value: Any) -> str:
    """A JSON scalar as the XML form writes it (C52)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def test_c52_json_by_default_and_for_any_type(anon: Client) -> None:
    for accept in ("", "*/*", "application/*"):
        answer = expect(anon.get("/api/v1/items/", headers={"Accept": accept}), 200, "C52")
        assert media_type(answer) == "application/json", f"[C52] Accept {accept!r}: {show(answer)}"


def test_c52_an_item_in_xml_mirrors_its_json(alice: Client) -> None:
    item = alice.create(name=f"Xml <&> {token()}", description="two\nlines", price="2.5")
    answer = expect(alice.get(f"/api/v1/items/{item['id']}/", headers=AS_XML), 200, "C52")
    assert media_type(answer) == XML, f"[C52] {show(answer)}"
    root = xml_body(answer, "C52")
    assert root.tag == "root", f"[C52] the document element is <root>: {show(answer)}"
    members = [(child.tag, child.text or "") for child in root]
    expected = [(name, as_text(value)) for name, value in item.items()]
    assert members == expected, f"[C52] XML members {members} != JSON members {expected}"


def test_c52_a_page_in_xml_lists_its_entries(alice: Client) -> None:
    word = token()
    for name in ("a", "b"):
        alice.create(name=f"{name} {word}")
    answer = alice.get("/api/v1/items/", headers=AS_XML, params={"search": word})
    root = xml_body(expect(answer, 200, "C52"), "C52")
    assert [child.tag for child in root] == ["count", "next", "previous", "results"], show(answer)
    assert root.findtext("count") == "2", f"[C52] {show(answer)}"
    assert root.findtext("next") == "", f"[C52] null is an empty element: {show(answer)}"
    entries = root.find("results")
    assert entries is not None, f"[C52] {show(answer)}"
    assert [entry.tag for entry in entries] == ["list-item", "list-item"], show(answer)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/json;q=0.5, application/xml", XML),
        ("application/xml;q=0.5, application/json", "application/json"),
        ("application/xml, */*;q=0.1", XML),
        ("application/xml;q=0, */*", "application/json"),
    ],
)
def test_c52_quality_values_decide(anon: Client, accept: str, expected: str) -> None:
    answer = expect(anon.get("/api/v1/items/", headers={"Accept": accept}), 200, "C52")
    assert media_type(answer) == expected, f"[C52] Accept {accept!r}: {show(answer)}"


def test_c52_the_probes_answer_json(anon: Client) -> None:
    for path in ("/health", "/ready"):
        answer = expect(anon.get(path, headers=AS_XML), 200, "C52")
        assert media_type(answer) == "application/json", f"[C52] {show(answer)}"


def test_c53_an_xml_body_is_read_as_json(alice: Client) -> None:
    name = f"Body {token()}"
    body = xml_document({"name": name, "price": "3.5", "in_stock": False})
    created = expect(alice.post("/api/v1/items/", content=body, headers=XML_BODY), 201, "C53")
    item = created.json()
    assert (item["name"], item["price"], item["in_stock"]) == (name, "3.50", False), item
    patch = xml_document({"description": "patched"})
    path = f"/api/v1/items/{item['id']}/"
    patched = expect(alice.patch(path, content=patch, headers=XML_BODY), 200, "C53").json()
    assert patched["description"] == "patched", f"[C53] {patched!r}"
    assert patched["name"] == name, f"[C53] PATCH in XML changed more: {patched!r}"


def test_c53_an_xml_body_is_validated_as_json(alice: Client) -> None:
    body = xml_document({"name": "", "price": "abc", "in_stock": "maybe"})
    answer = alice.post("/api/v1/items/", content=body, headers=XML_BODY)
    expect_validation(answer, {"name", "price", "in_stock"}, "C53")


def test_c53_credentials_may_be_sent_in_xml(service: Service) -> None:
    if service.auth not in {"session", "token", "jwt"}:
        pytest.skip(f"auth={service.auth}: no sign-in endpoint")
    path = "/api/v1/auth/login" if service.auth == "session" else "/api/v1/auth/token"
    body = xml_document({"username": "alice", "password": PASSWORD})
    with anonymous(service) as client:
        answer = client.post(path, content=body, headers={**XML_BODY, **AS_XML})
    expect(answer, 200, "C53")
    assert media_type(answer) == XML, f"[C53] {show(answer)}"
    expected = {
        "session": ["username", "csrf_token"],
        "token": ["token"],
        "jwt": ["access", "refresh"],
    }
    assert [child.tag for child in xml_body(answer, "C53")] == expected[service.auth], show(answer)


def test_c54_problems_in_xml_when_the_client_prefers_it(anon: Client, alice: Client) -> None:
    problem = xml_problem(anon.get("/api/v1/items/2147483000/", headers=AS_XML), 404, "C54")
    assert problem["title"] == "Not Found", f"[C54] {problem!r}"
    xml_problem(anon.get("/no-such-path", headers=AS_XML), 404, "C54")
    body = xml_document({"name": "", "price": "-1"})
    answer = alice.post("/api/v1/items/", content=body, headers={**XML_BODY, **AS_XML})
    problem = xml_problem(answer, 400, "C54")
    assert set(problem.get("errors", {})) == {"name", "price"}, f"[C54] {show(answer)}"
    assert all(problem["errors"].values()), f"[C54] every field has messages: {show(answer)}"


def test_c54_problems_stay_json_for_json_clients(anon: Client) -> None:
    answer = anon.get("/api/v1/items/2147483000/", headers={"Accept": "*/*"})
    expect_problem(answer, 404, "C54")


HANG_BOUND = 10  # seconds


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_c55_hostile_xml_is_refused_at_once(alice: Client, kind: str) -> None:
    started = time.monotonic()
    answer = alice.post("/api/v1/items/", content=HOSTILE[kind], headers={**XML_BODY, **AS_XML})
    elapsed = time.monotonic() - started
    xml_problem(answer, 400, f"C55 ({kind})")
    # A bound on hanging, not a speed measurement: a parser that expands these entities runs
    # for minutes and gigabytes; refusing one costs a request (with basic auth, a password hash).
    assert elapsed < HANG_BOUND, f"[C55] {kind} took {elapsed:.2f} s"
    assert b"root:" not in answer.content, f"[C55] {kind} read a file: {show(answer)}"


def test_c55_the_body_limit_holds_for_xml(alice: Client) -> None:
    over = xml_document({"name": "big", "price": "1.00", "description": "d" * (MIB + 1024)})
    expect_problem(alice.post("/api/v1/items/", content=over, headers=XML_BODY), 413, "C55")
    under = xml_document({"name": "big", "price": "1.00", "description": "d" * (MIB - 4096)})
    answer = alice.post("/api/v1/items/", content=under, headers=XML_BODY)
    expect_validation(answer, {"description"}, "C55 (under the limit: validated)")


def test_c56_an_accept_the_service_cannot_serve_is_406(anon: Client, alice: Client) -> None:
    answer = anon.get("/api/v1/items/", headers={"Accept": "text/csv"})
    expect_problem(answer, 406, "C56")
    assert media_type(answer) == PROBLEM, f"[C56] {show(answer)}"
    name = f"Refused {token()}"
    body = {"name": name, "price": "1.00"}
    answer = alice.post("/api/v1/items/", body, headers={"Accept": "text/csv"})
    expect_problem(answer, 406, "C56")
    found = alice.get("/api/v1/items/", params={"search": name}).json()
    assert found["count"] == 0, f"[C56] a refused answer still wrote the item: {found!r}"
