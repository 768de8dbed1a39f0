"""C4-C11 (and C25, C27): the items lifecycle and field rules."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.client import (
    Client,
    assert_absolute,
    expect,
    expect_problem,
    expect_validation,
    parse_utc,
    path_of,
    show,
    token,
)
from tests.contract.services import Service

pytestmark = [pytest.mark.contract, pytest.mark.slow]

FIELDS = {"id", "url", "name", "description", "price", "in_stock", "created_at", "updated_at"}


def item_path(item: dict[str, Any]) -> str:
    return f"/api/v1/items/{item['id']}/"


def test_c4_post_creates_with_location(service: Service, alice: Client) -> None:
    answer = expect(
        alice.post("/api/v1/items/", {"name": f"Widget {token()}", "price": "9.99"}), 201, "C4"
    )
    body = answer.json()
    location = answer.headers.get("location")
    assert location, f"[C4] a 201 needs a Location: {show(answer)}"
    assert_absolute(location, service, "C4/C19")
    assert location == body["url"], f"[C4] Location {location!r} != item url {body['url']!r}"
    assert path_of(location) == item_path(body), f"[C4] Location names {location!r}"


def test_c5_item_representation(service: Service, alice: Client) -> None:
    name = f"Widget {token()}"
    item = alice.create(name=name, price="9.5")
    expected = FIELDS | ({"owner"} if service.auth != "none" else set())
    assert set(item) == expected, f"[C5] item members {sorted(item)} != {sorted(expected)}"
    assert isinstance(item["id"], int), f"[C5] id is not an integer: {item!r}"
    assert not isinstance(item["id"], bool), f"[C5] id is not an integer: {item!r}"
    assert_absolute(item["url"], service, "C5/C19")
    assert path_of(item["url"]) == item_path(item), f"[C5] url is not the item's own: {item!r}"
    assert item["name"] == name, f"[C5] {item!r}"
    assert item["description"] == "", f"[C5] description defaults to '': {item!r}"
    assert item["price"] == "9.50", f"[C5] price is a decimal string with 2 places: {item!r}"
    assert item["in_stock"] is True, f"[C5] in_stock defaults to true: {item!r}"
    created = parse_utc(item["created_at"])
    updated = parse_utc(item["updated_at"])
    assert updated >= created, f"[C5] updated_at before created_at: {item!r}"
    if service.auth != "none":
        assert item["owner"] == "alice", f"[C5] owner is the creator's username: {item!r}"


def test_c6_read_only_fields_cannot_be_set(service: Service, alice: Client) -> None:
    forged = {
        "id": 987654321,
        "url": "https://evil.example.com/api/v1/items/1/",
        "created_at": "2001-01-01T00:00:00Z",
        "updated_at": "2001-01-01T00:00:00Z",
        "owner": "bob",
    }
    item = alice.create(name=f"Forged {token()}", **forged)
    assert item["id"] != forged["id"], f"[C6] id was set by the client: {item!r}"
    assert "evil" not in item["url"], f"[C6] url was set by the client: {item!r}"
    assert not item["created_at"].startswith("2001"), f"[C6] created_at was set: {item!r}"
    assert not item["updated_at"].startswith("2001"), f"[C6] updated_at was set: {item!r}"
    if service.auth != "none":
        assert item["owner"] == "alice", f"[C6] owner was set by the client: {item!r}"
    patched = expect(alice.patch(item_path(item), forged), 200, "C6").json()
    assert patched["id"] == item["id"], f"[C6] PATCH changed the id: {patched!r}"
    assert patched["created_at"] == item["created_at"], f"[C6] PATCH set created_at: {patched!r}"
    if service.auth != "none":
        assert patched["owner"] == "alice", f"[C6] PATCH changed the owner: {patched!r}"


def test_c7_get_item_and_unknown_ids(alice: Client, anon: Client) -> None:
    item = alice.create(name=f"Widget {token()}", price="3.00")
    got = expect(anon.get(item_path(item)), 200, "C7").json()
    assert got == item, f"[C7] GET differs from the created item: {got!r} != {item!r}"
    for path in (
        "/api/v1/items/999999999/",
        "/api/v1/items/0/",
        "/api/v1/items/-1/",
        "/api/v1/items/abc/",
        "/api/v1/items/99999999999999999999999/",  # beyond any integer column
    ):
        expect_problem(anon.get(path), 404, "C7")


def test_c8_put_replaces_the_whole_item(alice: Client) -> None:
    item = alice.create(
        name=f"Full {token()}", price="5.00", description="Long text", in_stock=False
    )
    answer = expect(alice.put(item_path(item), {"name": "Replaced", "price": "6.00"}), 200, "C8")
    replaced = answer.json()
    assert replaced["name"] == "Replaced", f"[C8] {replaced!r}"
    assert replaced["price"] == "6.00", f"[C8] {replaced!r}"
    assert replaced["description"] == "", f"[C8] an omitted description resets: {replaced!r}"
    assert replaced["in_stock"] is True, f"[C8] an omitted in_stock resets to true: {replaced!r}"
    assert replaced["id"] == item["id"], f"[C8] {replaced!r}"
    assert replaced["created_at"] == item["created_at"], f"[C8] created_at changed: {replaced!r}"
    stored = expect(alice.get(item_path(item)), 200, "C8").json()
    assert stored == replaced, f"[C8] GET after PUT differs: {stored!r} != {replaced!r}"


@pytest.mark.parametrize(
    ("body", "missing"),
    [({}, {"name", "price"}), ({"name": "x"}, {"price"}), ({"price": "1.00"}, {"name"})],
    ids=["empty", "no-price", "no-name"],
)
def test_c8_put_requires_name_and_price(
    alice: Client, body: dict[str, Any], missing: set[str]
) -> None:
    item = alice.create(name=f"Put {token()}")
    expect_validation(alice.put(item_path(item), body), missing, "C8")
    unchanged = alice.get(item_path(item)).json()
    assert unchanged == item, f"[C8] a refused PUT changed the item: {unchanged!r}"


def test_c9_patch_changes_only_what_it_names(alice: Client) -> None:
    item = alice.create(name=f"Part {token()}", price="5.00", description="Keep me")
    answer = expect(alice.patch(item_path(item), {"price": "7.25"}), 200, "C9")
    patched = answer.json()
    assert patched["price"] == "7.25", f"[C9] {patched!r}"
    for kept in ("name", "description", "in_stock", "created_at", "id", "url"):
        assert patched[kept] == item[kept], f"[C9] PATCH changed {kept}: {patched!r}"
    assert parse_utc(patched["updated_at"]) >= parse_utc(item["updated_at"]), (
        f"[C9] updated_at went back: {patched!r}"
    )
    expect_validation(alice.patch(item_path(item), {"price": "-1.00"}), {"price"}, "C9/C11")
    expect(alice.patch(item_path(item), {}), 200, "C9")


def test_c10_delete_answers_204_and_the_item_is_gone(alice: Client) -> None:
    item = alice.create(name=f"Gone {token()}")
    answer = expect(alice.delete(item_path(item)), 204, "C10")
    assert answer.content == b"", f"[C10] a 204 has an empty body: {show(answer)}"
    expect_problem(alice.get(item_path(item)), 404, "C10")
    expect_problem(alice.delete(item_path(item)), 404, "C10")
    expect_problem(alice.patch(item_path(item), {"price": "1.00"}), 404, "C10")


INVALID = [
    ({"name": "", "price": "1.00"}, {"name"}),
    ({"name": "x" * 101, "price": "1.00"}, {"name"}),
    ({"name": "ok", "price": "1.00", "in_stock": "maybe"}, {"in_stock"}),
    ({"name": "ok", "price": "1.00", "description": "d" * 2001}, {"description"}),
    ({"name": "ok", "price": "-0.01"}, {"price"}),
    ({"name": "ok", "price": "100000000.00"}, {"price"}),
    ({"name": "ok", "price": "1.234"}, {"price"}),
    ({"name": "ok", "price": "cheap"}, {"price"}),
    ({"name": "ok", "price": None}, {"price"}),
    ({"name": None, "price": "1.00"}, {"name"}),
    ({"name": "", "price": "cheap", "description": "d" * 2001}, {"name", "price", "description"}),
    ({"description": "only"}, {"name", "price"}),
]


@pytest.mark.parametrize(("body", "fields"), INVALID, ids=[str(i) for i in range(len(INVALID))])
def test_c11_c25_invalid_fields_are_all_named(
    alice: Client, body: dict[str, Any], fields: set[str]
) -> None:
    expect_validation(alice.post("/api/v1/items/", body), fields, "C11/C25")


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "x", "price": "0.00"},
        {"name": "x" * 100, "price": "99999999.99"},
        {"name": "y", "price": "1", "description": "d" * 2000, "in_stock": False},
    ],
    ids=["lowest", "highest", "longest-description"],
)
def test_c11_bounds_are_accepted(alice: Client, fields: dict[str, Any]) -> None:
    item = alice.create(**fields)
    for key, value in fields.items():
        if key == "price":
            value = f"{float(value):.2f}"
        assert item[key] == value, f"[C11] {key} stored as {item[key]!r}, sent {value!r}"


def test_c27_an_empty_body_counts_as_an_empty_object(alice: Client) -> None:
    expect_validation(
        alice.request("POST", "/api/v1/items/"), {"name", "price"}, "C27/C25 (POST, no body)"
    )
    item = alice.create(name=f"Empty {token()}")
    answer = expect(alice.request("PATCH", item_path(item)), 200, "C27 (PATCH, no body)")
    assert answer.json()["name"] == item["name"], f"[C27] {show(answer)}"
