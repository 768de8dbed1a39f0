"""C12-C17: the listing envelope, pagination edges, search, ordering and the in_stock filter.

Each service gets two sets of items once: a catalogue of six (names, prices, stock and
creation order chosen so that every ordering differs) and a bulk of 101; both carry a word
no other test uses, and every listing here searches for it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.client import (
    Client,
    assert_absolute,
    expect,
    expect_problem,
    path_of,
    show,
    sign_in,
    token,
)
from tests.contract.services import Service

pytestmark = [pytest.mark.contract, pytest.mark.slow]

# (name prefix, price, in_stock, description); created in this order.
CATALOGUE = [
    ("Delta", "30.00", True, ""),
    ("Alpha", "5.00", False, ""),
    ("Charlie", "12.50", True, ""),
    ("Echo", "99.00", False, ""),
    ("Bravo", "0.50", True, ""),
    ("Foxtrot", "7.00", True, "mentions {WORD}"),
]
BULK = 101
_made: dict[str, tuple[str, list[dict[str, Any]]]] = {}


def _make(service: Service, kind: str) -> tuple[str, list[dict[str, Any]]]:
    key = f"{service.base_url}/{kind}"
    if key not in _made:
        word = token()
        with sign_in(service) as client:
            if kind == "catalogue":
                items = [
                    client.create(
                        name=prefix + (word if "{WORD}" not in description else ""),
                        price=price,
                        in_stock=in_stock,
                        description=description.replace("{WORD}", word.upper()),
                    )
                    for prefix, price, in_stock, description in CATALOGUE
                ]
            else:
                items = [client.create(name=f"Bulk{word}{i:03}") for i in range(BULK)]
        _made[key] = (word, items)
    return _made[key]


@pytest.fixture
def catalogue(service: Service) -> tuple[str, list[dict[str, Any]]]:
    return _make(service, "catalogue")


@pytest.fixture
def bulk(service: Service) -> tuple[str, list[dict[str, Any]]]:
    return _make(service, "bulk")


def listing(client: Client, line: str, **params: str) -> dict[str, Any]:
    answer = expect(client.get("/api/v1/items/", params=params), 200, line)
    body = answer.json()
    assert isinstance(body, dict), f"[C12] a listing is an object: {show(answer)}"
    assert set(body) == {"count", "next", "previous", "results"}, (
        f"[C12] listing members are count, next, previous, results: {sorted(body)}"
    )
    assert isinstance(body["results"], list), f"[C12] results is a list: {show(answer)}"
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["results"]]


def test_c12_listing_envelope(
    service: Service, anon: Client, catalogue: tuple[str, list[dict[str, Any]]]
) -> None:
    word, items = catalogue
    body = listing(anon, "C12", search=word)
    assert body["count"] == len(items), f"[C12/C15] count: {body!r}"
    assert body["next"] is None, f"[C12] next is null on the only page: {body!r}"
    assert body["previous"] is None, f"[C12] previous is null on page 1: {body!r}"
    assert ids(body) == [i["id"] for i in items], f"[C12/C16] default order is by id: {body!r}"
    assert body["results"] == items, "[C12] results hold the items as created"


def test_c13_page_size_defaults_to_20(anon: Client, bulk: tuple[str, list[Any]]) -> None:
    word, items = bulk
    body = listing(anon, "C13", search=word)
    assert body["count"] == BULK, f"[C13] count {body['count']}"
    assert len(body["results"]) == 20, f"[C13] default page size is 20: {len(body['results'])}"
    assert ids(body) == [i["id"] for i in items[:20]], "[C13/C16] first page, by id"


def test_c13_page_size_above_100_is_served_as_100(
    service: Service, anon: Client, bulk: tuple[str, list[Any]]
) -> None:
    word, items = bulk
    body = listing(anon, "C13", search=word, page_size="1000")
    assert len(body["results"]) == 100, f"[C13] page_size=1000 serves 100: {len(body['results'])}"
    assert body["next"], f"[C13] a 101st item means a next page: {body['next']!r}"
    assert_absolute(body["next"], service, "C19")
    last = expect(anon.get(path_of(body["next"])), 200, "C13/C14").json()
    assert ids(last) == [items[100]["id"]], f"[C13] the next page holds the 101st: {ids(last)}"


@pytest.mark.parametrize("page_size", ["0", "-5", "abc", ""])
def test_c13_page_size_below_1_or_not_a_number_is_ignored(
    anon: Client, bulk: tuple[str, list[Any]], page_size: str
) -> None:
    word, _ = bulk
    body = listing(anon, "C13", search=word, page_size=page_size)
    assert len(body["results"]) == 20, (
        f"[C13] page_size={page_size!r} is ignored (20 results), got {len(body['results'])}"
    )


def test_c14_page_1_always_exists(anon: Client) -> None:
    body = listing(anon, "C14", search=token())
    assert body == {"count": 0, "next": None, "previous": None, "results": []}, f"[C14] {body!r}"
    expect_problem(anon.get("/api/v1/items/", params={"search": token(), "page": "2"}), 404, "C14")


def test_c14_pages_walk_with_next_and_previous(
    service: Service, anon: Client, catalogue: tuple[str, list[dict[str, Any]]]
) -> None:
    word, items = catalogue
    expected = [i["id"] for i in items]
    first = listing(anon, "C14", search=word, page_size="4")
    assert ids(first) == expected[:4], f"[C14] page 1: {ids(first)}"
    assert first["previous"] is None, f"[C14] page 1 has no previous: {first!r}"
    assert_absolute(first["next"], service, "C19")
    second = expect(anon.get(path_of(first["next"])), 200, "C14").json()
    assert ids(second) == expected[4:], f"[C14] the last page: {ids(second)}"
    assert second["next"] is None, f"[C14] the last page has no next: {second!r}"
    assert second["count"] == len(items), f"[C14] count on every page: {second!r}"
    assert_absolute(second["previous"], service, "C19")
    back = expect(anon.get(path_of(second["previous"])), 200, "C14").json()
    assert ids(back) == expected[:4], f"[C14] previous leads back to page 1: {ids(back)}"
    third = listing(anon, "C14", search=word, page_size="2", page="3")
    assert ids(third) == expected[4:], f"[C14] page 3 of 3: {ids(third)}"
    assert third["next"] is None, f"[C14] page 3 of 3 has no next: {third!r}"


def test_c14_next_and_previous_carry_a_cursor(
    anon: Client, catalogue: tuple[str, list[dict[str, Any]]]
) -> None:
    word, items = catalogue
    first = listing(anon, "C14", search=word, page_size="2", ordering="-price")
    assert "cursor=" in first["next"], f"[C14] next navigates by key: {first['next']!r}"
    assert "page=" not in first["next"], f"[C14] next names no page: {first['next']!r}"
    by_number = listing(anon, "C14", search=word, page_size="2", ordering="-price", page="2")
    following = expect(anon.get(path_of(first["next"])), 200, "C14").json()
    assert ids(following) == ids(by_number), f"[C14] next is page 2: {ids(following)}"
    assert following["count"] == len(items), f"[C14] count on a cursor's page: {following!r}"
    assert "cursor=" in by_number["next"], f"[C14] next of a numbered page: {by_number!r}"
    previous = by_number["previous"]
    assert "page=" not in previous, f"[C14] page 2's previous is page 1: {previous!r}"
    assert "cursor=" not in previous, f"[C14] page 2's previous is page 1: {previous!r}"
    back = expect(anon.get(path_of(previous)), 200, "C14").json()
    assert ids(back) == ids(first), f"[C14] page 2's previous is page 1: {ids(back)}"


@pytest.mark.parametrize("ordering", ["name", "-name", "price", "-price", "-created_at"])
def test_c14_c16_cursors_walk_every_item_once_both_ways(
    anon: Client, catalogue: tuple[str, list[dict[str, Any]]], ordering: str
) -> None:
    word, _ = catalogue
    everything = ids(listing(anon, "C16", search=word, ordering=ordering))
    pages = [listing(anon, "C14", search=word, ordering=ordering, page_size="4")]
    while pages[-1]["next"]:
        pages.append(expect(anon.get(path_of(pages[-1]["next"])), 200, "C14").json())
    walked = [item for page in pages for item in ids(page)]
    assert walked == everything, f"[C14] next walks every item once: {walked} != {everything}"
    back = [pages[-1]]
    while back[-1]["previous"]:
        back.append(expect(anon.get(path_of(back[-1]["previous"])), 200, "C14").json())
    assert [ids(page) for page in back[::-1]] == [ids(page) for page in pages], (
        "[C14] previous walks the same pages back"
    )


@pytest.mark.parametrize("cursor", ["junk", "W10", "WyJpZCIsbnVsbCwxLGZhbHNlXQ"])
def test_c14_cursors_the_service_did_not_write_are_404(
    anon: Client, catalogue: tuple[str, list[dict[str, Any]]], cursor: str
) -> None:
    word, _ = catalogue
    params = {"search": word, "ordering": "name", "cursor": cursor}
    expect_problem(anon.get("/api/v1/items/", params=params), 404, f"C14 (cursor={cursor})")


@pytest.mark.parametrize("page", ["4", "0", "-1", "abc", "1.5", "999999"])
def test_c14_pages_out_of_range_or_not_numbers_are_404(
    anon: Client, catalogue: tuple[str, list[dict[str, Any]]], page: str
) -> None:
    word, _ = catalogue
    answer = anon.get("/api/v1/items/", params={"search": word, "page_size": "2", "page": page})
    expect_problem(answer, 404, f"C14 (page={page})")


def test_c15_search_is_case_insensitive_in_name_and_description(
    anon: Client, catalogue: tuple[str, list[dict[str, Any]]]
) -> None:
    word, items = catalogue
    everything = [i["id"] for i in items]
    for variant in (word, word.upper(), word.capitalize()):
        body = listing(anon, "C15", search=variant)
        assert ids(body) == everything, f"[C15] search={variant!r} finds all six: {ids(body)}"
    body = listing(anon, "C15", search=f"aLpHa{word}")
    assert ids(body) == [items[1]["id"]], f"[C15] search in the name: {ids(body)}"
    inside = word[2:-1]  # neither a word nor a word's prefix: a substring match on every database
    body = listing(anon, "C15", search=inside.upper())
    assert ids(body) == everything, (
        f"[C15] search={inside!r} inside words finds all six: {ids(body)}"
    )
    assert word not in items[5]["name"].lower(), (
        "the last item has the word only in its description"
    )
    body = listing(anon, "C15", search=word.lower())
    assert items[5]["id"] in ids(body), f"[C15] search in the description: {ids(body)}"


ORDERINGS = {
    "name": lambda i: i["name"],
    "price": lambda i: float(i["price"]),
    "created_at": lambda i: i["id"],
}


@pytest.mark.parametrize(
    "ordering", ["name", "-name", "price", "-price", "created_at", "-created_at"]
)
def test_c16_ordering(
    anon: Client, catalogue: tuple[str, list[dict[str, Any]]], ordering: str
) -> None:
    word, items = catalogue
    key = ORDERINGS[ordering.lstrip("-")]
    expected = [i["id"] for i in sorted(items, key=key, reverse=ordering.startswith("-"))]
    body = listing(anon, "C16", search=word, ordering=ordering)
    assert ids(body) == expected, f"[C16] ordering={ordering}: {ids(body)} != {expected}"


@pytest.mark.parametrize(
    "ordering", ["bogus", "owner", "-description", "id;drop", "-", "price__lt"]
)
def test_c16_unknown_ordering_is_ignored(
    anon: Client, catalogue: tuple[str, list[dict[str, Any]]], ordering: str
) -> None:
    word, items = catalogue
    body = listing(anon, "C16", search=word, ordering=ordering)
    assert ids(body) == [i["id"] for i in items], (
        f"[C16] ordering={ordering!r} is ignored (by id): {ids(body)}"
    )


@pytest.mark.parametrize(("value", "wanted"), [("true", True), ("false", False)])
def test_c17_in_stock_filter(
    anon: Client, catalogue: tuple[str, list[dict[str, Any]]], value: str, wanted: bool
) -> None:
    word, items = catalogue
    body = listing(anon, "C17", search=word, in_stock=value)
    expected = [i["id"] for i in items if i["in_stock"] is wanted]
    assert ids(body) == expected, f"[C17] in_stock={value}: {ids(body)} != {expected}"
    assert body["count"] == len(expected), f"[C17] count follows the filter: {body['count']}"


@pytest.mark.parametrize("value", ["maybe", "2", "truthy"])
def test_c17_in_stock_not_a_boolean_is_ignored(
    anon: Client, catalogue: tuple[str, list[dict[str, Any]]], value: str
) -> None:
    word, items = catalogue
    body = listing(anon, "C17", search=word, in_stock=value)
    assert ids(body) == [i["id"] for i in items], f"[C17] in_stock={value!r}: {ids(body)}"


def test_c14_c16_c17_parameters_combine(
    anon: Client, catalogue: tuple[str, list[dict[str, Any]]]
) -> None:
    word, items = catalogue
    in_stock = sorted((i for i in items if i["in_stock"]), key=lambda i: -float(i["price"]))
    body = listing(anon, "C14", search=word, in_stock="true", ordering="-price", page_size="2")
    assert body["count"] == len(in_stock), f"[C17] {body!r}"
    assert ids(body) == [i["id"] for i in in_stock[:2]], f"[C16/C17] {ids(body)}"
    following = expect(anon.get(path_of(body["next"])), 200, "C14").json()
    assert ids(following) == [i["id"] for i in in_stock[2:4]], (
        f"[C14] next keeps search, filter and ordering: {ids(following)}"
    )
